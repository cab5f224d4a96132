"""The object store's pure helpers and the encrypted local folder store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from infra.crypto import KeyRing, new_key_spec, parse_key_ring
from infra.errors import ConfigurationError, StorageError, TransientError
from infra.object_store import (
    InvalidKeyError,
    LocalObjectStore,
    ObjectNotFoundError,
    S3ObjectStore,
    StoredObject,
    TransientStorageError,
    content_key,
    object_store_from_url,
    validate_key,
)
from infra.object_store.s3 import classify_s3_error

RAW_EMAIL = b"From: iso@broker.example\r\nSubject: New submission\r\nSSN: 123-45-6789\r\n\r\nHello"


@pytest.fixture
def ring() -> KeyRing:
    return parse_key_ring(new_key_spec("k1"))


@pytest.fixture
def store(tmp_path: Path, ring: KeyRing) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "objects", ring)


def test_content_key_fans_out_by_the_first_two_hex_digits() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    assert content_key("raw", digest, ".eml") == f"raw/{digest[:2]}/{digest}.eml"
    assert content_key("/raw/", digest, "eml") == f"raw/{digest[:2]}/{digest}.eml"
    assert content_key("", digest) == f"{digest[:2]}/{digest}"


@pytest.mark.parametrize("digest", ["abc", "G" * 64, "A" * 64])
def test_content_key_refuses_what_is_not_a_lowercase_sha256(digest: str) -> None:
    with pytest.raises(InvalidKeyError):
        content_key("raw", digest)


@pytest.mark.parametrize(
    "key",
    ["", "/etc/passwd", "../secrets", "raw/../../x", "raw//x", "raw/./x", "C:/x", "raw\\x", "a\x00b"]
    + [".tmp/x", "x" * 1025],
)
def test_unsafe_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidKeyError):
        validate_key(key)


def test_local_store_round_trips_bytes_and_reports_a_file_uri(store: LocalObjectStore) -> None:
    digest = hashlib.sha256(RAW_EMAIL).hexdigest()
    stored = store.put(content_key("raw", digest, ".eml"), RAW_EMAIL, content_type="message/rfc822")

    assert stored == StoredObject(
        uri=(store.root / stored.key).as_uri(), key=stored.key, size=len(RAW_EMAIL), sha256=digest
    )
    assert stored.uri.startswith("file:///")
    assert store.get(stored.key) == RAW_EMAIL
    assert store.get(stored.uri) == RAW_EMAIL
    assert store.exists(stored.key)


def test_bytes_on_disk_are_encrypted_not_the_plaintext(store: LocalObjectStore) -> None:
    stored = store.put("raw/ab/mail.eml", RAW_EMAIL)
    on_disk = (store.root / stored.key).read_bytes()

    assert RAW_EMAIL not in on_disk
    assert b"123-45-6789" not in on_disk
    assert b"broker.example" not in on_disk


def test_putting_the_same_bytes_again_is_a_no_op(store: LocalObjectStore) -> None:
    first = store.put("raw/ab/mail.eml", RAW_EMAIL)
    path = store.root / first.key
    before = (path.stat().st_mtime_ns, path.read_bytes())

    again = store.put("raw/ab/mail.eml", RAW_EMAIL)

    assert again == first
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_other_bytes_under_an_existing_key_replace_the_object(store: LocalObjectStore) -> None:
    store.put("exports/a.avro", b"one")
    replaced = store.put("exports/a.avro", b"two")

    assert store.get("exports/a.avro") == b"two"
    assert replaced.sha256 == hashlib.sha256(b"two").hexdigest()


def test_no_temporary_files_are_left_behind(store: LocalObjectStore) -> None:
    store.put("raw/ab/mail.eml", RAW_EMAIL)
    assert list((store.root / ".tmp").iterdir()) == []


@pytest.mark.parametrize("key", ["../escape.eml", "/abs/escape.eml", "raw/../../escape.eml"])
def test_traversal_keys_are_refused_and_nothing_is_written_outside(store: LocalObjectStore, key: str) -> None:
    with pytest.raises(InvalidKeyError):
        store.put(key, RAW_EMAIL)
    assert not (store.root.parent / "escape.eml").exists()


def test_a_symlink_inside_the_store_cannot_lead_outside(store: LocalObjectStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (store.root / "link").symlink_to(outside)
    with pytest.raises(StorageError):
        store.put("link/escape.eml", RAW_EMAIL)
    assert list(outside.iterdir()) == []


def test_a_uri_outside_the_store_is_refused(store: LocalObjectStore, tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        store.get((tmp_path / "elsewhere" / "x.eml").as_uri())


def test_a_tampered_file_raises_storage_error(store: LocalObjectStore) -> None:
    stored = store.put("raw/ab/mail.eml", RAW_EMAIL)
    path = store.root / stored.key
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 0x01
    path.write_bytes(bytes(blob))

    with pytest.raises(StorageError):
        store.get(stored.key)


@pytest.mark.parametrize("garbage", [b"", b"MCA1", b"plain text, never encrypted", b"MCA1\x05\xff\xfe"])
def test_a_corrupt_file_raises_storage_error(store: LocalObjectStore, garbage: bytes) -> None:
    (store.root / "raw").mkdir()
    (store.root / "raw" / "x.eml").write_bytes(garbage)
    with pytest.raises(StorageError):
        store.get("raw/x.eml")


def test_a_file_sealed_under_an_unknown_key_raises_storage_error(tmp_path: Path, ring: KeyRing) -> None:
    LocalObjectStore(tmp_path, ring).put("raw/x.eml", RAW_EMAIL)
    other = LocalObjectStore(tmp_path, parse_key_ring(new_key_spec("k2")))
    with pytest.raises(StorageError):
        other.get("raw/x.eml")


def test_rotated_key_ring_still_reads_old_objects(tmp_path: Path, ring: KeyRing) -> None:
    LocalObjectStore(tmp_path, ring).put("raw/x.eml", RAW_EMAIL)
    rotated = KeyRing(keys={"k2": parse_key_ring(new_key_spec("k2")).keys["k2"], **ring.keys}, active_id="k2")
    assert LocalObjectStore(tmp_path, rotated).get("raw/x.eml") == RAW_EMAIL


def test_missing_object_raises_not_found_and_delete_is_idempotent(store: LocalObjectStore) -> None:
    with pytest.raises(ObjectNotFoundError):
        store.get("raw/none.eml")
    store.put("raw/x.eml", RAW_EMAIL)
    store.delete("raw/x.eml")
    store.delete("raw/x.eml")
    assert not store.exists("raw/x.eml")


def test_local_store_offers_no_presigned_url_and_describes_itself(store: LocalObjectStore) -> None:
    assert store.presigned_url("raw/x.eml", 60) is None
    described = store.describe()
    assert described["kind"] == "local"
    assert described["address"] == store.root.as_uri()
    assert described["state"] == "running"


def test_factory_builds_a_local_store_from_a_file_url(tmp_path: Path, ring: KeyRing) -> None:
    store = object_store_from_url((tmp_path / "objs").as_uri(), ring=ring)
    assert isinstance(store, LocalObjectStore)
    assert store.root == (tmp_path / "objs").resolve()


def test_factory_builds_an_s3_store_without_contacting_it() -> None:
    store = object_store_from_url("s3://bucket-name/archive/", ring=None, endpoint_url="http://127.0.0.1:9")
    assert isinstance(store, S3ObjectStore)
    assert (store.bucket, store.prefix) == ("bucket-name", "archive")


@pytest.mark.parametrize("url", ["ftp://x/y", "file://relative/path", "s3:///no-bucket", "objects"])
def test_factory_refuses_unusable_urls(url: str, ring: KeyRing) -> None:
    with pytest.raises(ConfigurationError):
        object_store_from_url(url, ring=ring)


def test_a_local_store_without_a_key_ring_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        object_store_from_url(tmp_path.as_uri(), ring=None)


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("NoSuchKey", 404, ObjectNotFoundError),
        ("404", 404, ObjectNotFoundError),
        ("SlowDown", 503, TransientStorageError),
        ("InternalError", 500, TransientStorageError),
        ("Throttling", 400, TransientStorageError),
        ("AccessDenied", 403, StorageError),
        ("NoSuchBucket", 404, StorageError),
    ],
)
def test_s3_errors_map_onto_the_taxonomy(code: str, status: int, kind: type[StorageError]) -> None:
    assert classify_s3_error(code, status) is kind


def test_transient_storage_errors_are_both_storage_and_transient_errors() -> None:
    assert issubclass(TransientStorageError, StorageError)
    assert issubclass(TransientStorageError, TransientError)


def test_default_settings_give_an_encrypted_local_store_under_home(tmp_path: Path) -> None:
    from infra.object_store import object_store_from_settings
    from infra.settings import Settings

    store = object_store_from_settings(Settings(home=tmp_path, encryption_keys=None))

    assert isinstance(store, LocalObjectStore)
    assert store.root == (tmp_path / "objects").resolve()
    stored = store.put("raw/x.eml", RAW_EMAIL)
    assert RAW_EMAIL not in Path(store.root / stored.key).read_bytes()
