"""Finding messages in .eml files, mbox files and folders."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

from ingest.files import collect_sources


def message(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "a@broker.example"
    msg["Subject"] = subject
    msg.set_content("body")
    return msg


def test_folders_are_walked_recursively_in_sorted_order_with_mbox_messages_expanded(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.eml").write_bytes(message("two").as_bytes())
    (tmp_path / "1.eml").write_bytes(message("one").as_bytes())
    (tmp_path / "notes.txt").write_text("not mail")
    box = mailbox.mbox(tmp_path / "a.mbox")
    box.add(message("mbox-1"))
    box.add(message("mbox-2"))
    box.close()

    sources, failures = collect_sources([tmp_path])

    assert failures == []
    assert [Path(s.label).name for s in sources] == ["1.eml", "a.mbox#1", "a.mbox#2", "2.eml"]
    assert b"Subject: mbox-2" in sources[2].read()
    assert sources[0].read() == (tmp_path / "1.eml").read_bytes()


def test_a_named_file_without_known_suffix_is_one_message_and_a_missing_path_fails(tmp_path: Path) -> None:
    named = tmp_path / "message"
    named.write_bytes(message("x").as_bytes())

    sources, failures = collect_sources([named, tmp_path / "absent.eml"])

    assert [s.label for s in sources] == [str(named)]
    assert [f.status for f in failures] == ["failed"]
