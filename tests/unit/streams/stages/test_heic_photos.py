"""A HEIC photo (how iPhones photograph a voided check) is read like any other image: it plans as
a one-page scan, is OCR'd, and its check is extracted."""

from __future__ import annotations

import io
import random

from PIL import Image

from infra.demo.check_image import CheckFace, phone_photo
from streams.stages.extract.document import extract_document
from streams.stages.limits import Limits
from streams.stages.reading import plan_document, read_document

FACE = CheckFace(
    payer="Harbor Lane Bakery LLC", payer_lines=("118 Harbor Lane", "Portland, ME 04101"),
    bank_name="Pine State Bank", bank_city="Portland, ME", routing="011000015", account="4417203381",
    number=1042,
)


def heic(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="HEIF", quality=90)
    return buffer.getvalue()


def test_a_heic_photo_of_a_voided_check_is_read_and_extracted():
    photo, _ = phone_photo(FACE, random.Random(7))
    data = heic(photo)

    plan = plan_document(data, filename="IMG_4417.HEIC", content_type="image/heic", limits=Limits())
    reading = read_document(data, filename="IMG_4417.HEIC", content_type="image/heic", limits=Limits())
    extraction = extract_document(reading.text)

    assert (plan.status, plan.kind, plan.page_count) == ("read", "image", 1)
    assert extraction.doc_type == "voided_check"
    assert extraction.check is not None
    assert extraction.check.fields["routing_number"].value == FACE.routing
