"""Messages decode back to exactly what was attached, whatever the filename style and transfer encoding."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import random

from infra.demo.email_compose import Attachment, MessageSpec, compose, message_id

NAMES = [
    "Extracto bancario – enero 2025.pdf",
    "VOID.PNG",
    "Completed App (Summit Grill).pdf",
    "a very long statement file name for the continuation style March 2025.pdf",
]
PAYLOAD = bytes(range(256)) * 7 + b"\r\n.\nFrom x\n"


def _spec(rng: random.Random, **kw: object) -> MessageSpec:
    zone = dt.timezone(dt.timedelta(hours=-6))
    base = dict(
        sender_name="Dana Reyes",
        sender="dana@crestline.com",
        to="submissions@mca.localhost",
        subject="Summit Grill – app & 3 mos",
        date=dt.datetime(2025, 4, 2, 9, 30, tzinfo=zone),
        message_id=message_id(rng, "crestline.com", "dana"),
        text="Hi team,\n\nAttached.\n",
        attachments=tuple(Attachment(n, PAYLOAD, "application/pdf") for n in NAMES),
    )
    base.update(kw)
    return MessageSpec(**base)  # type: ignore[arg-type]


def test_every_filename_style_and_encoding_round_trips() -> None:
    for seed in range(12):
        rng = random.Random(seed)
        msg = email.message_from_bytes(compose(_spec(rng), rng), policy=email.policy.default)
        got = [(p.get_filename(), p.get_payload(decode=True)) for p in msg.iter_attachments()]
        assert got == [(n, PAYLOAD) for n in NAMES]
        assert msg["Subject"] == "Summit Grill – app & 3 mos"
        assert msg["To"] == "submissions@mca.localhost"


def test_forwarded_message_carries_the_attachments_inside_message_rfc822() -> None:
    rng = random.Random(4)
    inner = _spec(rng, sender="owner@summitgrill.com", to="dana@crestline.com")
    outer = _spec(rng, attachments=(), forwarded=inner, subject="Fwd: Summit Grill")
    msg = email.message_from_bytes(compose(outer, rng), policy=email.policy.default)
    forwarded = [p for p in msg.walk() if p.get_content_type() == "message/rfc822"]
    assert len(forwarded) == 1
    inner_msg = forwarded[0].get_payload(0)
    assert [p.get_filename() for p in inner_msg.iter_attachments()] == NAMES


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_boundaries() -> None:
    def build(seed: int) -> bytes:
        rng = random.Random(seed)
        return compose(_spec(rng), rng)

    assert build(1) == build(1)
    assert build(1) != build(2)
