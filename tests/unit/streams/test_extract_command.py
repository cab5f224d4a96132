"""`mca extract PATH... [--out DIR]` as an operator runs it: one file prints its application JSON,
several (or a folder) are written one JSON each, in file-name order with one memory of the run."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from infra.cli import app
from streams.extract_commands import input_files

from .edge_submissions import application_and_statement, email, merchant_files

CONTRACT_KEYS = {
    "status",
    "review_reasons",
    "warnings",
    "extractor_version",
    "email",
    "documents",
    "merchant",
    "funding",
    "owners",
    "bank_statements",
    "voided_check",
}


@pytest.fixture(autouse=True)
def one_worker(monkeypatch):
    monkeypatch.setenv("MCA_CPU_POOL_WORKERS", "1")


def run(*args: str):
    return CliRunner().invoke(app, ["extract", *args])


def test_one_email_prints_its_application_json_with_the_contract_fields(tmp_path):
    path = tmp_path / "001.eml"
    path.write_bytes(email(application_and_statement(merchant_files())))
    result = run(str(path))
    assert result.exit_code == 0, result.output
    application = json.loads(result.stdout)
    assert CONTRACT_KEYS <= application.keys()
    assert [(d["filename"], d["doc_type"], d["status"], d["reason"]) for d in application["documents"]] == [
        ("Application.pdf", "iso_application", "read", None),
        ("Statement.pdf", "bank_statement", "read", None),
    ]
    assert application["merchant"]["ein"] == merchant_files().ein


def test_a_folder_is_written_one_json_per_input_in_file_name_order_so_a_later_resend_is_a_duplicate(tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    attachments = application_and_statement(merchant_files())
    (inbox / "b-resend.eml").write_bytes(email(attachments, resent=True))
    (inbox / "a-original.eml").write_bytes(email(attachments))
    (inbox / "a-original.truth.json").write_text("{}")
    result = run(str(inbox), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["a-original.json", "b-resend.json"]
    original = json.loads((out / "a-original.json").read_text())
    resend = json.loads((out / "b-resend.json").read_text())
    assert original["status"] != "duplicate"
    assert (resend["status"], resend["duplicate_of"]) == ("duplicate", original["application_id"])


def test_a_bare_pdf_is_a_submission_of_one_document(tmp_path):
    path = tmp_path / "statement.pdf"
    path.write_bytes(merchant_files().statement)
    result = run(str(path))
    assert result.exit_code == 0, result.output
    application = json.loads(result.stdout)
    assert [(d["filename"], d["doc_type"]) for d in application["documents"]] == [
        ("statement.pdf", "bank_statement")
    ]
    assert "application_missing" in application["review_reasons"]


def test_several_inputs_need_an_output_folder(tmp_path):
    for name in ("1.eml", "2.eml"):
        (tmp_path / name).write_bytes(email([]))
    result = run(str(tmp_path / "1.eml"), str(tmp_path / "2.eml"))
    assert result.exit_code != 0
    assert "--out" in result.output


def test_a_missing_path_is_refused(tmp_path):
    result = run(str(tmp_path / "nowhere.eml"))
    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_inputs_are_taken_in_file_name_order_and_folders_keep_only_emails_pdfs_and_images(tmp_path):
    for name in ("b.eml", "a.pdf", "c.png", "notes.txt", "a.truth.json"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in input_files([tmp_path])] == ["a.pdf", "b.eml", "c.png"]
