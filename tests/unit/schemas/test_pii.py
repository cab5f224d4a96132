"""Field-level encryption of PII: ciphertext in events, masks for display, rotation and tamper detection."""

from __future__ import annotations

import pytest

from infra.crypto import DecryptionError, parse_key_ring
from schemas.pii import decrypt_field, encrypt_field, is_encrypted_value, mask_account, mask_date, mask_ssn

OLD_KEY = "k1:" + "A" * 43 + "="
NEW_KEY = "k2:" + "B" * 43 + "="


@pytest.fixture
def ring():
    return parse_key_ring(OLD_KEY)


def test_an_ssn_round_trips_and_shows_only_its_last_four_digits(ring):
    encrypted = encrypt_field(ring, "403-35-0964", field="ssn")
    assert is_encrypted_value(encrypted)
    assert encrypted["key_id"] == "k1"
    assert encrypted["masked"] == "***-**-0964"
    assert b"403" not in encrypted["ciphertext"] and b"0964" not in encrypted["ciphertext"]
    assert decrypt_field(ring, encrypted, field="ssn") == "403-35-0964"


def test_the_same_value_encrypts_differently_each_time(ring):
    first = encrypt_field(ring, "403-35-0964", field="ssn")
    second = encrypt_field(ring, "403-35-0964", field="ssn")
    assert first["ciphertext"] != second["ciphertext"]


def test_a_field_path_binds_to_its_leaf_name(ring):
    encrypted = encrypt_field(ring, "1958-10-24", field="owners[0].date_of_birth")
    assert encrypted["masked"] == "****-**-**"
    assert decrypt_field(ring, encrypted, field="date_of_birth") == "1958-10-24"
    assert decrypt_field(ring, encrypted, field="owners[1].date_of_birth") == "1958-10-24"


def test_a_ciphertext_moved_to_another_field_does_not_decrypt(ring):
    encrypted = encrypt_field(ring, "403-35-0964", field="ssn")
    with pytest.raises(DecryptionError):
        decrypt_field(ring, encrypted, field="account_number")


def test_a_tampered_ciphertext_is_detected(ring):
    encrypted = encrypt_field(ring, "6700036911", field="account_number")
    flipped = bytearray(encrypted["ciphertext"])
    flipped[-1] ^= 0x01
    with pytest.raises(DecryptionError):
        decrypt_field(ring, {**encrypted, "ciphertext": bytes(flipped)}, field="account_number")


def test_a_malformed_encrypted_value_is_refused(ring):
    with pytest.raises(DecryptionError):
        decrypt_field(ring, {"masked": "***"}, field="ssn")


def test_after_rotation_old_values_decrypt_and_new_values_use_the_new_key(ring):
    old = encrypt_field(ring, "107475266", field="routing_number")
    rotated = parse_key_ring(f"{NEW_KEY},{OLD_KEY}")
    new = encrypt_field(rotated, "107475266", field="routing_number")
    assert new["key_id"] == "k2"
    assert decrypt_field(rotated, old, field="routing_number") == "107475266"
    assert decrypt_field(rotated, new, field="routing_number") == "107475266"


def test_a_retired_key_id_cannot_decrypt(ring):
    encrypted = encrypt_field(ring, "403-35-0964", field="ssn")
    with pytest.raises(DecryptionError):
        decrypt_field(parse_key_ring(NEW_KEY), encrypted, field="ssn")


@pytest.mark.parametrize(
    ("value", "masked"),
    [("403-35-0964", "***-**-0964"), ("403350964", "***-**-0964"), ("12", "***-**-****")],
)
def test_mask_ssn(value, masked):
    assert mask_ssn(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("6700036911", "******6911"), ("107475266", "*****5266"), ("1234", "****"), ("12-34 5678", "****5678")],
)
def test_mask_account(value, masked):
    assert mask_account(value) == masked


@pytest.mark.parametrize(("value", "masked"), [("1958-10-24", "****-**-**"), ("10/24/1958", "**/**/****")])
def test_mask_date(value, masked):
    assert mask_date(value) == masked


def test_fields_without_a_masker_are_masked_entirely(ring):
    assert encrypt_field(ring, "secret", field="passport")["masked"] == "****"
