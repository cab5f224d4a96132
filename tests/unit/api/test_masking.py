"""PII is masked unless revealed; revealed paths are remembered for the audit record."""

import base64

from api.masking import PiiPresenter, masked_only
from infra.crypto import new_key_spec, parse_key_ring
from schemas.pii import decrypt_field, encrypt_field

RING = parse_key_ring(new_key_spec())


def decrypt(sealed, path):
    return decrypt_field(RING, sealed, field=path)


def test_without_reveal_only_the_mask_is_answered_and_nothing_is_recorded():
    presenter = PiiPresenter(reveal=False, decrypt=decrypt)
    shown = presenter.field(encrypt_field(RING, "123-45-6789", field="ssn"), path="owners[0].ssn")
    assert shown == {"masked": "***-**-6789", "value": None}
    assert presenter.revealed == []


def test_with_reveal_the_clear_value_is_answered_and_its_path_recorded():
    presenter = PiiPresenter(reveal=True, decrypt=decrypt)
    shown = presenter.field(encrypt_field(RING, "123-45-6789", field="ssn"), path="owners[0].ssn")
    assert shown == {"masked": "***-**-6789", "value": "123-45-6789"}
    assert presenter.revealed == ["owners[0].ssn"]


def test_a_value_that_does_not_decrypt_stays_masked_and_is_not_counted_as_read():
    presenter = PiiPresenter(reveal=True, decrypt=decrypt)
    foreign = encrypt_field(parse_key_ring(new_key_spec("other")), "987-65-4321", field="ssn")
    assert presenter.field(foreign, path="owners[0].ssn") == {"masked": "***-**-4321", "value": None}
    assert presenter.revealed == [] and presenter.unreadable == ["owners[0].ssn"]


def test_a_ciphertext_pasted_into_another_field_does_not_open():
    presenter = PiiPresenter(reveal=True, decrypt=decrypt)
    ssn = encrypt_field(RING, "123-45-6789", field="ssn")
    assert presenter.field(ssn, path="owners[0].date_of_birth")["value"] is None


def test_absent_pii_stays_absent():
    assert PiiPresenter(reveal=True, decrypt=decrypt).field(None, path="owners[0].ssn") is None
    assert masked_only(None) is None


def test_an_encrypted_correction_from_the_json_column_is_presented_like_any_pii():
    sealed = encrypt_field(RING, "6700036911", field="account_number")
    stored = {
        "key_id": sealed["key_id"],
        "masked": sealed["masked"],
        "ciphertext": base64.b64encode(sealed["ciphertext"]).decode(),
    }
    masked = PiiPresenter(reveal=False, decrypt=decrypt)
    assert masked.correction_value("encrypted", stored, path="voided_check.account_number") == {
        "masked": "******6911",
        "value": None,
    }
    clear = PiiPresenter(reveal=True, decrypt=decrypt)
    assert (
        clear.correction_value("encrypted", stored, path="voided_check.account_number")["value"]
        == "6700036911"
    )
    assert clear.correction_value("decimal", "10.00", path="funding.amount_requested") == "10.00"
