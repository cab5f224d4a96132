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

    environment: Literal["development", "test", "production"] = Field(
        default="development",
        description="development, test or production; production refuses missing or placeholder secrets.",
    )
    home: Path = Field(default=Path(".mca"), description="Folder for the embedded stack's data.")
    log_level: str = Field(default="INFO", description="Python log level of every process.")

    # Kafka
    kafka_bootstrap: str = Field(
        default="127.0.0.1:9092",
        description="Kafka bootstrap servers (host:port[,host:port]); the embedded broker listens here.",
    )
    kafka_embedded: bool = Field(default=True, description="Start Kafka from the project's own jars.")
    kafka_nodes: Literal[1, 3] = Field(
        default=1,
        description="Embedded Kafka: 1 node, or 3 KRaft nodes on loopback ports for failover tests.",
    )
    kafka_heap: str = Field(default="512m", description="JVM heap of each embedded Kafka node.")
    kafka_replication_factor: int = Field(
        default=1, description="Replication factor of the platform's topics (3 in production)."
    )
    kafka_min_insync_replicas: int = Field(
        default=1, description="min.insync.replicas of the platform's topics (2 in production)."
    )
    kafka_security_protocol: str = Field(
        default="PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."
    )
    kafka_sasl_mechanism: str | None = Field(
        default=None, description="SASL mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) when SASL is used."
    )
    kafka_sasl_username: str | None = Field(default=None, description="SASL user name.")
    kafka_sasl_password: SecretStr | None = Field(default=None, description="SASL password (secret).")
    kafka_delivery_timeout_ms: int = Field(
        default=30_000,
        description="How long a producer waits for Kafka's acknowledgement before ingest answers 4xx.",
    )

    # Schema registry
    registry_url: str = Field(
        default="http://127.0.0.1:8081",
        description="Schema registry URL (the project's own, or Confluent's).",
    )
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
    s3_endpoint_url: str | None = Field(
        default=None, description="S3 endpoint for S3-compatible stores (unset: AWS)."
    )
    s3_region: str = Field(default="us-east-1", description="S3 region.")
    s3_sse: Literal["AES256", "aws:kms", "none"] = Field(
        default="AES256", description="Server-side encryption of every object: AES256, aws:kms or none."
    )
    s3_kms_key_id: str | None = Field(default=None, description="KMS key id when s3_sse is aws:kms.")

    # Encryption: "kid:base64key[,kid:base64key...]" (first one encrypts, all decrypt)
    encryption_keys: SecretStr | None = Field(
        default=None,
        description="Secret 'kid:base64key[,...]': first encrypts, all decrypt (PII fields, local objects).",
    )

    # Ingest: SMTP door
    smtp_host: str = Field(default="127.0.0.1", description="Address the SMTP door listens on.")
    smtp_port: int = Field(default=2525, description="Port of the SMTP door.")
    smtp_hostname: str = Field(default="mca.localhost", description="Host name the SMTP door announces.")
    smtp_recipients: list[str] = Field(
        default_factory=lambda: ["submissions@mca.localhost"],
        description="Addresses (or @domain) mail is accepted for; anything else is refused.",
    )
    smtp_max_message_bytes: int = Field(
        default=50 * 1024 * 1024, description="Largest message accepted (SIZE); bigger ones get 552."
    )
    smtp_tls_cert: Path | None = Field(
        default=None, description="PEM certificate for STARTTLS (development: a self-signed one under home)."
    )
    smtp_tls_key: Path | None = Field(default=None, description="PEM private key for STARTTLS.")
    smtp_require_tls: bool = Field(default=False, description="Refuse MAIL before STARTTLS.")
    smtp_authserv_ids: list[str] = Field(
        default_factory=list, description="Trusted Authentication-Results authserv-ids (empty: trust none)."
    )
    smtp_verify_sender: bool = Field(default=False, description="Check SPF/DKIM/DMARC ourselves (needs DNS).")

    # Ingest: IMAP poller
    imap_host: str | None = Field(default=None, description="IMAP server to poll (unset: no IMAP door).")
    imap_port: int = Field(default=993, description="IMAPS port.")
    imap_user: str | None = Field(default=None, description="IMAP user name.")
    imap_password: SecretStr | None = Field(default=None, description="IMAP password (secret).")
    imap_mailbox: str = Field(default="INBOX", description="Mailbox to read submissions from.")
    imap_done_folder: str | None = Field(default=None, description="Move handled mail here; else flag it.")
    imap_poll_seconds: float = Field(default=30.0, description="Poll interval when the server has no IDLE.")
    imap_ca_file: Path | None = Field(
        default=None, description="CA bundle to verify the IMAP server's certificate."
    )
    imap_verify_tls: bool = Field(default=True, description="Verify the IMAP server's certificate.")

    # Limits
    max_attachments: int = Field(
        default=50,
        description="Attachments stored per email; later ones are listed with a note, never dropped.",
    )
    max_attachment_bytes: int = Field(
        default=40 * 1024 * 1024,
        description="Largest attachment stored; larger ones are listed with the note too_large.",
    )
    body_preview_chars: int = Field(
        default=500,
        description="Characters of body text carried in the event (the full body stays with the raw email).",
    )

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
    second_ocr_engine: bool = Field(
        default=True,
        description="Re-read short scanned documents with RapidOCR where Tesseract left required values "
        "missing or invalid (streams/stages/extract/second_pass.py says when).",
    )

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

    # webhooks (consumers/webhooks)
    webhook_fanout_group_id: str = Field(
        default="mca-webhooks-fanout",
        description="Consumer group that turns application events into one delivery task per endpoint.",
    )
    webhook_delivery_group_id: str = Field(
        default="mca-webhooks-delivery",
        description="Consumer group that POSTs delivery tasks (mca.webhook.delivery and the retry topics).",
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, description="Attempts per delivery before it goes to mca.webhook.dlq."
    )
    webhook_retry_tier_seconds: list[float] = Field(
        default_factory=lambda: [60.0, 600.0, 3600.0], min_length=3, max_length=3,
        description="Longest wait of the 1m, 10m and 1h retry topics; backoff doubles from the first, "
        "capped at the last, with full jitter (JSON list, e.g. [1,2,4] in tests).",
    )
    webhook_connect_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Seconds a webhook POST may take to connect."
    )
    webhook_read_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Seconds a webhook receiver may take to answer (and per read)."
    )
    webhook_disable_after_failures: int = Field(
        default=10, ge=1,
        description="An endpoint is disabled after this many consecutive deliveries used all their attempts.",
    )
    webhook_disable_after_seconds: float = Field(
        default=3 * 24 * 3600.0, gt=0,
        description="An endpoint failing without a success for this long is disabled.",
    )
    webhook_endpoint_cache_seconds: float = Field(
        default=5.0, ge=0,
        description="How long the webhook workers reuse endpoint state read from the database.",
    )
    webhook_allow_private_urls: bool = Field(
        default=False,
        description="Allow webhook URLs resolving to loopback, private, link-local or reserved addresses.",
    )
    webhook_response_excerpt_chars: int = Field(
        default=500, ge=0, description="Characters of each receiver's answer kept in the delivery log."
    )
    webhook_concurrency: int = Field(
        default=8, ge=1, description="Deliveries one webhook worker sends at once (one per partition)."
    )
    webhook_links_base_url: str | None = Field(
        default=None, description="Base URL of links in webhook payloads (default: http://api_host:api_port)."
    )
    webhook_session_timeout_seconds: float = Field(
        default=10.0, description="Kafka session timeout of the webhook consumers."
    )

    # API
    api_host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    api_port: int = Field(default=8000, description="Port of the API.")
    jwt_secret: SecretStr | None = Field(default=None, description="Secret that signs API session tokens.")
    api_token_minutes: int = Field(default=60, description="Lifetime of an API session token (JWT), minutes.")
    api_read_your_writes_seconds: float = Field(
        default=10.0,
        description="How long a correction waits for the projection to show it before answering 202.",
    )
    api_presign_seconds: int = Field(
        default=300, description="Lifetime of a presigned document download URL (S3 object stores)."
    )
    api_metrics_refresh_seconds: float = Field(
        default=15.0, description="How often /metrics re-reads consumer lag and webhook outcomes (cached)."
    )
    api_auth_cache_seconds: float = Field(
        default=5.0,
        description="How long the API reuses a checked token or API key; changes made outside the API "
        "(CLI, another API process) apply within this time (0: check every request).",
    )

    # Web UI (served by the API under /ui)
    ui_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60,
        description="Web UI: minutes without activity after which the user must sign in again.",
    )
    ui_secure_cookies: bool | None = Field(
        default=None,
        description="Web UI: mark its cookies Secure (true/false); unset: when the request came over https.",
    )

    # Password sign-in throttling, kept in the database so every API process sees the same failures
    signin_max_failures: int = Field(
        default=5, ge=1,
        description="Failed password sign-ins for one account (known or not) before it is locked.",
    )
    signin_address_max_failures: int = Field(
        default=20, ge=1,
        description="Failed password sign-ins from one client address (IPv6: its /64) before it is locked.",
    )
    signin_window_seconds: float = Field(
        default=900.0, gt=0,
        description="Failures are forgotten after this many quiet seconds (no failure, no lockout).",
    )
    signin_lockout_seconds: float = Field(
        default=60.0, gt=0,
        description="First lockout after too many failures; each further failure doubles it.",
    )
    signin_max_lockout_seconds: float = Field(
        default=3600.0, gt=0,
        description="Longest lockout (the doubling stops here); at least MCA_SIGNIN_LOCKOUT_SECONDS.",
    )

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
