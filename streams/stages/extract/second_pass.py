"""When to ask the second OCR engine, and how its reading is merged with the first.

Pure: the re-reading itself is a function passed in (streams/stages/second_reading.py builds
one), so the cost stays bounded by these rules: only scanned pages (OCR'd, not a text layer),
only short documents, and only when the first reading left something to fix:

- an ISO application with a required field missing, invalid or read with low confidence, or
  with pages Tesseract could hardly read (handwriting, shaded boxes);
- a voided check without a sure routing number or account number, or whose MICR line was read
  without its symbols (the field bounds were guessed);
- a short document nobody claimed whose reading is weak (a check photo Tesseract garbled).

Both readings are extracted and merged value by value: a valid value beats an invalid one, then
the more confident one wins (first reading on a tie).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from streams.stages.extract.fields import Field
from streams.stages.extract.iso_application import IsoApplication
from streams.stages.extract.merging import merge_fields, merge_owners
from streams.stages.extract.voided_check import UNDELIMITED_MICR, VoidedCheck
from streams.stages.text import DocumentText

logger = logging.getLogger(__name__)

MAX_PAGES = 3  # application forms and checks are short; longer documents never get a second reading
WEAK_CONFIDENCE = 0.75  # a page whose words average less than this is hard for Tesseract
MIN_LEGIBLE_WORDS = 12  # fewer readable words than this on an unclaimed page: read it again
REQUIRED_MERCHANT = ("legal_name", "ein", "address.street", "address.city", "address.state")
REQUIRED_FUNDING = ("amount_requested",)
REQUIRED_OWNER = ("name", "ssn")
LOW_CONFIDENCE = 0.6


def ocr_pages(document: DocumentText) -> list[int]:
    """1-based numbers of the OCR'd pages, when the document is short enough for a second reading."""
    if len(document.pages) > MAX_PAGES:
        return []
    return [p.page_number for p in document.pages if p.source == "ocr" and p.words]


def weak_reading(document: DocumentText) -> bool:
    """Whether Tesseract struggled: few legible words or a low average word confidence."""
    words = [w for p in document.pages for w in p.words if sum(c.isalnum() for c in w.text) >= 2]
    if len(words) < MIN_LEGIBLE_WORDS:
        return True
    return sum(w.confidence for w in words) / len(words) < WEAK_CONFIDENCE


def _weak(field: Field | None) -> bool:
    return field is None or not field.valid or field.confidence < LOW_CONFIDENCE or field.value in (None, "")


def application_needs_help(app: IsoApplication) -> bool:
    """A required field is missing, invalid or unsure, or some value failed validation."""
    required = [app.merchant.get(k) for k in REQUIRED_MERCHANT]
    required += [app.funding.get(k) for k in REQUIRED_FUNDING]
    complete = [o for o in app.owners if o.get("name") and o.get("ssn")]
    owner = complete[0] if complete else (app.owners[0] if app.owners else {})
    required += [owner.get(k) for k in REQUIRED_OWNER]
    if any(_weak(f) for f in required):
        return True
    values = [*app.merchant.values(), *app.funding.values(), *(f for o in app.owners for f in o.values())]
    return any(not f.valid for f in values)


def check_needs_help(check: VoidedCheck) -> bool:
    """No sure routing number or no sure account number (voided_check.py rates a MICR routing number
    by its checksum evidence, not by Tesseract's confidence in the E-13B glyphs)."""
    routing, account = check.fields.get("routing_number"), check.fields.get("account_number")
    if _weak(routing) or _weak(account):
        return True
    # a MICR line read without its symbols leaves the field bounds to guesswork ('1"' may be a digit
    # and the on-us symbol, or the symbol alone): the second engine tells the symbols by their ink
    return any(f is not None and f.label == UNDELIMITED_MICR for f in (routing, account))


def merge_applications(first: IsoApplication, second: IsoApplication) -> IsoApplication:
    """One application from two readings of the same form."""
    return IsoApplication(
        merge_fields(first.merchant, second.merchant),
        merge_fields(first.funding, second.funding),
        merge_owners(first.owners, second.owners),
    )


def merge_checks(first: VoidedCheck, second: VoidedCheck) -> VoidedCheck:
    """One check from two readings; the account number follows the reading whose routing won, or is
    the surer of the two when both readings found the same routing number."""
    fields = merge_fields(first.fields, second.fields)
    routing = fields.get("routing_number")
    source = second if routing is not None and routing is second.fields.get("routing_number") else first
    other = first if source is second else second
    account = source.fields.get("account_number") or other.fields.get("account_number")
    if _same_value(first.fields.get("routing_number"), second.fields.get("routing_number")):
        account = fields.get("account_number")  # both read the same MICR line: the surer account wins
    if account is not None:
        fields["account_number"] = account
    return VoidedCheck(fields, first.micr_found or second.micr_found)


def _same_value(a: Field | None, b: Field | None) -> bool:
    return a is not None and b is not None and a.value == b.value


Rereader = Callable[[Sequence[int]], DocumentText]
