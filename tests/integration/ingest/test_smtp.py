"""The SMTP door against real Kafka, schema registry and object store, spoken to with smtplib."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from ingest.accept import marker_key
from tests.integration.ingest.helpers import as_transmitted, assert_one_event_each, read_events, sha256

SENDER = "iso@broker.example"
RECIPIENT = "submissions@mca.test"


def send(door: Any, raw: bytes, *, recipients: tuple[str, ...] = (RECIPIENT,), timeout: float = 60) -> None:
    # CRLF line endings, as every real MTA transmits (smtplib sends bytes unchanged).
    with smtplib.SMTP(door.host, door.port, timeout=timeout) as client:
        client.sendmail(SENDER, list(recipients), as_transmitted(raw))


def small_message(subject: str = "Deal", size: int = 0) -> bytes:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = RECIPIENT
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@broker.example>"
    message.set_content("Application attached." + "x" * size)
    message.add_attachment(b"%PDF-1.4 tiny", "application", "pdf", filename="app.pdf")
    return message.as_bytes()


def test_demo_submissions_sent_by_smtp_become_one_event_each_with_their_bytes_stored(
    smtp_door_factory: Callable[..., Any],
    s3_store_factory: Callable[..., Any],
    schema_registry: str,
    demo_messages: list[bytes],
) -> None:
    door = smtp_door_factory(store=s3_store_factory(f"smtp-{uuid.uuid4().hex[:8]}"))

    for raw in demo_messages:
        send(door, raw)

    events = read_events(door.bootstrap, door.topic, schema_registry, expected=len(demo_messages))
    assert_one_event_each(events, [as_transmitted(raw) for raw in demo_messages], door.store, "smtp")
    assert all(event["recipients"] == [RECIPIENT] and event["envelope_sender"] == SENDER for event in events)


def test_every_shared_sample_sent_by_smtp_becomes_one_event_with_its_bytes_stored(
    smtp_door_factory: Callable[..., Any], schema_registry: str, sample_messages: list[bytes]
) -> None:
    door = smtp_door_factory()

    for raw in sample_messages:
        send(door, raw)

    transmitted = [as_transmitted(raw) for raw in sample_messages]
    events = read_events(door.bootstrap, door.topic, schema_registry, expected=len(set(transmitted)))
    assert_one_event_each(events, transmitted, door.store, "smtp")


def test_resending_the_same_bytes_is_accepted_but_publishes_nothing_more(
    smtp_door_factory: Callable[..., Any], schema_registry: str
) -> None:
    door = smtp_door_factory()
    raw = small_message()

    send(door, raw)
    send(door, raw)

    events = read_events(door.bootstrap, door.topic, schema_registry, expected=1, settle=3)
    assert [e["submission_id"] for e in events] == [sha256(as_transmitted(raw))]


def test_mail_for_a_recipient_that_is_not_configured_is_refused(
    smtp_door_factory: Callable[..., Any],
) -> None:
    door = smtp_door_factory()

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(door, small_message(), recipients=("someone@elsewhere.example",))

    code, text = refused.value.recipients["someone@elsewhere.example"]
    assert code == 550 and b"5.7.1" in text


def test_a_message_over_the_size_limit_gets_552_also_when_the_client_declares_less(
    smtp_door_factory: Callable[..., Any],
) -> None:
    door = smtp_door_factory(max_message_bytes=20_000)
    big = small_message(size=40_000)

    with pytest.raises(smtplib.SMTPSenderRefused) as declared:
        send(door, big)
    assert declared.value.smtp_code == 552

    with smtplib.SMTP(door.host, door.port, timeout=30) as client:
        client.ehlo()
        assert client.has_extn("size") and int(client.esmtp_features["size"]) == 20_000
        assert client.mail(SENDER, ["SIZE=1000"])[0] == 250
        assert client.rcpt(RECIPIENT)[0] == 250
        code, text = client.data(as_transmitted(big))
    assert code == 552 and b"5.3.4" in text


def test_starttls_is_offered_and_mail_is_accepted_over_it(
    smtp_door_factory: Callable[..., Any], schema_registry: str
) -> None:
    door = smtp_door_factory()
    raw = small_message("over TLS")
    context = ssl.create_default_context(cafile=str(door.tls_ca))

    with smtplib.SMTP(door.host, door.port, timeout=30) as client:
        client.ehlo("client.example")
        assert client.has_extn("starttls")
        client.starttls(context=context)
        client.ehlo("client.example")
        assert not client.has_extn("auth"), "no SMTP AUTH is offered"
        client.sendmail(SENDER, [RECIPIENT], as_transmitted(raw))

    events = read_events(door.bootstrap, door.topic, schema_registry, expected=1)
    assert [e["subject"] for e in events] == ["over TLS"]


def test_kafka_down_gives_a_4xx_and_nothing_half_written_then_the_resend_succeeds_once(
    private_kafka: Any, smtp_door_factory: Callable[..., Any], schema_registry: str
) -> None:
    bootstrap = private_kafka.bootstrap_servers
    topic = f"mca-email-received-{uuid.uuid4().hex}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    del admin  # no client left retrying against the broker this test stops
    door = smtp_door_factory(bootstrap=bootstrap, topic=topic, delivery_timeout_ms=5_000)
    send(door, small_message("warm-up"))  # the producer knows the cluster before it goes away
    raw = small_message("during the outage")
    sid = sha256(as_transmitted(raw))

    private_kafka.stop(grace=5.0)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(door, raw)
    assert 400 <= refused.value.smtp_code < 500
    assert not door.store.exists(marker_key(sid))

    private_kafka.start(timeout=120)
    send(door, raw)

    events = read_events(bootstrap, topic, schema_registry, expected=2, settle=5)
    assert sorted(e["subject"] for e in events) == ["during the outage", "warm-up"]
    assert [e["submission_id"] for e in events].count(sid) == 1
    assert door.store.exists(marker_key(sid))
