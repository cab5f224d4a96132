"""Reading applications over HTTP on PostgreSQL and SQLite: filters, pagination, detail with provenance
and history, PII only for `pii:read` (and then audited), ETags, document downloads (logged)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from infra.crypto import new_key_spec, parse_key_ring
from infra.database import make_engine
from infra.object_store import LocalObjectStore
from schemas.db.projection import Document
from schemas.db.records import AccessRecord, AuditRecord
from schemas.examples import RECEIVED_AT
from tests.integration.api.api_support import (
    ACCOUNT,
    SSN,
    api_settings,
    application_value,
    make_callers,
    seed,
    serving,
)
from tests.integration.consumers.postgres_sink_support import fresh_database

APPLICATIONS = 30
API = "/api/v1"


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def api(request, tmp_path_factory, kafka_bootstrap):
    """A seeded database of its own kind, the API serving it, and a caller per role."""
    tmp = tmp_path_factory.mktemp(f"api-{request.param}")
    spec = new_key_spec()
    ring = parse_key_ring(spec)
    with fresh_database(request.param, lambda: request.getfixturevalue("postgres_url"), tmp) as url:
        values = [application_value(index, ring) for index in range(APPLICATIONS)]
        seed(url, values)
        store = LocalObjectStore(tmp / "objects", ring)
        stored = store.put("documents/first.pdf", b"%PDF-1.7 original bytes of the first document")
        engine = make_engine(url, poolclass=NullPool)
        with engine.begin() as connection:
            connection.execute(
                update(Document)
                .where(Document.document_id == values[0]["documents"][0]["document_id"])
                .values(blob_uri=stored.uri, filename="März statement.pdf")
            )
        engine.dispose()
        settings = api_settings(
            url,
            tmp / "home",
            spec,
            kafka_bootstrap=kafka_bootstrap,
            object_store_url=(tmp / "objects").as_uri(),
        )
        with serving(settings) as base_url:
            yield {"url": url, "base": base_url, "values": values, "callers": make_callers(url, base_url)}


def get(api, path, role="admin", **kwargs):
    return httpx.get(f"{api['base']}{API}{path}", headers=api["callers"].headers[role], timeout=30, **kwargs)


def audit_records(url, action):
    engine = make_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))
    finally:
        engine.dispose()


def test_the_list_is_newest_first_and_pages_through_every_application_exactly_once(api):
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = get(api, "/applications", params=params).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [item["application_id"] for item in seen] == [
        value["application_id"]
        for value in sorted(api["values"], key=lambda v: v["received_at"], reverse=True)
    ]
    assert seen[0]["merchant_name"] == f"Merchant {APPLICATIONS - 1} LLC"


def test_filters_narrow_the_list_by_status_dates_iso_merchant_name_and_ein(api):
    def ids(**params):
        return {item["application_id"] for item in get(api, "/applications", params=params).json()["items"]}

    values = api["values"]
    assert ids(status="rejected") == {v["application_id"] for v in values if v["status"] == "rejected"}
    window = {
        "received_from": (RECEIVED_AT + timedelta(minutes=5)).isoformat(),
        "received_to": (RECEIVED_AT + timedelta(minutes=8)).isoformat(),
    }
    assert ids(**window) == {values[i]["application_id"] for i in (5, 6, 7)}
    assert ids(iso_broker="ISO1.example") == {
        v["application_id"] for v in values if v["iso_broker"] == "iso1.example"
    }
    assert ids(merchant="merchant 1") == {values[i]["application_id"] for i in [1] + list(range(10, 20))}
    assert ids(merchant="shop 2_") == set()  # the underscore is a character, not a wildcard
    ein = values[12]["merchant"]["ein"]
    assert ids(ein=ein.replace("-", "")) == {values[12]["application_id"]}
    assert ids(status="processed", iso_broker="iso0.example") == {
        v["application_id"]
        for v in values
        if v["status"] == "processed" and v["iso_broker"] == "iso0.example"
    }


def test_a_cursor_not_made_by_the_api_is_a_bad_request(api):
    assert get(api, "/applications", params={"cursor": "bm90IGEgY3Vyc29y"}).status_code == 400


def test_the_detail_carries_merchant_owners_funding_statements_provenance_history_and_its_etag(api):
    value = api["values"][3]
    answer = get(api, f"/applications/{value['application_id']}", role="analyst")
    assert answer.status_code == 200 and answer.headers["etag"] == '"1"'
    detail = answer.json()
    assert detail["merchant"]["legal_name"] == "Merchant 3 LLC"
    assert detail["merchant"]["address"]["city"] == "Springfield"
    assert detail["funding"]["amount_requested"] == "10003.00"
    assert detail["owners"][0]["name"] == "Pat Example"
    statement = detail["bank_statements"][0]
    assert (
        statement["mca_positions"][0]["lender"] == "EXAMPLE CAP" and statement["total_deposits"] == "42388.80"
    )
    assert detail["bank_summary"]["months_covered"] == 1
    [provenance] = detail["fields"]
    assert (
        provenance["path"] == "merchant.ein" and provenance["page"] == 1 and provenance["confidence"] == 0.97
    )
    assert provenance["box"] == {"x0": 0.61, "y0": 0.12, "x1": 0.78, "y1": 0.14}
    assert provenance["document_id"] == value["documents"][0]["document_id"]
    assert [event["type"] for event in detail["history"]] == [
        "application.received",
        f"application.{value['status']}",
    ]
    assert detail["documents"][0]["download_url"].endswith("/content")
    assert detail["corrections"][0]["path"] == "funding.amount_requested"


def test_if_none_match_with_the_current_version_is_not_modified(api):
    value = api["values"][4]
    answer = httpx.get(
        f"{api['base']}{API}/applications/{value['application_id']}",
        headers={**api["callers"].headers["partner"], "If-None-Match": '"1"'},
    )
    assert answer.status_code == 304 and answer.headers["etag"] == '"1"'


@pytest.mark.parametrize("role", ["analyst", "partner"])
def test_roles_without_pii_read_see_only_masks_and_leave_no_pii_audit(api, role):
    value = api["values"][5]
    before = len(audit_records(api["url"], "pii.read"))
    answer = get(api, f"/applications/{value['application_id']}", role=role)
    assert answer.status_code == 200
    owner, check = answer.json()["owners"][0], answer.json()["voided_check"]
    assert owner["ssn"] == {"masked": "***-**-6789", "value": None}
    assert owner["date_of_birth"] == {"masked": "****-**-**", "value": None}
    assert check["account_number"] == {"masked": "******6911", "value": None}
    assert SSN not in answer.text and ACCOUNT not in answer.text
    assert len(audit_records(api["url"], "pii.read")) == before


def test_a_partner_api_key_reads_masked_applications(api):
    value = api["values"][6]
    answer = httpx.get(
        f"{api['base']}{API}/applications/{value['application_id']}",
        headers={"X-API-Key": api["callers"].partner_key},
    )
    assert answer.status_code == 200 and SSN not in answer.text


@pytest.mark.parametrize("role", ["admin", "underwriter"])
def test_roles_with_pii_read_see_pii_in_clear_and_each_read_is_audited(api, role):
    value = api["values"][7]
    answer = get(api, f"/applications/{value['application_id']}", role=role)
    owner, check = answer.json()["owners"][0], answer.json()["voided_check"]
    assert owner["ssn"]["value"] == SSN and owner["date_of_birth"]["value"] == "1958-10-24"
    assert check["account_number"]["value"] == ACCOUNT and check["routing_number"]["value"] == "021000021"
    records = [
        r
        for r in audit_records(api["url"], "pii.read")
        if r.target_id == value["application_id"] and r.actor_role == role
    ]
    assert len(records) == 1
    assert set(records[0].detail["fields"]) == {
        "owners[0].ssn",
        "owners[0].date_of_birth",
        "voided_check.routing_number",
        "voided_check.account_number",
    }
    assert SSN not in str(records[0].detail)
    masked = get(api, f"/applications/{value['application_id']}", role=role, params={"reveal_pii": "false"})
    assert SSN not in masked.text


def test_an_unknown_application_is_not_found(api):
    assert get(api, f"/applications/{uuid.uuid4().hex}").status_code == 404


def test_a_document_download_streams_the_original_bytes_and_is_logged(api):
    document_id = api["values"][0]["documents"][0]["document_id"]
    answer = get(api, f"/documents/{document_id}/content", role="underwriter")
    assert answer.status_code == 200 and answer.content == b"%PDF-1.7 original bytes of the first document"
    assert answer.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''M%C3%A4rz%20statement.pdf" in answer.headers["content-disposition"]
    assert (
        get(api, f"/documents/{document_id}/download-url").status_code == 409
    )  # a local store cannot presign
    missing = get(api, f"/documents/{'0' * 64}/content")
    assert missing.status_code == 404
    engine = make_engine(api["url"], poolclass=NullPool)
    with Session(engine) as session:
        rows = list(session.scalars(select(AccessRecord).order_by(AccessRecord.id)))
    engine.dispose()
    logged = [(row.resource_id, row.status_code, row.actor is not None) for row in rows]
    assert (document_id, 200, True) in logged and (document_id, 409, True) in logged
    assert ("0" * 64, 404, True) in logged


def test_only_callers_with_pii_read_may_download_originals_which_show_pii_in_clear(api):
    document_id = api["values"][0]["documents"][0]["document_id"]
    for role in ("analyst", "partner"):
        for route in ("content", "download-url"):
            assert get(api, f"/documents/{document_id}/{route}", role=role).status_code == 403, (role, route)
    for role in ("admin", "underwriter"):
        assert get(api, f"/documents/{document_id}/content", role=role).status_code == 200, role
