"""S3 (or any S3-API server) through boto3, with server-side encryption on every write.

Credentials come only from boto3's standard chain (environment, shared config, instance role);
tests hand in a `boto3.session.Session` of their own. Every botocore failure leaves as a
StorageError, and as TransientStorageError when retrying may help, so callers act on our
taxonomy instead of botocore's.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    IncompleteReadError,
    ResponseStreamingError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from infra.errors import StorageError
from infra.object_store.base import (
    ObjectNotFoundError,
    ObjectStore,
    StoredObject,
    TransientStorageError,
    sha256_hex,
    validate_key,
)

logger = logging.getLogger(__name__)

SseMode = Literal["AES256", "aws:kms", "none"]
SHA256_METADATA = "sha256"
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
TRANSIENT_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "ServiceUnavailable",
    }
)
_TRANSIENT_BOTOCORE = (BotoConnectionError, HTTPClientError, IncompleteReadError, ResponseStreamingError)


def classify_s3_error(code: str, status: int) -> type[StorageError]:
    """The StorageError kind for an S3 error code and HTTP status (pure; 5xx and throttling retry)."""
    if code in NOT_FOUND_CODES or (status == 404 and code != "NoSuchBucket"):
        return ObjectNotFoundError
    if code in TRANSIENT_CODES or status == 429 or status >= 500:
        return TransientStorageError
    return StorageError


def wrap_s3_error(exc: Exception, action: str) -> StorageError:
    """Translate a botocore exception into the project's taxonomy, keeping the message."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        kind = classify_s3_error(str(error.get("Code", "")), status)
        return kind(f"{action}: {error.get('Code')} {error.get('Message', '')}".strip())
    if isinstance(exc, _TRANSIENT_BOTOCORE):
        return TransientStorageError(f"{action}: {exc}")
    return StorageError(f"{action}: {exc}")


def s3_client_config(
    region: str,
    *,
    path_style: bool,
    connect_timeout: float = 5.0,
    read_timeout: float = 30.0,
    max_attempts: int = 5,
) -> Config:
    """botocore settings: SigV4, bounded standard-mode retries and timeouts (pure)."""
    return Config(
        region_name=region,
        signature_version="s3v4",
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"max_attempts": max_attempts, "mode": "standard"},
        s3={"addressing_style": "path" if path_style else "auto"},
    )


class S3ObjectStore(ObjectStore):
    """Objects under `s3://bucket/prefix/`; URIs are `s3://bucket/prefix/key`."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        sse: SseMode = "AES256",
        kms_key_id: str | None = None,
        session: boto3.session.Session | None = None,
        config: Config | None = None,
    ) -> None:
        if not bucket:
            raise StorageError("S3 bucket name is empty")
        self.bucket = bucket
        self.prefix = validate_key(prefix.strip("/")) if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.region = region
        self.sse = sse
        self.kms_key_id = kms_key_id
        config = config or s3_client_config(region, path_style=endpoint_url is not None)
        self._client: Any = (session or boto3.session.Session()).client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config
        )

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> StoredObject:
        """See ObjectStore.put; the sha256 rides as object metadata so a re-put can be recognised."""
        object_key = self._object_key(key)
        stored = StoredObject(uri=self._uri(object_key), key=key, size=len(data), sha256=sha256_hex(data))
        head = self._head(object_key)
        if head is not None and head.get("Metadata", {}).get(SHA256_METADATA) == stored.sha256:
            return stored
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=object_key,
                Body=bytes(data),
                ContentType=content_type,
                Metadata={SHA256_METADATA: stored.sha256},
                **self._encryption_args(),
            )
        except (ClientError, BotoCoreError) as exc:
            raise wrap_s3_error(exc, f"put {stored.uri}") from exc
        return stored

    def get(self, uri_or_key: str) -> bytes:
        """See ObjectStore.get; accepts a key or an s3:// URI in this store's bucket."""
        object_key = self._object_key_of(uri_or_key)
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=object_key)
            return response["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise wrap_s3_error(exc, f"get {self._uri(object_key)}") from exc

    def exists(self, key: str) -> bool:
        """See ObjectStore.exists (a HEAD request)."""
        return self._head(self._object_key(key)) is not None

    def delete(self, key: str) -> None:
        """See ObjectStore.delete."""
        object_key = self._object_key(key)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=object_key)
        except (ClientError, BotoCoreError) as exc:
            raise wrap_s3_error(exc, f"delete {self._uri(object_key)}") from exc

    def presigned_url(self, key: str, expires_seconds: int = 3600) -> str | None:
        """A SigV4 presigned GET URL valid for `expires_seconds` (1 s to 7 days); no request is made."""
        if not 1 <= expires_seconds <= MAX_PRESIGN_SECONDS:
            raise ValueError(f"expires_seconds must be within 1..{MAX_PRESIGN_SECONDS}")
        params = {"Bucket": self.bucket, "Key": self._object_key(key)}
        try:
            return self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_seconds)
        except BotoCoreError as exc:
            raise wrap_s3_error(exc, "presign") from exc

    def describe(self) -> dict[str, str]:
        """Kind "s3", the bucket URI, the endpoint and whether the bucket answers a HEAD request."""
        info = {
            "kind": "s3",
            "address": self._uri(self.prefix) if self.prefix else f"s3://{self.bucket}",
            "endpoint": self.endpoint_url or f"AWS ({self.region})",
            "encryption": "none" if self.sse == "none" else f"SSE {self.sse}",
        }
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            return info | {"state": "unreachable", "detail": str(wrap_s3_error(exc, "head bucket"))}
        return info | {"state": "running", "detail": "bucket reachable"}

    def ensure_bucket(self) -> None:
        """Create the bucket when missing. For development stacks and tests; production buckets are
        provisioned (with policies and default encryption) outside the application."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status != 404 and exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
                raise wrap_s3_error(exc, f"head bucket {self.bucket}") from exc
        except BotoCoreError as exc:
            raise wrap_s3_error(exc, f"head bucket {self.bucket}") from exc
        args: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self._client.create_bucket(**args)
            logger.info("created bucket %s", self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise wrap_s3_error(exc, f"create bucket {self.bucket}") from exc
        except BotoCoreError as exc:
            raise wrap_s3_error(exc, f"create bucket {self.bucket}") from exc

    def _encryption_args(self) -> dict[str, str]:
        if self.sse == "none":
            return {}
        args: dict[str, str] = {"ServerSideEncryption": self.sse}
        if self.sse == "aws:kms" and self.kms_key_id:
            args["SSEKMSKeyId"] = self.kms_key_id
        return args

    def _head(self, object_key: str) -> dict[str, Any] | None:
        try:
            return self._client.head_object(Bucket=self.bucket, Key=object_key)
        except (ClientError, BotoCoreError) as exc:
            error = wrap_s3_error(exc, f"head {self._uri(object_key)}")
            if isinstance(error, ObjectNotFoundError):
                return None
            raise error from exc

    def _object_key(self, key: str) -> str:
        validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _object_key_of(self, uri_or_key: str) -> str:
        if not uri_or_key.startswith("s3://"):
            return self._object_key(uri_or_key)
        bucket, _, object_key = uri_or_key[len("s3://") :].partition("/")
        if bucket != self.bucket:
            raise StorageError(f"URI {uri_or_key!r} is not in bucket {self.bucket!r}")
        return validate_key(object_key)

    def _uri(self, object_key: str) -> str:
        return f"s3://{self.bucket}/{object_key}"
