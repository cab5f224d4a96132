"""Field-level encryption of PII for events: SSNs, dates of birth, full account and routing numbers.

A value becomes an `EncryptedValue` record ({key_id, ciphertext, masked}) before it enters any
topic, so the Kafka log, the S3 archive and the DLQ hold only ciphertext plus a masked form that
is safe to show. The field name is the AES-GCM associated data: a ciphertext copied into another
field (an SSN pasted where a date of birth belongs) does not decrypt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from infra.crypto import DecryptionError, KeyRing

_NON_DIGITS = re.compile(r"\D")
_ALNUM = re.compile(r"[A-Za-z0-9]")


def mask_ssn(value: str) -> str:
    """'123-45-6789' (any punctuation) -> '***-**-6789'; fewer than 4 digits -> '***-**-****'."""
    digits = _NON_DIGITS.sub("", value)
    tail = digits[-4:] if len(digits) >= 4 else "****"
    return f"***-**-{tail}"


def mask_account(value: str) -> str:
    """Account or routing number -> stars then its last 4 digits ('6700036911' -> '******6911').

    Values of 4 digits or fewer are masked entirely.
    """
    digits = _NON_DIGITS.sub("", value)
    if len(digits) <= 4:
        return "*" * max(len(digits), 4)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_date(value: str) -> str:
    """A date of birth -> every letter and digit starred, separators kept ('1958-10-24' -> '****-**-**')."""
    return _ALNUM.sub("*", value) or "****"


def _mask_other(value: str) -> str:
    return "****"


MASKERS: Mapping[str, Callable[[str], str]] = {
    "ssn": mask_ssn,
    "date_of_birth": mask_date,
    "account_number": mask_account,
    "routing_number": mask_account,
}


def _field_name(field: str) -> str:
    """The leaf name of a field path ('owners[0].ssn' -> 'ssn'), which binds the ciphertext."""
    leaf = field.rsplit(".", 1)[-1]
    return leaf.split("[", 1)[0]


def _associated_data(field: str) -> bytes:
    return b"mca-pii:" + _field_name(field).encode("utf-8")


def encrypt_field(ring: KeyRing, value: str, *, field: str) -> dict[str, Any]:
    """Encrypt `value` for `field` (a name like 'ssn' or a path like 'owners[0].ssn') with the ring's
    active key; returns an EncryptedValue dict {key_id, ciphertext, masked}.

    The mask is chosen by the field's leaf name (MASKERS); unknown fields are masked entirely.
    """
    name = _field_name(field)
    if not name:
        raise ValueError("field must name the value being encrypted")
    key_id, ciphertext = ring.seal(value.encode("utf-8"), _associated_data(name))
    masked = MASKERS.get(name, _mask_other)(value)
    return {"key_id": key_id, "ciphertext": ciphertext, "masked": masked}


def decrypt_field(ring: KeyRing, encrypted: Mapping[str, Any], *, field: str) -> str:
    """The clear value of an EncryptedValue dict made by `encrypt_field` for the same field name.

    Raises infra.crypto.DecryptionError when the key id is unknown, the ciphertext was altered,
    or it was encrypted for another field.
    """
    try:
        key_id = str(encrypted["key_id"])
        ciphertext = bytes(encrypted["ciphertext"])
    except (KeyError, TypeError) as exc:
        raise DecryptionError(f"not an encrypted value: {exc}") from exc
    plaintext = ring.open(key_id, ciphertext, _associated_data(field))
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecryptionError("decrypted value is not text") from exc


def is_encrypted_value(value: object) -> bool:
    """True when `value` looks like an EncryptedValue dict (key_id, ciphertext bytes, masked)."""
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("key_id"), str)
        and isinstance(value.get("ciphertext"), bytes | bytearray)
        and isinstance(value.get("masked"), str)
    )
