"""The SMTP door's recipient policy: configured addresses and domains only, never a relay."""

from __future__ import annotations

import pytest

from ingest.recipients import recipient_allowed

ALLOWED = ["submissions@funder.example", "@deals.funder.example"]


@pytest.mark.parametrize(
    "address",
    [
        "submissions@funder.example",
        "Submissions@FUNDER.example",
        "<submissions@funder.example>",
        "anyone@deals.funder.example",
    ],
)
def test_configured_addresses_and_domains_are_accepted(address: str) -> None:
    assert recipient_allowed(address, ALLOWED)


@pytest.mark.parametrize(
    "address",
    [
        "someone@elsewhere.example",
        "other@funder.example",
        "x@sub.deals.funder.example",
        "submissions@funder.example.evil.example",
        "@funder.example:victim@elsewhere.example",
        "a@b@funder.example",
        "postmaster",
        "",
    ],
)
def test_everything_else_is_refused(address: str) -> None:
    assert not recipient_allowed(address, ALLOWED)


def test_no_configured_recipients_refuses_everyone() -> None:
    assert not recipient_allowed("submissions@funder.example", [])
