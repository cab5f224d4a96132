"""ETags of applications and If-Match preconditions, pure.

An application's ETag is its version, quoted (`"7"`). A command (correction, review) must carry
`If-Match` with the ETag it was made against: missing -> 428, not the current version -> 412
(someone else changed the application since it was read). Weak ETags (`W/"7"`) compare by their
value; `*` matches whatever version is current.
"""

from __future__ import annotations


class PreconditionRequiredError(Exception):
    """No If-Match header: the command does not say which version it was made against (428)."""


class PreconditionFailedError(Exception):
    """If-Match names no current version: the application changed since it was read (412)."""


def etag_of(version: int) -> str:
    """The strong ETag of application version `version`."""
    return f'"{version}"'


def etag_versions(header: str) -> list[int | None]:
    """The versions an If-Match header lists (None for `*`); entries that are no ETag of ours are left out."""
    versions: list[int | None] = []
    for item in header.split(","):
        tag = item.strip()
        if tag == "*":
            versions.append(None)
            continue
        if tag.startswith("W/"):
            tag = tag[2:]
        if len(tag) >= 3 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
            versions.append(int(tag[1:-1]))
    return versions


def expected_version(if_match: str | None, current_version: int) -> int:
    """The version a command was made against, given its If-Match header and the current version.

    Raises PreconditionRequiredError without a header and PreconditionFailedError when the header
    names no current version.
    """
    if if_match is None or not if_match.strip():
        raise PreconditionRequiredError("If-Match with the application's ETag is required")
    for version in etag_versions(if_match):
        if version is None or version == current_version:
            return current_version
    raise PreconditionFailedError(f"the application is at version {current_version}")
