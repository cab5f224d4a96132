"""ETags carry the application version; If-Match decides whether a command is stale."""

import pytest

from api.etag import (
    PreconditionFailedError,
    PreconditionRequiredError,
    etag_of,
    etag_versions,
    expected_version,
)


def test_the_etag_is_the_quoted_version():
    assert etag_of(7) == '"7"'


def test_if_match_with_the_current_version_gives_that_version():
    assert expected_version('"7"', 7) == 7
    assert expected_version('W/"7"', 7) == 7
    assert expected_version('"5", "7"', 7) == 7
    assert expected_version("*", 9) == 9


def test_a_stale_if_match_fails_the_precondition():
    with pytest.raises(PreconditionFailedError):
        expected_version('"6"', 7)
    with pytest.raises(PreconditionFailedError):
        expected_version("7", 7)  # unquoted: not an ETag
    with pytest.raises(PreconditionFailedError):
        expected_version('"seven"', 7)


@pytest.mark.parametrize("header", [None, "", "   "])
def test_a_command_without_if_match_is_refused_as_unconditional(header):
    with pytest.raises(PreconditionRequiredError):
        expected_version(header, 3)


def test_if_none_match_lists_are_parsed_leaving_foreign_tags_out():
    assert etag_versions('"1", W/"2", "abc", *') == [1, 2, None]
