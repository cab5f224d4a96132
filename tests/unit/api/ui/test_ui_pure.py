"""The web UI's pure parts: CSRF tokens, formatting, the table's search and cursors, field paths and
values, decision-time statistics, lag per stage, safe redirects, CSV cells and session expiry."""

from __future__ import annotations

import copy
import io
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import jwt
import pytest
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from api.fields import FieldError
from api.lag import GroupTopicProgress, KafkaProgress
from api.models.applications import ApplicationDetail, Box, Finding, PiiValue, Provenance
from api.services.redaction import is_pii_path
from api.ui import formatting
from api.ui.csrf import csrf_token, csrf_valid, new_nonce
from api.ui.csv_export import csv_cell
from api.ui.dashboard import percentile, period_starts, stage_lag
from api.ui.fields import correction_path, field_marks, form_value, value_at
from api.ui.listing import (
    InvalidListCursorError,
    decode_list_cursor,
    encode_list_cursor,
    search_terms,
)
from api.ui.page_images import PageImageCache, PageNotRenderableError, redact, render_page
from api.ui.review_queue import card_of
from api.ui.routes.auth import safe_next
from api.ui.session import expires_within
from api.ui.templating import query_string
from api.ui.views import document_views


def test_a_csrf_token_matches_only_its_own_nonce_and_secret():
    nonce = new_nonce()
    token = csrf_token("secret", nonce)
    assert csrf_valid("secret", nonce, token)
    assert not csrf_valid("secret", new_nonce(), token)
    assert not csrf_valid("other", nonce, token)
    assert not csrf_valid("secret", nonce, None) and not csrf_valid("secret", None, token)
    assert not csrf_valid("secret", "short", csrf_token("secret", "short"))


def test_values_are_formatted_for_reading():
    assert formatting.money(Decimal("12345.6")) == "$12,345.60" and formatting.money(-5) == "-$5.00"
    assert formatting.money(None) == "—"
    assert formatting.when(datetime(2025, 3, 4, 14, 5, tzinfo=UTC)) == "2025-03-04 14:05 UTC"
    assert formatting.percent(0.976, fraction=True) == "97.6%" and formatting.percent(Decimal(50)) == "50%"
    assert [formatting.duration(s) for s in (0.25, 12.5, 200, 7500)] == [
        "250 ms",
        "12.5 s",
        "3 min 20 s",
        "2 h 5 min",
    ]
    assert formatting.plain(True) == "yes" and formatting.plain(date(2025, 1, 2)) == "2025-01-02"
    assert formatting.label("review_required") == "Review required"


def test_the_search_box_reads_nine_digits_as_an_ein_and_anything_else_as_a_name():
    assert search_terms("123456789") == (None, "12-3456789")
    assert search_terms(" 12-3456789 ") == (None, "12-3456789")
    assert search_terms("Acme 12") == ("Acme 12", None)
    assert search_terms("   ") == (None, None)


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("received", datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)),
        ("amount", Decimal("1250.00")),
        ("positions", 3),
        ("merchant", "acme llc"),
    ],
)
def test_a_list_cursor_round_trips_and_refuses_another_sort(sort, value):
    cursor = encode_list_cursor(sort, True, value, "ab" * 32)
    assert decode_list_cursor(cursor, sort=sort, descending=True) == (value, "ab" * 32)
    with pytest.raises(InvalidListCursorError):
        decode_list_cursor(cursor, sort=sort, descending=False)
    with pytest.raises(InvalidListCursorError):
        decode_list_cursor("not-a-cursor", sort=sort, descending=True)


def detail() -> ApplicationDetail:
    from schemas.examples import example_value

    value = copy.deepcopy(example_value("mca.application"))
    owner = {"name": "Dana Doe", "ssn": PiiValue(masked="***-**-6789"), "address": {}}
    model = {
        "application_id": "a" * 64,
        "version": 3,
        "status": "review_required",
        "review_reasons": [
            Finding(code="low_confidence", message="low confidence: merchant.ein", field="merchant.ein"),
            Finding(code="required_field_missing", message="m", field="owner.ssn"),
        ],
        "warnings": [],
        "extractor_version": "1",
        "iso_broker": "iso.example",
        "related_application_ids": [],
        "merchant": {"legal_name": "Acme LLC", "ein": "12-3456789", "address": {"city": "Austin"}},
        "owners": [owner],
        "bank_statements": [],
        "documents": [
            {
                "document_id": "d" * 64,
                "submission_id": "s",
                "content_type": "application/octet-stream",
                "doc_type": "iso_application",
                "status": "read",
                "pages": 2,
                "raster": False,
                "download_url": "/x",
            },
        ],
        "fields": [
            Provenance(
                path="merchant.ein",
                document_id="d" * 64,
                page=2,
                box=Box(x0=0.1, y0=0.2, x1=0.3, y1=0.25),
                confidence=0.4,
                source="extracted",
            ),
            Provenance(
                path="merchant.legal_name",
                document_id="d" * 64,
                page=1,
                confidence=0.99,
                source="extracted",
                errors=["invalid_legal_name"],
            ),
            Provenance(path="funding.amount_requested", source="computed"),
        ],
        "corrections": [],
        "history": [],
        "received_at": value["received_at"],
        "updated_at": value["updated_at"],
    }
    return ApplicationDetail(**model)


def test_values_are_read_by_field_path_with_pii_as_the_presenter_left_it():
    model = detail()
    assert value_at(model, "merchant.ein") == "12-3456789"
    assert value_at(model, "merchant.address.city") == "Austin"
    assert value_at(model, "owners[0].ssn") == "***-**-6789"
    assert value_at(model, "owners[3].name") is None and value_at(model, "nothing.here") is None


def test_review_reasons_name_correctable_paths_and_form_text_is_typed_for_the_field():
    assert correction_path("owner.ssn") == "owners[0].ssn"
    assert correction_path("merchant.ein") == "merchant.ein"
    assert correction_path("owners.ownership_pct") is None and correction_path(None) is None
    assert form_value("funding.amount_requested", " $1,250.00 ") == "1250.00"
    assert form_value("bank_statements[0].nsf_count", "3") == 3
    assert form_value("merchant.dba_name", "  ") is None
    with pytest.raises(FieldError):
        form_value("bank_statements[0].nsf_count", "three")
    with pytest.raises(FieldError):
        form_value("status", "processed")


def test_fields_stand_out_when_invalid_low_in_confidence_or_named_by_a_reason():
    model = detail()
    documents, loose = document_views(model)
    [view] = documents
    assert view.viewable  # read, with pages, whatever content type the email claimed
    marks = {field.path: field.marks for field in view.fields}
    assert marks["merchant.ein"] == ["low confidence", "needs review"]
    assert marks["merchant.legal_name"] == ["invalid"]
    assert [field.path for field in view.fields] == ["merchant.legal_name", "merchant.ein"]  # page order
    assert [field.path for field in loose] == ["funding.amount_requested"]
    assert field_marks(model.fields[2], set()) == []


def test_a_review_card_lists_each_reason_with_its_correctable_field_and_current_value():
    card = card_of(detail())
    assert [(r.code, r.path, r.value) for r in card.reasons] == [
        ("low_confidence", "merchant.ein", "12-3456789"),
        ("required_field_missing", "owners[0].ssn", "***-**-6789"),
    ]
    assert "merchant.ein" in card.correctable and "funding.amount_requested" in card.correctable


def test_decision_times_give_median_and_p95_and_weeks_start_on_monday():
    assert percentile([], 50) is None
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    today, week = period_starts(datetime(2025, 3, 6, 15, 0, tzinfo=UTC))  # a Thursday
    assert today == datetime(2025, 3, 6, tzinfo=UTC) and week == datetime(2025, 3, 3, tzinfo=UTC)


def test_lag_is_summed_per_stage():
    progress = KafkaProgress(
        [
            GroupTopicProgress("g", "streams:ocr", "mca.page.ready", 10, 4),
            GroupTopicProgress("g", "streams:assemble", "mca.document.extracted", 5, 1),
            GroupTopicProgress("g", "streams:assemble", "mca.application.correction", 5, 2),
        ]
    )
    assert [(s.stage, s.lag, len(s.topics)) for s in stage_lag(progress)] == [
        ("streams:assemble", 3, 2),
        ("streams:ocr", 4, 1),
    ]


def test_sign_in_only_returns_to_pages_of_the_ui():
    assert safe_next("/ui/review?x=1") == "/ui/review?x=1"
    for target in (None, "https://evil.example/ui", "//evil.example/ui", "/api/v1/users", "/ui\\..\\x"):
        assert safe_next(target) == "/ui/"


def test_csv_cells_never_start_a_formula_but_numbers_stay_numbers():
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_cell("@cmd") == "'@cmd"
    assert csv_cell("-12.50") == "-12.50" and csv_cell(None) == "" and csv_cell(Decimal("5.00")) == "5.00"


def test_query_strings_leave_out_empty_values():
    assert (
        query_string({"status": "processed", "q": ""}, sort="amount", cursor=None)
        == "status=processed&sort=amount"
    )


def test_a_session_token_expiring_soon_is_noticed():
    soon = jwt.encode({"exp": int(time.time()) + 60}, "k" * 32, algorithm="HS256")
    assert expires_within(soon, 120) and not expires_within(soon, 30)
    assert expires_within("garbage", 1)


def _pdf(pages: int) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=letter)
    for number in range(pages):
        page.drawString(72, 700, f"page {number + 1}")
        page.showPage()
    page.save()
    return buffer.getvalue()


def test_pages_render_as_png_of_the_asked_width_from_pdf_and_image_bytes():
    png = render_page(_pdf(2), "application/octet-stream", 2, width=400)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 400 and image.height == round(400 * 11 / 8.5)
    jpeg = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(jpeg, format="JPEG")
    assert Image.open(io.BytesIO(render_page(jpeg.getvalue(), "image/jpeg", 1, width=300))).size == (300, 150)
    with pytest.raises(PageNotRenderableError):
        render_page(_pdf(1), "application/pdf", 2)
    with pytest.raises(PageNotRenderableError):
        render_page(b"not a document", "application/pdf", 1)


def test_the_page_cache_keeps_the_most_recently_used_within_its_bound():
    cache = PageImageCache(max_bytes=10)
    cache.put("a", 1, None, b"12345")
    cache.put("b", 1, None, b"12345")
    assert cache.get("a", 1, None) == b"12345"  # now the most recent
    cache.put("c", 1, None, b"123")
    assert cache.get("b", 1, None) is None and cache.get("a", 1, None) and cache.get("c", 1, None)
    cache.put("huge", 1, None, b"x" * 11)
    assert cache.get("huge", 1, None) is None


def test_the_page_cache_never_answers_a_clear_page_for_a_redacted_one_or_the_reverse():
    cache = PageImageCache()
    box = (0.1, 0.1, 0.3, 0.2)
    cache.put("a", 1, None, b"clear")
    assert cache.get("a", 1, ()) is None and cache.get("a", 1, (box,)) is None
    cache.put("a", 1, (box,), b"redacted")
    assert cache.get("a", 1, None) == b"clear" and cache.get("a", 1, (box,)) == b"redacted"
    assert cache.get("a", 1, ((0.5, 0.5, 0.6, 0.6),)) is None  # other boxes: another redaction


def test_redaction_paints_each_box_opaque_and_leaves_the_rest_of_the_page():
    page = Image.new("RGB", (200, 100), "white")
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")
    redacted = Image.open(io.BytesIO(redact(buffer.getvalue(), ((0.25, 0.5, 0.5, 0.7),), margin=2)))
    assert redacted.size == (200, 100)
    covered = redacted.crop((48, 48, 103, 73))  # the box (50..100 x 50..70) grown by the margin
    assert covered.getextrema() == ((0, 0), (0, 0), (0, 0))
    assert redacted.getpixel((10, 10)) == (255, 255, 255) and redacted.getpixel((150, 90)) == (255, 255, 255)
    assert redacted.getpixel((105, 60)) == (255, 255, 255)
    untouched = Image.open(io.BytesIO(redact(buffer.getvalue(), ())))
    assert untouched.getextrema() == ((255, 255), (255, 255), (255, 255))


def test_the_pii_paths_are_the_ones_the_api_masks():
    pii = [
        "owners[0].ssn",
        "owners[1].date_of_birth",
        "voided_check.account_number",
        "voided_check.routing_number",
    ]
    assert all(is_pii_path(path) for path in pii)
    plain = ["merchant.ein", "owners[0].name", "bank_statements[0].account_last4", "nonsense", "x[0].ssn"]
    assert not any(is_pii_path(path) for path in plain)
