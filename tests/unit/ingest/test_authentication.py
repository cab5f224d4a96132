"""Verdicts from Authentication-Results headers: only trusted authserv-ids count."""

from __future__ import annotations

from ingest.authentication import UNKNOWN, Verdicts, combine_results, normalize_result, verdicts_from_headers

TRUSTED = ["mx.funder.example"]


def test_trusted_header_gives_spf_dkim_and_dmarc_verdicts() -> None:
    header = (
        "mx.funder.example; spf=pass smtp.mailfrom=iso@broker.example;\r\n"
        " dkim=pass header.d=broker.example header.s=s1; dmarc=pass (p=none) header.from=broker.example"
    )

    verdicts = verdicts_from_headers([header], TRUSTED)

    assert verdicts == Verdicts(
        spf="pass", dkim="pass", dmarc="pass", source="header", authserv_id="mx.funder.example"
    )


def test_header_from_an_untrusted_authserv_id_is_ignored() -> None:
    forged = "mx.attacker.example; spf=pass; dkim=pass; dmarc=pass"

    assert verdicts_from_headers([forged], TRUSTED) == UNKNOWN
    assert UNKNOWN.as_record() == {
        "spf": "unknown",
        "dkim": "unknown",
        "dmarc": "unknown",
        "source": "none",
        "authserv_id": None,
    }


def test_without_trusted_ids_nothing_is_trusted() -> None:
    assert verdicts_from_headers(["mx.funder.example; spf=pass"], []) == UNKNOWN


def test_topmost_trusted_header_wins_and_unparseable_ones_are_skipped() -> None:
    headers = [
        "this is ;; not = a header",
        "MX.Funder.Example; spf=softfail smtp.mailfrom=x@y.example; dkim=fail header.d=y.example",
        "mx.funder.example; spf=pass; dkim=pass; dmarc=pass",
    ]

    verdicts = verdicts_from_headers(headers, TRUSTED)

    assert (verdicts.spf, verdicts.dkim, verdicts.dmarc) == ("softfail", "fail", "unknown")
    assert (verdicts.authserv_id or "").lower() == "mx.funder.example"


def test_one_passing_dkim_signature_among_several_is_a_pass() -> None:
    header = "mx.funder.example; dkim=fail header.d=a.example; dkim=pass header.d=b.example"

    assert verdicts_from_headers([header], TRUSTED).dkim == "pass"


def test_trusted_header_saying_none_leaves_methods_unknown() -> None:
    verdicts = verdicts_from_headers(["mx.funder.example; none"], TRUSTED)

    assert verdicts.source == "header"
    assert (verdicts.spf, verdicts.dkim, verdicts.dmarc) == ("unknown", "unknown", "unknown")


def test_results_outside_the_vocabulary_become_unknown_and_hardfail_is_fail() -> None:
    assert normalize_result("HardFail") == "fail"
    assert normalize_result("weird") == "unknown"
    assert normalize_result(None) == "unknown"
    assert combine_results([]) == "unknown"
    assert combine_results(["temperror", "fail"]) == "temperror"
