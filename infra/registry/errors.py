"""Registry errors carrying Confluent's error codes, so the API answers the way Confluent's does."""

from __future__ import annotations

from enum import IntEnum

from infra.errors import MCAError


class ErrorCode(IntEnum):
    """Confluent Schema Registry error codes; the HTTP status is the code's first three digits."""

    NOT_FOUND = 404
    METHOD_NOT_ALLOWED = 405
    INCOMPATIBLE_SCHEMA = 409
    BAD_REQUEST = 400
    SUBJECT_NOT_FOUND = 40401
    VERSION_NOT_FOUND = 40402
    SCHEMA_NOT_FOUND = 40403
    SUBJECT_SOFT_DELETED = 40404
    SUBJECT_NOT_SOFT_DELETED = 40405
    VERSION_SOFT_DELETED = 40406
    VERSION_NOT_SOFT_DELETED = 40407
    SUBJECT_LEVEL_CONFIG_NOT_FOUND = 40408
    INVALID_SCHEMA = 42201
    INVALID_VERSION = 42202
    INVALID_COMPATIBILITY_LEVEL = 42203
    OPERATION_NOT_PERMITTED = 42205
    REFERENCE_EXISTS = 42206
    STORE_ERROR = 50001
    OPERATION_TIMEOUT = 50002

    @property
    def http_status(self) -> int:
        """The HTTP status Confluent answers with for this code (40401 -> 404, 409 -> 409)."""
        return int(self) if self < 1000 else int(self) // 100


class RegistryError(MCAError):
    """A refused or failed request; the API turns it into {"error_code": code, "message": message}."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
