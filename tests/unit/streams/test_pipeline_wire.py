"""The Faust path gives the application `mca extract` gives: the pipeline's values survive their trip
through events (Avro), blobs and tables, and the stage handlers chained by hand assemble the same
contract as the local run."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import numpy as np
import pytest

from infra.crypto import new_key_spec, parse_key_ring
from infra.demo import documents as D
from infra.demo.identities import make_broker, new_faker
from streams.local_run import LocalRunner
from streams.stages.application_json import application_to_json
from streams.stages.extract.transactions import Transaction
from streams.stages.limits import Limits
from streams.stages.reading import PageReading
from streams.stages.text import Box, PageText, Word
from streams.wire import pages as wire_pages
from streams.wire.contract import contract
from streams.wire.extraction import transactions_from_json, transactions_to_json
from streams.wire.jsonable import from_jsonable, to_jsonable
from streams.wire.values import from_wire, to_wire

from .edge_submissions import SENT, application_and_statement, email, merchant_files, spoilt
from .stage_chain import InlineRuntime, StageChain, make_services

RING = parse_key_ring(new_key_spec("wire"))


@pytest.mark.parametrize(
    "path, value, wired",
    [
        ("funding.amount_requested", "150000.00", Decimal("150000.00")),
        ("owners[0].ownership_pct", "50.00", Decimal("50.00")),
        ("bank_statement.period_start", "2024-11-01", dt.date(2024, 11, 1)),
        ("bank_statement.deposit_count", 42, 42),
        ("merchant.annual_revenue", "about a million", "about a million"),
        ("merchant.address.zip", "60608", "60608"),
        ("bank_statement.reconciled", False, False),
    ],
)
def test_values_are_typed_on_the_wire_and_come_back_as_the_extractors_wrote_them(path, value, wired):
    assert to_wire(path, value, RING) == wired
    assert from_wire(path, to_wire(path, value, RING), RING) == value


@pytest.mark.parametrize(
    "path, value, masked",
    [
        ("owners[0].ssn", "123-45-6789", "***-**-6789"),
        ("owners[1].date_of_birth", "1970-01-31", "****-**-**"),
        ("voided_check.account_number", "6700036911", "******6911"),
        ("voided_check.routing_number", "107475266", "*****5266"),
    ],
)
def test_pii_travels_encrypted_for_its_field_and_only_its_mask_in_clear(path, value, masked):
    wired = to_wire(path, value, RING)
    assert wired["masked"] == masked and value.encode() not in wired["ciphertext"]
    assert from_wire(path, wired, RING) == value


def test_a_page_image_survives_its_png_with_its_exact_resolution():
    image = np.random.default_rng(7).integers(0, 256, (330, 255), dtype=np.uint8)
    back, dpi = wire_pages.image_from_png(wire_pages.image_to_png(image, 203.28125))
    assert dpi == 203.28125 and np.array_equal(back, image)


def test_a_page_reading_survives_its_words_blob():
    words = (
        Word("Total", Box(0.1, 0.2, 0.15, 0.21), 0.87, 3, 1),
        Word("$1.00", Box(0.5, 0.2, 0.6, 0.21), 0.5),
    )
    reading = PageReading(
        PageText(2, 612.0, 792.0, words, "ocr", 90, -1.5), True, -1.5, 90, {"ocr": 2.0}, "slow"
    )
    outcome = wire_pages.outcome_from_json(2, True, wire_pages.reading_to_json(reading))
    assert outcome.reading == reading


def test_transactions_survive_their_blob():
    rows = (
        Transaction(
            dt.date(2024, 3, 1),
            "ACH DEBIT RAPIDADV CAP",
            Decimal("-425.00"),
            Decimal("1000.10"),
            1,
            Box(0.1, 0.3, 0.9, 0.32),
            0.93,
        ),
        Transaction(dt.date(2024, 3, 2), "DEPOSIT", Decimal("99.99"), None, 2, None, 1.0, False, False),
    )
    assert transactions_from_json(transactions_to_json(rows)) == rows


def test_table_values_keep_their_dates_decimals_and_bytes_through_json():
    value = {
        "at": SENT,
        "day": dt.date(2024, 1, 2),
        "amount": Decimal("1.50"),
        "secret": b"\x00\x01",
        "n": [1],
    }
    assert from_jsonable(json.loads(json.dumps(to_jsonable(value)))) == value


async def both_paths(tmp_path, raws: list[bytes]) -> list[tuple[dict, dict]]:
    """(contract from `mca extract`'s path, contract from the Faust stages) for each email, in order."""
    services = make_services(tmp_path / "objects")
    chain = StageChain(services)
    runner = LocalRunner(InlineRuntime(), Limits())  # type: ignore[arg-type]
    pairs = []
    for raw in raws:
        local = contract(application_to_json(runner.assemble(await runner.read_email(raw))))
        [record] = await chain.run(raw)
        pairs.append((local, contract(record, services.ring)))
    return pairs


def voided_check_photo() -> tuple[str, bytes, str]:
    rng = random.Random("wire-check")
    fake = new_faker(rng)
    deal = D.make_deal(rng, fake, SENT)
    make_broker(rng, fake, set())
    check = D.check_doc(rng, deal, set())
    return check.filename, check.data, check.content_type


async def test_the_faust_stages_assemble_the_same_applications_as_the_local_run(tmp_path):
    files = merchant_files()
    good = application_and_statement(files)
    raws = [
        email([*good, voided_check_photo(), spoilt("zero_byte", files)], message_id="<1@first-iso.example>"),
        email(
            [*good, voided_check_photo(), spoilt("zero_byte", files)],
            message_id="<1@first-iso.example>",
            resent=True,
        ),
        email(good, sender="rep@second-iso.example", message_id="<2@second-iso.example>"),
        email(
            [spoilt("decompression_bomb", files), spoilt("html_as_pdf", files)], message_id="<3@x.example>"
        ),
        email([], message_id="<4@x.example>"),
    ]
    pairs = await both_paths(tmp_path, raws)
    for local, faust in pairs:
        assert faust == local
    assert [local["status"] for local, _ in pairs] == [
        "review_required",
        "duplicate",
        "review_required",
        "rejected",
        "rejected",
    ]


async def test_the_faust_stages_agree_with_the_local_run_on_sample_submissions(tmp_path, shared_dir):
    names = ["001", "008", "012", "014", "019"]  # text layers, a check photo, a resend, bad and edge cases
    raws = [(shared_dir / "samples" / f"{name}.eml").read_bytes() for name in names]
    for local, faust in await both_paths(tmp_path, raws):
        assert faust == local
