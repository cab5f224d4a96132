"""The S3 object store against a real S3-API server process (S3Proxy, or moto's server)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from infra.errors import StorageError
from infra.object_store import ObjectNotFoundError, S3ObjectStore, TransientStorageError, content_key
from infra.object_store.s3 import s3_client_config

StoreFactory = Callable[..., S3ObjectStore]
RAW_EMAIL = b"From: iso@broker.example\r\nSubject: Submission\r\n\r\nbody \x00\xff bytes"


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _sent_headers(store: S3ObjectStore) -> list[dict[str, str]]:
    """Record the headers of every request the store's client sends (what went over the wire)."""
    sent: list[dict[str, str]] = []

    def record(request: Any, **_: Any) -> None:
        sent.append({name.lower(): _text(value) for name, value in request.headers.items()})

    store._client.meta.events.register("before-send.s3.PutObject", record)
    return sent


def test_put_get_exists_round_trip_with_s3_uris(s3_store_factory: StoreFactory) -> None:
    store = s3_store_factory("mca")
    digest = hashlib.sha256(RAW_EMAIL).hexdigest()
    key = content_key("raw", digest, ".eml")

    stored = store.put(key, RAW_EMAIL, content_type="message/rfc822")

    assert stored.uri == f"s3://{store.bucket}/mca/{key}"
    assert (stored.key, stored.size, stored.sha256) == (key, len(RAW_EMAIL), digest)
    assert store.exists(key)
    assert not store.exists("raw/00/absent.eml")
    assert store.get(key) == RAW_EMAIL
    assert store.get(stored.uri) == RAW_EMAIL


def test_presigned_url_fetched_over_http_returns_the_bytes(s3_store_factory: StoreFactory) -> None:
    store = s3_store_factory()
    store.put("attachments/statement.pdf", b"%PDF-1.7 fake statement", content_type="application/pdf")

    url = store.presigned_url("attachments/statement.pdf", 120)

    assert url is not None and url.startswith("http://127.0.0.1:")
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 fake statement"


def test_every_put_asks_for_server_side_encryption(s3_store_factory: StoreFactory) -> None:
    store = s3_store_factory()
    sent = _sent_headers(store)

    store.put("raw/ab/sse.eml", RAW_EMAIL)

    assert sent and sent[-1]["x-amz-server-side-encryption"] == "AES256"
    head = store._client.head_object(Bucket=store.bucket, Key="raw/ab/sse.eml")
    assert head["ServerSideEncryption"] == "AES256"  # both S3Proxy 4.x and moto report what they applied


def test_putting_the_same_bytes_again_sends_no_second_write(s3_store_factory: StoreFactory) -> None:
    store = s3_store_factory()
    sent = _sent_headers(store)
    first = store.put("raw/ab/same.eml", RAW_EMAIL)

    again = store.put("raw/ab/same.eml", RAW_EMAIL)

    assert again == first
    assert len(sent) == 1


def test_other_bytes_under_the_same_key_replace_the_object(s3_store_factory: StoreFactory) -> None:
    store = s3_store_factory()
    store.put("exports/part-0.avro", b"first")
    store.put("exports/part-0.avro", b"second")
    assert store.get("exports/part-0.avro") == b"second"


def test_missing_objects_raise_not_found_and_delete_is_idempotent(s3_store_factory: StoreFactory) -> None:
    store = s3_store_factory()
    with pytest.raises(ObjectNotFoundError):
        store.get("raw/00/absent.eml")
    store.put("raw/00/x.eml", b"x")
    store.delete("raw/00/x.eml")
    store.delete("raw/00/x.eml")
    assert not store.exists("raw/00/x.eml")


def test_uris_of_another_bucket_are_refused(s3_store_factory: StoreFactory) -> None:
    with pytest.raises(StorageError):
        s3_store_factory().get("s3://some-other-bucket/raw/x.eml")


def test_describe_reports_a_reachable_bucket(s3_store_factory: StoreFactory, s3_server: str) -> None:
    described = s3_store_factory("archive").describe()
    assert described["kind"] == "s3"
    assert described["state"] == "running"
    assert described["endpoint"] == s3_server
    assert described["address"].endswith("/archive")


def test_a_missing_bucket_is_a_storage_error_not_a_crash(s3_server: str) -> None:
    store = S3ObjectStore("mca-test-never-created", endpoint_url=s3_server)
    assert store.describe()["state"] == "unreachable"
    with pytest.raises(StorageError):
        store.put("raw/x.eml", b"x")


def test_an_unreachable_endpoint_is_a_transient_error() -> None:
    config = s3_client_config(
        "us-east-1", path_style=True, connect_timeout=0.5, read_timeout=0.5, max_attempts=1
    )
    store = S3ObjectStore("bucket-name", endpoint_url="http://127.0.0.1:9", config=config)
    with pytest.raises(TransientStorageError):
        store.get("raw/x.eml")


def test_settings_with_an_s3_url_give_an_s3_store_using_the_standard_credential_chain(
    s3_store_factory: StoreFactory, s3_server: str
) -> None:
    from infra.object_store import object_store_from_settings
    from infra.settings import Settings

    bucket = s3_store_factory().bucket
    settings = Settings(object_store_url=f"s3://{bucket}/raw-mail", s3_endpoint_url=s3_server)

    store = object_store_from_settings(settings)

    assert isinstance(store, S3ObjectStore)
    stored = store.put("ab/mail.eml", RAW_EMAIL)
    assert stored.uri == f"s3://{bucket}/raw-mail/ab/mail.eml"
    assert store.get(stored.uri) == RAW_EMAIL
