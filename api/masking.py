"""How PII appears in API responses, pure (decryption is injected).

Every PII value (SSN, date of birth, full account and routing numbers) is answered as
`{"masked": "***-**-6789", "value": null}`; only for a caller whose role grants `pii:read` (and
who did not ask for masking) is `value` the clear text. The presenter remembers which paths it
revealed, so the caller can write exactly one audit record naming them. A value that does not
decrypt (unknown key, tampered) stays masked and is reported apart, never raised to the client.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any

from infra.crypto import DecryptionError

Decrypt = Callable[[Mapping[str, Any], str], str]  # (EncryptedValue dict, field path) -> clear text


def masked_only(encrypted: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The masked presentation of an EncryptedValue dict (None stays None)."""
    if encrypted is None:
        return None
    return {"masked": str(encrypted.get("masked") or "****"), "value": None}


class PiiPresenter:
    """Presents the PII of one response: clear for `reveal`, masked otherwise; tracks what it revealed."""

    def __init__(self, *, reveal: bool, decrypt: Decrypt) -> None:
        self.reveal = reveal
        self._decrypt = decrypt
        self.revealed: list[str] = []
        self.unreadable: list[str] = []

    def field(self, encrypted: Mapping[str, Any] | None, *, path: str) -> dict[str, Any] | None:
        """The presentation of the EncryptedValue stored for `path` (e.g. `owners[0].ssn`)."""
        shown = masked_only(encrypted)
        if shown is None or not self.reveal or encrypted is None:
            return shown
        try:
            shown["value"] = self._decrypt(encrypted, path)
        except DecryptionError:
            self.unreadable.append(path)
            return shown
        self.revealed.append(path)
        return shown

    def correction_value(self, value_type: str | None, value: Any, *, path: str) -> Any:
        """A stored correction value as answered: an encrypted one (base64 ciphertext in the JSON
        column) presented like any PII field, anything else as it is."""
        if value_type != "encrypted" or not isinstance(value, Mapping):
            return value
        try:
            sealed = {
                "key_id": value["key_id"],
                "masked": value.get("masked"),
                "ciphertext": base64.b64decode(str(value["ciphertext"]), validate=True),
            }
        except (KeyError, binascii.Error, ValueError):
            self.unreadable.append(path)
            return masked_only(value)
        return self.field(sealed, path=path)
