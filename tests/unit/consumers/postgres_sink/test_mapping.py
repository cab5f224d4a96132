"""Mapping an mca.application value to projection rows: keys, flattening, PII kept encrypted."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from consumers.postgres_sink.mapping import (
    UnprojectableError,
    encrypted_value,
    json_value,
    project_application,
)
from infra.crypto import new_key_spec, parse_key_ring
from schemas.db.projection import APPLICATION_TABLES
from schemas.examples import example_value
from schemas.pii import decrypt_field, encrypt_field

SSN = "123-45-6789"
ACCOUNT = "6700036911"


def application() -> dict:
    return example_value("mca.application")


def test_example_application_gives_rows_for_every_table_keyed_by_its_content_ids():
    value = application()
    projected = project_application(value)

    assert set(projected.rows) == set(APPLICATION_TABLES)
    assert projected.application_id == value["application_id"] and projected.version == 2
    [row] = projected.rows["applications"]
    assert row["status"] == "review_required" and row["version"] == 2
    assert row["submission_id"] == value["submission"]["submission_id"]
    assert row["bank_total_deposits"] == Decimal("42388.80") and row["bank_months_covered"] == 1
    assert row["voided_check_account_number_masked"] == "******6911"
    [submission] = projected.rows["submissions"]
    assert submission["submission_id"] == value["submission"]["submission_id"]
    assert projected.rows["merchants"][0]["address_city"] == "Springfield"
    assert projected.rows["funding_requests"][0]["amount_requested"] == Decimal("50000.00")
    assert [(o["application_id"], o["position"]) for o in projected.rows["owners"]] == [
        (value["application_id"], 0)
    ]
    assert [d["document_id"] for d in projected.rows["documents"]] == [value["documents"][0]["document_id"]]
    assert projected.rows["documents"][0]["blob_uri"] == value["documents"][0]["blob"]["uri"]
    [position] = projected.rows["mca_positions"]
    assert (position["statement_position"], position["position"], position["lender"]) == (0, 0, "EXAMPLE CAP")
    [field] = projected.rows["field_provenance"]
    assert (field["path"], field["page"], field["box_x0"]) == ("merchant.ein", 1, 0.61)


def test_mapping_the_same_value_twice_gives_equal_rows():
    assert project_application(application()) == project_application(application())


def test_pii_is_kept_as_key_id_ciphertext_and_mask_and_still_decrypts():
    ring = parse_key_ring(new_key_spec("k7"))
    value = application()
    value["owners"][0]["ssn"] = encrypt_field(ring, SSN, field="ssn")
    value["voided_check"]["account_number"] = encrypt_field(ring, ACCOUNT, field="account_number")

    projected = project_application(value)

    owner = projected.rows["owners"][0]
    assert owner["ssn_key_id"] == "k7" and owner["ssn_masked"] == "***-**-6789"
    assert decrypt_field(ring, encrypted_value(owner, "ssn"), field="ssn") == SSN
    app = projected.rows["applications"][0]
    stored = encrypted_value(app, "voided_check_account_number")
    assert decrypt_field(ring, stored, field="account_number") == ACCOUNT
    every_value = repr(projected.rows)
    assert SSN not in every_value and "123456789" not in every_value and ACCOUNT not in every_value


def test_a_ssn_in_clear_is_refused_rather_than_stored():
    value = application()
    value["owners"][0]["ssn"] = SSN
    with pytest.raises(UnprojectableError, match="ssn"):
        project_application(value)


def test_application_without_a_readable_form_has_no_merchant_funding_or_owner_rows():
    value = application()
    value.update(merchant=None, funding=None, owners=[], bank_statements=[], bank_summary=None,
                 voided_check=None, fields=[])
    projected = project_application(value)
    for table in ("merchants", "funding_requests", "owners", "bank_statements", "mca_positions",
                  "field_provenance"):
        assert projected.rows[table] == ()
    row = projected.rows["applications"][0]
    assert row["bank_gap_months"] is None and row["voided_check_account_number_key_id"] is None


def test_statements_and_positions_are_keyed_by_their_place_in_the_application():
    value = application()
    second = dict(value["bank_statements"][0], document_id="e" * 64,
                  mca_positions=[{"lender": "A CAP", "frequency": "weekly", "amount": Decimal("1.00"),
                                  "occurrences": None},
                                 {"lender": "B CAP", "frequency": "daily", "amount": Decimal("2.00"),
                                  "occurrences": 3}])
    value["bank_statements"].append(second)
    rows = project_application(value).rows
    assert [(s["position"], s["document_id"]) for s in rows["bank_statements"]] == [
        (0, value["bank_statements"][0]["document_id"]), (1, "e" * 64)
    ]
    assert [(p["statement_position"], p["position"], p["document_id"]) for p in rows["mca_positions"]] == [
        (0, 0, value["bank_statements"][0]["document_id"]), (1, 0, "e" * 64), (1, 1, "e" * 64)
    ]


def test_findings_and_corrections_are_json_safe_and_keep_their_types():
    ring = parse_key_ring(new_key_spec())
    value = application()
    value["corrections"].append(dict(value["corrections"][0], path="owners[0].ssn",
                                     value=encrypt_field(ring, SSN, field="ssn")))
    row = project_application(value).rows["applications"][0]

    assert json.loads(json.dumps(row["corrections"])) == row["corrections"]
    first, second = row["corrections"]
    assert (first["value_type"], first["value"]) == ("decimal", "50000.00")
    assert first["at"] == "2025-03-04T15:30:12.345000+00:00"
    assert second["value_type"] == "encrypted" and second["value"]["masked"] == "***-**-6789"
    assert SSN not in json.dumps(second)
    assert row["review_reasons"] == [{"code": "statements_missing", "field": None, "document_id": None,
                                      "message": "Only one bank statement was attached."}]


@pytest.mark.parametrize(("value", "expected"), [
    (None, (None, None)), (True, ("boolean", True)), (7, ("long", 7)), (0.5, ("double", 0.5)),
    (Decimal("3"), ("decimal", "3.00")), (date(2024, 2, 29), ("date", "2024-02-29")),
    ("12-3456789", ("string", "12-3456789")),
])
def test_correction_values_become_typed_json(value, expected):
    assert json_value(value) == expected


def test_timestamps_given_as_epoch_milliseconds_become_aware_utc():
    value = application()
    value["updated_at"] = 1_741_102_212_345
    row = project_application(value).rows["applications"][0]
    assert row["updated_at"] == datetime(2025, 3, 4, 15, 30, 12, 345000, tzinfo=UTC)


def test_a_value_missing_required_fields_is_unprojectable():
    value = application()
    del value["submission"]
    with pytest.raises(UnprojectableError):
        project_application(value)
