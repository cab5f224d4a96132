"""The web UI over HTTP with the real app, on SQLite and PostgreSQL: a thousand applications seeded
through the postgres-sink's writer, a user per role. Sign-in and sign-out, redirects, CSRF
refusals, role restrictions, PII masking, the table's filters, sort, cursor pages and CSV export,
page images, and how long pages take (written to artifacts/ui-timings-<db>.json)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import httpx
import pytest
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api.security import issue_token
from infra.crypto import new_key_spec, parse_key_ring
from infra.database import make_engine
from infra.object_store import object_store_from_settings
from schemas.db.records import AccessRecord, AuditRecord, User
from tests.integration.api.api_support import (
    PASSWORD,
    SSN,
    api_settings,
    application_value,
    make_callers,
    seed,
    serving,
)
from tests.integration.consumers.postgres_sink_support import fresh_database
from tests.integration.ui.ui_support import (
    UI,
    application_ids,
    csrf_of,
    next_cursor,
    record_timings,
    signed_in_client,
    timed,
)

APPLICATIONS = 1000
PDF_INDEX = 7  # the application whose document has real bytes in the object store


SSN_AT = (72.0, 600.0, 18)  # x, baseline y (points from the bottom-left) and font size of the SSN


def one_page_pdf() -> bytes:
    """A letter page with an EIN and, at SSN_AT, the owner's SSN printed in clear."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=letter)
    page.drawString(72, 700, "EIN 12-3456789")
    x, y, size = SSN_AT
    page.setFont("Helvetica-Bold", size)
    page.drawString(x, y, SSN)
    page.save()
    return buffer.getvalue()


def ssn_box() -> dict[str, float]:
    """Where one_page_pdf printed the SSN, as a provenance box (fractions of the page, top-left origin)."""
    x, y, size = SSN_AT
    width, height = letter
    right = x + stringWidth(SSN, "Helvetica-Bold", size)
    top, bottom = height - y - size, height - y + 4
    return {"x0": x / width, "y0": top / height, "x1": right / width, "y1": bottom / height}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ui(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"ui-{request.param}")
    spec = new_key_spec()
    ring = parse_key_ring(spec)
    with fresh_database(request.param, lambda: request.getfixturevalue("postgres_url"), tmp) as url:
        settings = api_settings(url, tmp / "home", spec)
        stored = object_store_from_settings(settings).put(
            f"documents/{uuid.uuid4().hex}.pdf", one_page_pdf(), content_type="application/pdf"
        )
        values = [application_value(index, ring) for index in range(APPLICATIONS)]
        values[PDF_INDEX]["documents"][0]["blob"].update(
            uri=stored.uri, size=stored.size, sha256=stored.sha256
        )
        document_id = values[PDF_INDEX]["documents"][0]["document_id"]
        values[PDF_INDEX]["fields"].append(
            {"path": "owners[0].ssn", "document_id": document_id, "page": 1, "box": ssn_box(),
             "confidence": 0.95, "source": "extracted", "errors": []}
        )
        seed(url, values)
        with serving(settings) as base:
            callers = make_callers(url, base)
            clients = {
                role: signed_in_client(base, email, PASSWORD) for role, email in callers.emails.items()
            }
            yield {
                "kind": request.param,
                "base": base,
                "url": url,
                "clients": clients,
                "values": values,
                "settings": settings,
                "callers": callers,
            }
            for client in clients.values():
                client.close()


def test_pages_send_a_browser_without_a_session_to_sign_in_and_back(ui):
    with httpx.Client(base_url=ui["base"]) as anonymous:
        for path in ("/", "/applications?status=processed", "/review", "/webhooks", "/users"):
            answer = anonymous.get(UI + path)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith(f"{UI}/sign-in?next=%2Fui")
        assert anonymous.get("/").headers["location"] == f"{UI}/"
        htmx = anonymous.get(f"{UI}/dashboard/live", headers={"HX-Request": "true"})
        assert htmx.status_code == 204 and htmx.headers["hx-redirect"].startswith(f"{UI}/sign-in")


def test_sign_in_sets_httponly_strict_cookies_and_refuses_a_wrong_password(ui):
    email = ui["callers"].emails["underwriter"]
    with httpx.Client(base_url=ui["base"]) as browser:
        page = browser.get(f"{UI}/sign-in?next=/ui/review")
        csrf_cookie = page.headers["set-cookie"]
        assert "HttpOnly" in csrf_cookie and "SameSite=strict" in csrf_cookie and "Path=/ui" in csrf_cookie
        token = csrf_of(page.text)
        wrong = browser.post(f"{UI}/sign-in", data={"email": email, "password": "nope", "csrf_token": token})
        assert wrong.status_code == 401 and "Incorrect email or password" in wrong.text
        assert "mca_session" not in wrong.headers.get("set-cookie", "")
        right = browser.post(
            f"{UI}/sign-in",
            data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/ui/review"},
        )
        assert right.status_code == 303 and right.headers["location"] == "/ui/review"
        session_cookie = [c for c in right.headers.get_list("set-cookie") if c.startswith("mca_session=")]
        assert session_cookie and "HttpOnly" in session_cookie[0] and "SameSite=strict" in session_cookie[0]
        assert "Secure" not in session_cookie[0]  # plain http here; https (or the setting) makes it Secure
        assert browser.get(f"{UI}/review").status_code == 200
        signed_out = browser.post(f"{UI}/sign-out", data={"csrf_token": csrf_of(browser.get(f"{UI}/").text)})
        assert signed_out.status_code == 303 and browser.get(f"{UI}/review").status_code == 303


def test_activity_renews_a_session_near_its_idle_timeout_but_live_refreshes_do_not(ui):
    engine = make_engine(ui["url"], poolclass=NullPool)
    with Session(engine) as session:
        user = session.scalars(select(User).where(User.email == ui["callers"].emails["analyst"])).one()
    engine.dispose()
    secret = ui["settings"].jwt_secret.get_secret_value()
    token = issue_token(user_id=user.id, role=user.role, secret=secret, lifetime=timedelta(minutes=5))
    with httpx.Client(base_url=ui["base"], cookies={"mca_session": token}) as browser:
        live = browser.get(f"{UI}/dashboard/live", headers={"HX-Request": "true"})
        assert live.status_code == 200 and "mca_session" not in live.headers.get("set-cookie", "")
        page = browser.get(f"{UI}/applications")
        assert page.status_code == 200 and "mca_session=" in page.headers.get("set-cookie", "")


def test_a_form_without_a_valid_csrf_token_is_refused(ui):
    client = ui["clients"]["admin"]
    refused = client.post(f"{UI}/users", data={"email": "x@example.test", "role": "analyst"})
    assert refused.status_code == 403 and "Form refused" in refused.text
    forged = client.post(
        f"{UI}/users", data={"email": "x@example.test", "role": "analyst", "csrf_token": "0" * 64}
    )
    assert forged.status_code == 403
    with httpx.Client(base_url=ui["base"]) as other:  # a token from another browser's page
        foreign = csrf_of(other.get(f"{UI}/sign-in").text)
    assert client.post(f"{UI}/sign-out", data={"csrf_token": foreign}).status_code == 403
    assert client.get(f"{UI}/").status_code == 200  # still signed in


def test_an_expired_or_forged_session_cookie_means_signing_in_again(ui):
    secret = ui["settings"].jwt_secret.get_secret_value()
    expired = issue_token(user_id="0" * 32, role="admin", secret=secret, lifetime=timedelta(seconds=-5))
    for cookie in (expired, "not-a-token"):
        with httpx.Client(base_url=ui["base"], cookies={"mca_session": cookie}) as browser:
            answer = browser.get(f"{UI}/applications")
            assert answer.status_code == 303 and "sign-in" in answer.headers["location"]


def test_users_and_webhooks_pages_are_for_admins_only(ui):
    assert ui["clients"]["admin"].get(f"{UI}/users").status_code == 200
    assert ui["clients"]["admin"].get(f"{UI}/webhooks").status_code == 200
    for role in ("underwriter", "analyst", "partner"):
        for path in ("/users", "/webhooks"):
            answer = ui["clients"][role].get(UI + path)
            assert answer.status_code == 403 and "Not allowed" in answer.text
    created = ui["clients"]["analyst"].post(
        f"{UI}/api-keys",
        data={"name": "mine", "csrf_token": csrf_of(ui["clients"]["analyst"].get(f"{UI}/").text)},
    )
    assert created.status_code == 403


def test_an_analyst_never_sees_an_ssn_and_an_underwriter_reading_one_is_audited(ui):
    application_id = ui["values"][3]["application_id"]
    analyst = ui["clients"]["analyst"].get(f"{UI}/applications/{application_id}")
    assert analyst.status_code == 200
    assert SSN not in analyst.text and "***-**-6789" in analyst.text
    review = ui["clients"]["analyst"].get(f"{UI}/review")
    assert review.status_code == 200 and SSN not in review.text
    underwriter = ui["clients"]["underwriter"].get(f"{UI}/applications/{application_id}")
    assert SSN in underwriter.text
    engine = make_engine(ui["url"], poolclass=NullPool)
    with Session(engine) as session:
        reads = session.scalars(
            select(AuditRecord).where(
                AuditRecord.action == "pii.read", AuditRecord.target_id == application_id
            )
        ).all()
    engine.dispose()
    assert [record.actor_role for record in reads] == ["underwriter"]


def test_the_table_searches_filters_sorts_and_pages_with_a_cursor(ui):
    client = ui["clients"]["analyst"]
    target = ui["values"][123]
    by_ein = client.get(f"{UI}/applications", params={"q": target["merchant"]["ein"].replace("-", "")})
    assert application_ids(by_ein.text) == [target["application_id"]]
    by_name = client.get(f"{UI}/applications", params={"q": "shop 123"})
    assert application_ids(by_name.text) == [target["application_id"]]
    review = client.get(f"{UI}/applications", params={"status": "review_required", "iso": "iso1.example"})
    assert 'aria-sort="descending"' in review.text
    cheapest = client.get(f"{UI}/applications", params={"sort": "amount", "dir": "asc"})
    assert application_ids(cheapest.text)[0] == ui["values"][0]["application_id"]
    seen: list[str] = []
    cursor = None
    for _ in range(30):
        params = {"sort": "merchant", "dir": "asc", **({"cursor": cursor} if cursor else {})}
        page = client.get(
            f"{UI}/applications",
            params=params,
            headers={"HX-Request": "true", "HX-Target": "more-row"} if cursor else {},
        )
        seen += application_ids(page.text)
        cursor = next_cursor(page.text)
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == APPLICATIONS


def test_the_csv_export_holds_every_matching_row(ui):
    answer = ui["clients"]["analyst"].get(f"{UI}/applications.csv", params={"status": "processed"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == APPLICATIONS // 5 and {row["status"] for row in rows} == {"processed"}
    assert rows[0]["merchant_name"].startswith("Merchant ") and SSN not in answer.text


def test_a_page_image_is_rendered_from_the_stored_document_and_its_access_logged(ui):
    document_id = ui["values"][PDF_INDEX]["documents"][0]["document_id"]
    image = ui["clients"]["analyst"].get(f"{UI}/documents/{document_id}/pages/1")
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert ui["clients"]["analyst"].get(f"{UI}/documents/{document_id}/pages/2").status_code == 404
    assert ui["clients"]["partner"].get(f"{UI}/documents/{document_id}/pages/1").status_code == 403
    engine = make_engine(ui["url"], poolclass=NullPool)
    with Session(engine) as session:
        codes = sorted(
            row.status_code
            for row in session.scalars(select(AccessRecord).where(AccessRecord.resource_id == document_id))
        )
    engine.dispose()
    assert codes == [200, 404]


def _box_pixels(png: bytes) -> tuple[Image.Image, Image.Image]:
    """(the whole page, the SSN's box on it shrunk by a pixel) from a page image."""
    page = Image.open(io.BytesIO(png)).convert("L")
    box = ssn_box()
    inner = (
        round(box["x0"] * page.width) + 1,
        round(box["y0"] * page.height) + 1,
        round(box["x1"] * page.width) - 1,
        round(box["y1"] * page.height) - 1,
    )
    return page, page.crop(inner)


def test_an_analyst_sees_the_ssn_on_a_page_image_covered_and_an_underwriter_sees_it(ui):
    document_id = ui["values"][PDF_INDEX]["documents"][0]["document_id"]
    path = f"{UI}/documents/{document_id}/pages/1"
    analyst = ui["clients"]["analyst"].get(path)
    underwriter = ui["clients"]["underwriter"].get(path)
    assert analyst.status_code == underwriter.status_code == 200
    assert analyst.content != underwriter.content
    page, box = _box_pixels(analyst.content)
    assert box.getextrema() == (0, 0), "the SSN's box is not covered for the analyst"
    assert page.getextrema() == (0, 255)  # the rest of the page (the EIN) is still there
    assert analyst.headers["cache-control"] == "private, max-age=300" and analyst.headers["vary"] == "Cookie"
    page, box = _box_pixels(underwriter.content)
    histogram = box.histogram()
    assert histogram[255] > 0 and sum(histogram[:128]) > 0, "the underwriter should see the printed SSN"
    assert sum(histogram[:128]) < box.width * box.height / 2  # glyphs on paper, not a black box
    assert underwriter.headers["cache-control"] == "private, no-store"
    again = ui["clients"]["analyst"].get(path)  # from the cache, still redacted
    assert again.content == analyst.content


def test_originals_download_only_with_pii_read_in_the_ui_as_in_the_api(ui):
    document_id = ui["values"][PDF_INDEX]["documents"][0]["document_id"]
    path = f"{UI}/documents/{document_id}/content"
    assert ui["clients"]["analyst"].get(path).status_code == 403
    original = ui["clients"]["underwriter"].get(path)
    assert original.status_code == 200 and original.content.startswith(b"%PDF")
    assert "attachment" in original.headers["content-disposition"]
    detail_page = f"{UI}/applications/{ui['values'][PDF_INDEX]['application_id']}"
    assert "Download the original" not in ui["clients"]["analyst"].get(detail_page).text
    assert path in ui["clients"]["underwriter"].get(detail_page).text


def test_the_dashboard_counts_applications_and_refreshes_as_a_fragment(ui):
    page = ui["clients"]["underwriter"].get(f"{UI}/")
    assert page.status_code == 200 and 'hx-trigger="every' in page.text
    live = ui["clients"]["underwriter"].get(f"{UI}/dashboard/live", headers={"HX-Request": "true"})
    assert live.status_code == 200 and live.text.lstrip().startswith('<div id="live"')
    assert "Review required" in live.text and "Median" in live.text


def test_pages_render_quickly_with_a_thousand_applications(ui):
    client = ui["clients"]["underwriter"]
    detail = ui["values"][500]["application_id"]
    pages = {
        "dashboard": f"{UI}/",
        "applications": f"{UI}/applications",
        "applications sorted by revenue": f"{UI}/applications?sort=revenue&dir=asc",
        "applications searched": f"{UI}/applications?q=Merchant%2077",
        "application detail": f"{UI}/applications/{detail}",
        "review queue": f"{UI}/review",
        "csv export (1000 rows)": f"{UI}/applications.csv",
    }
    timings = {name: timed(lambda path=path: client.get(path)) for name, path in pages.items()}
    path = record_timings(f"ui-timings-{ui['kind']}", timings)
    print(f"\nUI page timings ({ui['kind']}, {APPLICATIONS} applications), written to {path}:")
    for name, numbers in timings.items():
        print(f"  {name:32s} median {numbers['median_ms']:7.1f} ms  max {numbers['max_ms']:7.1f} ms")
    assert all(numbers["median_ms"] < 5000 for numbers in timings.values())
