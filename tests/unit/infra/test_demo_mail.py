"""Sending demo submissions like an ISO broker's mail server: bytes on the wire and envelopes."""

from __future__ import annotations

import smtplib

from infra.demo_mail import SENDER_FALLBACK, door_recipient, envelope_sender, refusal, wire_bytes
from infra.settings import Settings


def test_wire_bytes_use_crlf_line_ends_and_end_with_one():
    assert wire_bytes(b"Subject: a\nFrom: b\n\nbody") == b"Subject: a\r\nFrom: b\r\n\r\nbody\r\n"
    already = b"Subject: a\r\n\r\nbody\r\n"
    assert wire_bytes(already) == already


def test_envelope_sender_is_the_from_address_or_a_fallback():
    assert envelope_sender(b'From: "Jo Broker" <jo@iso.example>\r\n\r\nx') == "jo@iso.example"
    assert envelope_sender(b"Subject: no sender\r\n\r\nx") == SENDER_FALLBACK


def test_the_door_recipient_gets_a_local_part_for_a_bare_domain():
    assert door_recipient(Settings(smtp_recipients=["apps@funder.example"])) == "apps@funder.example"
    assert door_recipient(Settings(smtp_recipients=["@funder.example"])) == "submissions@funder.example"


def test_refusals_read_as_code_and_text():
    assert refusal(smtplib.SMTPDataError(451, b"try again later")) == "451 try again later"
    refused = smtplib.SMTPRecipientsRefused({"x@y": (550, b"relay denied")})
    assert refusal(refused) == "550 relay denied"
