"""The one Settings object: every `MCA_*` environment variable, read once at the process edge.

Inner code never reads the environment; it receives plain values or the frozen sub-configs
built here. Defaults are the embedded, single-machine ones (SQLite, a local object folder, a
single-node Kafka started by the project). Secrets are `SecretStr` and come only from the
environment; outside development a missing or placeholder secret is refused.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.crypto import KeyRing, development_key_ring, parse_key_ring
from infra.errors import ConfigurationError

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "password", "dev", "test", "placeholder"}


class Settings(BaseSettings):
    """Every setting of the platform; see the README's settings table for each default."""

    model_config = SettingsConfigDict(env_prefix="MCA_", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    home: Path = Field(default=Path(".mca"), description="Folder for the embedded stack's data.")
    log_level: str = "INFO"

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_embedded: bool = Field(default=True, description="Start Kafka from the project's own jars.")
    kafka_nodes: Literal[1, 3] = 1
    kafka_heap: str = "512m"
    kafka_replication_factor: int = 1
    kafka_min_insync_replicas: int = 1
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_delivery_timeout_ms: int = 30_000

    # Schema registry
    registry_url: str = "http://127.0.0.1:8081"
    registry_embedded: bool = Field(
        default=True, description="Run the project's registry; false when registry_url is Confluent's."
    )
    registry_topic: str = Field(
        default="_schemas", description="Compacted topic where the project's registry stores schemas."
    )

    # Database and object store
    database_url: str | None = Field(default=None, description="Default: SQLite file under home.")
    object_store_url: str | None = Field(
        default=None, description="file:///path (encrypted local folder) or s3://bucket/prefix."
    )
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_sse: Literal["AES256", "aws:kms", "none"] = "AES256"
    s3_kms_key_id: str | None = None

    # Encryption: "kid:base64key[,kid:base64key...]" (first one encrypts, all decrypt)
    encryption_keys: SecretStr | None = None

    # Ingest: SMTP door
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_hostname: str = "mca.localhost"
    smtp_recipients: list[str] = Field(
        default_factory=lambda: ["submissions@mca.localhost"],
        description="Addresses (or @domain) mail is accepted for; anything else is refused.",
    )
    smtp_max_message_bytes: int = 50 * 1024 * 1024
    smtp_tls_cert: Path | None = None
    smtp_tls_key: Path | None = None
    smtp_require_tls: bool = False
    smtp_authserv_ids: list[str] = Field(
        default_factory=list, description="Trusted Authentication-Results authserv-ids (empty: trust none)."
    )
    smtp_verify_sender: bool = Field(default=False, description="Check SPF/DKIM/DMARC ourselves (needs DNS).")

    # Ingest: IMAP poller
    imap_host: str | None = None
    imap_port: int = 993
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_mailbox: str = "INBOX"
    imap_done_folder: str | None = Field(default=None, description="Move handled mail here; else flag it.")
    imap_poll_seconds: float = 30.0
    imap_ca_file: Path | None = None
    imap_verify_tls: bool = True

    # Limits
    max_attachments: int = 50
    max_attachment_bytes: int = 40 * 1024 * 1024
    body_preview_chars: int = 500

    # Reading limits (streams/stages/limits.py; see its docstring for the long-document policy)
    max_zip_entries: int = Field(default=200, description="A zip with more entries is invalid (too_large).")
    max_zip_bytes: int = Field(
        default=200 * 1024 * 1024, description="Uncompressed bytes expanded from the zips of one email."
    )
    max_zip_ratio: float = Field(default=100.0, description="Uncompressed/compressed ratio of a zip bomb.")
    max_pages: int = Field(default=1000, description="A document with more pages is invalid (too_large).")
    max_read_pages: int = Field(default=100, description="Pages read per document (the first ones).")
    max_ocr_pages: int = Field(default=25, description="Scanned pages OCR'd per document (the first ones).")
    max_page_pixels: int = Field(
        default=100_000_000, description="An image or PDF page image with more pixels is a bomb."
    )
    ocr_timeout_seconds: float = Field(default=60.0, description="Seconds Tesseract may spend on a page.")
    max_nesting_depth: int = Field(default=5, description="Forwards or zips nested deeper stay shut.")

    # Streams (Faust workers, streams/app.py)
    streams_app_id: str = Field(
        default="mca-streams", description="Faust app id: the consumer group and changelog topic prefix."
    )
    streams_store: str = Field(
        default="memory://",
        description="Faust table store: memory:// (rebuilt from the changelog at start) or rocksdb:// "
        "(needs the optional rocksdict package).",
    )
    streams_session_timeout_seconds: float = Field(
        default=10.0, description="Kafka session timeout: how soon a dead worker's partitions move."
    )
    streams_heartbeat_seconds: float = Field(default=2.0, description="Consumer heartbeat interval.")
    streams_rebalance_timeout_seconds: float = Field(
        default=20.0, description="How long a rebalance waits for members to rejoin."
    )
    streams_commit_interval_seconds: float = Field(
        default=1.0, description="How often acknowledged offsets are committed."
    )
    streams_web_port: int | None = Field(
        default=None, description="Port of the Faust web server (metrics, tables); None turns it off."
    )
    streams_concurrency: int | None = Field(
        default=None, description="Concurrent messages per CPU-bound agent; None means the core count."
    )
    streams_retry_attempts: int = Field(
        default=5, description="Attempts at a message after a transient error before giving up."
    )
    streams_retry_max_seconds: float = Field(default=10.0, description="Longest backoff between attempts.")
    cpu_pool_workers: int | None = Field(
        default=None, description="Processes of the CPU pool (render, OpenCV, Tesseract); None: the cores."
    )
    cpu_task_timeout_seconds: float = Field(
        default=300.0, description="Default limit on one CPU task before its worker is killed."
    )

    # s3-sink (consumers/s3_sink): archive files are cut at whichever limit comes first
    s3_sink_group_id: str = Field(default="mca-s3-sink", description="Consumer group of the s3-sink.")
    s3_sink_max_records: int = Field(default=10_000, description="Records per archive file at most.")
    s3_sink_max_bytes: int = Field(
        default=16 * 1024 * 1024, description="An archive file is closed once its values reach this size."
    )
    s3_sink_max_age_seconds: float = Field(
        default=60.0, description="Seconds a partial archive file may wait before it is stored."
    )

    # postgres-sink (consumers/postgres_sink)
    postgres_sink_group_id: str = Field(
        default="mca-postgres-sink", description="Consumer group of the postgres-sink; offsets are per group."
    )
    postgres_sink_batch_size: int = Field(
        default=500, description="Messages the postgres-sink writes per database transaction, at most."
    )
    postgres_sink_batch_max_seconds: float = Field(
        default=1.0, description="Longest a postgres-sink batch waits for more messages before it is written."
    )
    postgres_sink_session_timeout_seconds: float = Field(
        default=10.0, description="Kafka session timeout: how soon a dead postgres-sink's partitions move."
    )

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    jwt_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment != "production":
            return self
        for name in ("encryption_keys", "jwt_secret"):
            value = getattr(self, name)
            if value is None or value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
                raise ValueError(f"MCA_{name.upper()} must be set to a real secret in production")
        return self

    @cached_property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_dir / 'mca.db'}"

    @property
    def resolved_object_store_url(self) -> str:
        return self.object_store_url or (self.home_dir / "objects").as_uri()


def load_settings() -> Settings:
    """Read the environment once; call this at a process edge (CLI command, app factory)."""
    return Settings()


def key_ring(settings: Settings) -> KeyRing:
    """The configured key ring; in development without MCA_ENCRYPTION_KEYS, a local one under home."""
    if settings.encryption_keys is not None:
        return parse_key_ring(settings.encryption_keys.get_secret_value())
    if settings.environment == "production":
        raise ConfigurationError("MCA_ENCRYPTION_KEYS must be set in production")
    return development_key_ring(settings.home_dir)
