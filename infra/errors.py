"""The project's error taxonomy: one root, a few kinds that callers act on differently."""


class MCAError(Exception):
    """Root of every error the project raises on purpose."""


class ConfigurationError(MCAError):
    """Settings are missing, contradictory or unsafe for the environment."""


class TransientError(MCAError):
    """An I/O failure worth retrying with bounded backoff (broker, store or database briefly away)."""


class PoisonMessageError(MCAError):
    """A message that can never be processed; it goes to the DLQ with its stage and error."""


class SerializationError(PoisonMessageError):
    """A message that does not decode or encode under its topic's schema."""


class StorageError(MCAError):
    """The object store refused or lost an object."""


class IngestError(MCAError):
    """An email could not be accepted; the sender should retry (SMTP 4xx) unless stated otherwise."""
