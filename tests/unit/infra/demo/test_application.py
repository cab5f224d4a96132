"""Application forms carry the applicant's values under the project's own label wordings."""

from __future__ import annotations

import datetime as dt
import io
import random

import pypdf
import pypdfium2 as pdfium
import pytest

from infra.demo.application_content import LABELS, ApplicationContent, application_content, pick_value_style
from infra.demo.application_form import render_fillable
from infra.demo.application_pdf import LAYOUTS, render_application
from infra.demo.identities import Applicant, make_applicant, make_broker, new_faker


def _content(seed: int) -> tuple[random.Random, Applicant, ApplicationContent]:
    rng = random.Random(seed)
    fake = new_faker(rng)
    applicant = make_applicant(rng, fake, dt.date(2025, 5, 1))
    broker = make_broker(rng, fake, set())
    return (
        rng,
        applicant,
        application_content(rng, applicant, broker, dt.date(2025, 4, 28), pick_value_style(rng)),
    )


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_text_layouts_print_labels_and_values(layout: str) -> None:
    rng, applicant, content = _content(11)
    data, pages = render_application(content, layout, rng)
    text = _text(data)
    assert 1 <= pages <= 2
    assert applicant.merchant.ein in text
    assert applicant.merchant.legal_name.upper() in text.upper()
    assert any(label.upper() in text.upper() for label in LABELS["ein"])
    for owner in applicant.owners:
        assert owner.name in text


def test_fillable_application_keeps_values_only_in_form_fields() -> None:
    rng, applicant, content = _content(12)
    data, _ = render_fillable(content, rng)
    assert applicant.merchant.ein not in _text(data)
    values = {f.get("/V") for f in (pypdf.PdfReader(io.BytesIO(data)).get_fields() or {}).values()}
    assert applicant.merchant.ein in values
    assert applicant.owners[0].name in values


def test_owners_never_hold_more_than_the_whole_business() -> None:
    for seed in range(40):
        _, applicant, _ = _content(seed)
        assert 1 <= len(applicant.owners) <= 3
        assert sum(o.ownership_pct for o in applicant.owners) <= 100
