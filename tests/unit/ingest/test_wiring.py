"""Producer and policy settings derived from Settings."""

from __future__ import annotations

from pydantic import SecretStr

from infra.settings import Settings
from ingest.producer import producer_config
from ingest.wiring import ingest_policy, kafka_security


def test_producer_is_durable_idempotent_and_bounded_in_time() -> None:
    config = producer_config("k:9092", delivery_timeout_ms=5_000)

    assert config["acks"] == "all"
    assert config["enable.idempotence"] is True
    assert config["delivery.timeout.ms"] == 5_000
    assert config["request.timeout.ms"] <= config["delivery.timeout.ms"]


def test_security_settings_reach_librdkafka_only_when_configured() -> None:
    assert kafka_security(Settings()) == {}
    secured = Settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="ingest",
        kafka_sasl_password=SecretStr("s3cret-value"),
    )

    assert kafka_security(secured) == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "ingest",
        "sasl.password": "s3cret-value",
    }


def test_policy_takes_limits_and_trusted_authserv_ids_from_settings() -> None:
    policy = ingest_policy(Settings(max_attachments=3, smtp_authserv_ids=["mx.funder.example"]))

    assert policy.max_attachments == 3
    assert policy.trusted_authserv_ids == ("mx.funder.example",)
