"""The correctable fields come from the application schema; values are typed, PII sealed at once."""

from datetime import date
from decimal import Decimal

import pytest

from api.fields import FieldError, correction_value, field_catalogue, field_spec
from infra.crypto import new_key_spec, parse_key_ring
from schemas.pii import decrypt_field

RING = parse_key_ring(new_key_spec())


def test_the_catalogue_holds_the_leaves_of_the_correctable_records_with_their_kinds():
    catalogue = field_catalogue()
    assert catalogue["merchant.ein"].kind == "string"
    assert catalogue["merchant.address.city"].kind == "string"
    assert catalogue["funding.amount_requested"].kind == "decimal"
    assert catalogue["merchant.business_start_date"].kind == "date"
    assert catalogue["bank_statements[].nsf_count"].kind == "long"
    assert catalogue["bank_statements[].reconciled"].kind == "boolean"
    pii = {path for path, spec in catalogue.items() if spec.pii}
    assert pii == {
        "owners[].ssn",
        "owners[].date_of_birth",
        "voided_check.routing_number",
        "voided_check.account_number",
    }


@pytest.mark.parametrize(
    "path",
    [
        "status",
        "application_id",
        "documents[0].filename",
        "merchant",
        "owners[0]",
        "bank_statements[0].document_id",
        "bank_statements[0].mca_positions",
        "owners[100].name",
        "owners.name",
        "merchant..ein",
        "Merchant.ein",
        "",
    ],
)
def test_paths_outside_the_catalogue_are_refused(path):
    with pytest.raises(FieldError):
        field_spec(path)


def test_values_become_the_types_of_the_correction_union():
    assert correction_value("funding.amount_requested", "50000", ring=RING) == Decimal("50000.00")
    assert correction_value("funding.amount_requested", 1250.5, ring=RING) == Decimal("1250.50")
    assert correction_value("merchant.business_start_date", "2015-05-11", ring=RING) == date(2015, 5, 11)
    assert correction_value("bank_statements[1].nsf_count", 3, ring=RING) == 3
    assert correction_value("bank_statements[0].reconciled", True, ring=RING) is True
    assert correction_value("merchant.ein", " 12-3456789 ", ring=RING) == "12-3456789"
    assert correction_value("merchant.dba_name", None, ring=RING) is None


def test_pii_is_sealed_for_its_field_and_masked():
    sealed = correction_value("owners[0].ssn", "123-45-6789", ring=RING)
    assert sealed["masked"] == "***-**-6789" and b"6789" not in sealed["ciphertext"]
    assert decrypt_field(RING, sealed, field="ssn") == "123-45-6789"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("funding.amount_requested", "lots"),
        ("funding.amount_requested", True),
        ("funding.amount_requested", "1e30"),
        ("merchant.business_start_date", "11/05/2015"),
        ("bank_statements[0].nsf_count", 2.5),
        ("bank_statements[0].nsf_count", True),
        ("bank_statements[0].reconciled", "yes"),
        ("merchant.ein", 123456789),
        ("owners[0].ssn", "  "),
    ],
)
def test_values_that_do_not_fit_are_refused(path, value):
    with pytest.raises(FieldError):
        correction_value(path, value, ring=RING)
