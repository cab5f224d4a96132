"""Standard Webhooks signatures, checked with the `standardwebhooks` library itself."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from consumers.webhooks.signing import (
    SigningSecretError,
    active_secrets,
    new_signing_secret,
    open_signing_secret,
    seal_signing_secret,
    signature_headers,
)
from infra.crypto import parse_key_ring

BODY = '{"data":{"application_id":"a1"},"type":"application.processed"}'


def test_headers_verify_with_standardwebhooks():
    secret = new_signing_secret()
    headers = signature_headers("msg_1", BODY, [secret], datetime.now(UTC))
    assert Webhook(secret).verify(BODY, headers) == {"data": {"application_id": "a1"},
                                                     "type": "application.processed"}
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-signature"].startswith("v1,")


def test_a_changed_body_or_id_or_another_secret_does_not_verify():
    secret = new_signing_secret()
    headers = signature_headers("msg_1", BODY, [secret], datetime.now(UTC))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace("a1", "a2"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**headers, "webhook-id": "msg_2"})
    with pytest.raises(WebhookVerificationError):
        Webhook(new_signing_secret()).verify(BODY, headers)


def test_during_rotation_both_secrets_sign_and_either_verifies():
    current, previous = new_signing_secret(), new_signing_secret()
    now = datetime.now(UTC)
    secrets = active_secrets(current, previous, now + timedelta(hours=1), now)
    headers = signature_headers("msg_1", BODY, secrets, now)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(current).verify(BODY, headers)
    Webhook(previous).verify(BODY, headers)


def test_after_the_overlap_only_the_current_secret_signs():
    now = datetime.now(UTC)
    assert active_secrets("whsec_a", "whsec_b", now - timedelta(seconds=1), now) == ["whsec_a"]
    assert active_secrets("whsec_a", None, None, now) == ["whsec_a"]


def test_timestamp_header_is_whole_epoch_seconds_of_the_attempt():
    at = datetime(2024, 3, 1, 12, 0, 0, 900000, tzinfo=UTC)
    headers = signature_headers("msg_1", BODY, [new_signing_secret()], at)
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))


def test_no_secret_or_an_invalid_one_is_refused():
    with pytest.raises(SigningSecretError):
        signature_headers("msg_1", BODY, [], datetime.now(UTC))
    with pytest.raises(SigningSecretError):
        signature_headers("msg_1", BODY, ["whsec_"], datetime.now(UTC))


def test_secrets_rest_sealed_and_open_again():
    ring = parse_key_ring("k1:" + base64.b64encode(bytes(32)).decode())
    secret = new_signing_secret()
    key_id, sealed = seal_signing_secret(ring, secret)
    assert secret.encode() not in sealed
    assert open_signing_secret(ring, key_id, sealed) == secret
    raw_key_id, raw_sealed = ring.seal(b"\x01" * 24)
    expected = "whsec_" + base64.b64encode(b"\x01" * 24).decode()
    assert open_signing_secret(ring, raw_key_id, raw_sealed) == expected
