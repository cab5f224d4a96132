"""Reading aioimaplib responses: UID lists, fetched literals, refusals."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ingest.imap_protocol import (
    ImapError,
    checked,
    fetched_literal,
    parse_uids,
    quote_mailbox,
    search_criteria,
)


def test_uids_are_read_from_search_lines_with_or_without_the_keyword() -> None:
    lines = [b"SEARCH 3 1 20", b"5", b"Search completed (0.001 + 0.000 secs)."]

    assert parse_uids(lines) == [1, 3, 5, 20]
    assert parse_uids([b"SEARCH", b"Search completed."]) == []


def test_fetched_literal_is_the_message_and_absent_when_expunged() -> None:
    lines = [b"1 FETCH (UID 7 BODY[] {5}", bytearray(b"hello"), b")", b"Fetch completed."]

    assert fetched_literal(lines) == b"hello"
    assert fetched_literal([b"Fetch completed."]) is None


def test_a_refused_command_raises() -> None:
    assert checked(SimpleNamespace(result="OK", lines=[]), "NOOP").result == "OK"
    with pytest.raises(ImapError, match="SELECT failed"):
        checked(SimpleNamespace(result="NO", lines=[b"Mailbox doesn't exist"]), "SELECT")


def test_unhandled_means_unflagged_or_when_moving_still_in_the_mailbox() -> None:
    assert search_criteria("$McaIngested", moving=False) == "UNDELETED UNKEYWORD $McaIngested"
    assert search_criteria("$McaIngested", moving=True) == "UNDELETED"


def test_mailbox_names_are_sent_as_quoted_strings() -> None:
    assert quote_mailbox("INBOX") == '"INBOX"'
    assert quote_mailbox('Done "2025"') == '"Done \\"2025\\""'
