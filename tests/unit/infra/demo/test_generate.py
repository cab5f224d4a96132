"""A generated demo set: documents as their truth describes them, the samples contract, reproducible bytes."""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from infra.demo import generate_demo_set, numbers
from infra.demo.commands import demo_data_command
from tests.unit.infra.demo.demo_reader import attachments

SEED, N = 3, 8
MONEY = re.compile(r"-?\d+\.\d{2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo_set(out, N, SEED)
    return out


def _truths(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.truth.json"))]


def test_each_submission_has_a_truth_file_named_by_its_case_id(demo_dir: Path) -> None:
    emls = sorted(demo_dir.glob("*.eml"))
    assert [p.stem for p in emls] == [f"{i:03d}" for i in range(1, N + 1)]
    assert [t["case_id"] for t in _truths(demo_dir)] == [p.stem for p in emls]


def test_every_attachment_is_what_its_truth_entry_says(demo_dir: Path) -> None:
    for truth in _truths(demo_dir):
        found = attachments(demo_dir / f"{truth['case_id']}.eml")
        assert [name for name, _ in found] == [d["filename"] for d in truth["documents"]]
        for (name, data), doc in zip(found, truth["documents"], strict=True):
            _assert_document(name, data, doc)


def _assert_document(name: str, data: bytes, doc: dict) -> None:
    if doc["doc_type"] == "invalid":
        assert doc["pages"] == 0
        if name.lower().endswith(".png"):
            with pytest.raises(Image.DecompressionBombError):
                Image.open(io.BytesIO(data))
        else:
            with pytest.raises(pdfium.PdfiumError):
                pdfium.PdfDocument(data)
    elif name.lower().endswith(".pdf"):
        pdf = pdfium.PdfDocument(data)
        assert len(pdf) == doc["pages"], name
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(min(len(pdf), 2)))
        assert bool(text.strip()) is not doc["raster"], name
    else:
        Image.open(io.BytesIO(data)).load()
        assert doc["raster"] and doc["pages"] == 1


def test_truth_values_follow_the_samples_conventions(demo_dir: Path) -> None:
    for truth in _truths(demo_dir):
        merchant = truth["merchant"]
        if merchant:
            assert numbers.is_valid_ein(merchant["ein"])
            assert MONEY.fullmatch(merchant["annual_revenue"]) and DATE.fullmatch(
                merchant["business_start_date"]
            )
            assert re.fullmatch(r"\+1\d{10}", merchant["phone"]) and len(merchant["address"]["state"]) == 2
            assert MONEY.fullmatch(truth["funding"]["amount_requested"])
            assert sum(float(o["ownership_pct"]) for o in truth["owners"]) <= 100
            assert all(numbers.is_valid_ssn(o["ssn"]) for o in truth["owners"])
        else:
            assert truth["funding"] is None and truth["owners"] == []
        for s in truth["bank_statements"]:
            assert all(
                MONEY.fullmatch(s[k])
                for k in (
                    "beginning_balance",
                    "ending_balance",
                    "total_deposits",
                    "total_withdrawals",
                    "average_daily_balance",
                )
            )
            assert len(s["account_last4"]) == 4 and s["period_start"] < s["period_end"]
            assert all(p["frequency"] in ("daily", "weekly") for p in s["mca_positions"])
        if truth["voided_check"]:
            assert numbers.is_valid_aba(truth["voided_check"]["routing_number"])


def test_balanced_statements_reconcile_and_only_a_flagged_one_does_not(demo_dir: Path) -> None:
    for truth in _truths(demo_dir):
        for s in truth["bank_statements"]:
            computed = (
                float(s["beginning_balance"]) + float(s["total_deposits"]) - float(s["total_withdrawals"])
            )
            balanced = abs(computed - float(s["ending_balance"])) < 0.005
            assert balanced or "[edge:unreconciled_balance]" in truth["notes"]


def test_emails_come_from_the_iso_and_go_to_the_funder_inbox(demo_dir: Path) -> None:
    for truth in _truths(demo_dir):
        msg = email.message_from_bytes(
            (demo_dir / f"{truth['case_id']}.eml").read_bytes(), policy=email.policy.default
        )
        assert (
            msg["Message-ID"].strip() == truth["email"]["message_id"]
        )  # long ids are folded, as Outlook does
        assert msg["From"].addresses[0].addr_spec == truth["email"]["from"]
        assert msg["To"].addresses[0].addr_spec == "submissions@mca.localhost"
        assert msg["Subject"] == truth["email"]["subject"]


def test_the_resend_and_the_other_isos_copy_point_back_at_earlier_cases(demo_dir: Path) -> None:
    truths = _truths(demo_dir)
    dup = next(t for t in truths if t["expected_outcome"] == "duplicate")
    original = next(t for t in truths if t["email"]["message_id"] == dup["email"]["message_id"])
    assert original["case_id"] < dup["case_id"]
    assert (demo_dir / f"{dup['case_id']}.eml").read_bytes() != (
        demo_dir / f"{original['case_id']}.eml"
    ).read_bytes()
    copy = next(t for t in truths if "[edge:other_iso]" in t["notes"])
    earlier = [
        t
        for t in truths
        if t["case_id"] < copy["case_id"]
        and t["merchant"]
        and t["merchant"]["ein"] == copy["merchant"]["ein"]
    ]
    assert earlier and all(
        t["email"]["from"].split("@")[1] != copy["email"]["from"].split("@")[1] for t in earlier
    )
    assert copy["expected_outcome"] == "review_required"


def test_the_scorer_rates_truth_as_a_perfect_prediction(
    demo_dir: Path, shared_dir: Path, tmp_path: Path
) -> None:
    for truth in demo_dir.glob("*.truth.json"):
        shutil.copy(truth, tmp_path / truth.name.replace(".truth.json", ".json"))
    out = subprocess.run(
        [sys.executable, str(shared_dir / "tools" / "score.py"), str(tmp_path), str(demo_dir), "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    s = json.loads(out.stdout)
    assert s["missing_predictions"] == 0
    assert s["documents"]["accuracy"] == 1.0 and s["documents"]["extra_predicted_documents"] == 0
    assert s["fields"]["overall"] == 1.0 and s["bank_statements"]["overall"] == 1.0
    mca = s["bank_statements"]["mca_positions"]
    assert mca["fp"] == 0 and mca["fn"] == 0
    assert s["voided_check"]["routing_number"] in (1.0, None) and s["voided_check"]["account_number"] in (
        1.0,
        None,
    )
    assert s["outcome"]["accuracy_all"] == 1.0


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    first = generate_demo_set(tmp_path / "a", 2, 11)
    second = generate_demo_set(tmp_path / "b", 2, 11)
    other = generate_demo_set(tmp_path / "c", 1, 12)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
        truth = a.name.replace(".eml", ".truth.json")
        assert (a.parent / truth).read_bytes() == (b.parent / truth).read_bytes()
    assert first[0].read_bytes() != other[0].read_bytes()


def test_demo_data_command_writes_the_set_and_sums_it_up(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("demo-data")(demo_data_command)
    app.command("other")(lambda: None)  # two commands, so typer keeps the sub-command name
    result = CliRunner().invoke(app, ["demo-data", str(tmp_path / "set"), "--n", "2", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 submissions" in result.output and "processed 2" in result.output
    assert len(list((tmp_path / "set").glob("*.truth.json"))) == 2
