"""The commands a person sends about one application, built against the version they saw: what the
API's correction and review routes and the web UI's review queue send alike. Each maker returns
`make(expected_version) -> command value` for `api.routes.corrections.submit_command`, which calls
it once the If-Match precondition held (pure apart from the command id; PII sealed on the way).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.fields import correction_value, field_spec
from api.services.commands import command
from infra.crypto import KeyRing

CommandMaker = Callable[[int], dict[str, Any]]


def correction_maker(
    *, application_id: str, actor: str, field: str, value: Any, reason: str | None, ring: KeyRing
) -> CommandMaker:
    """A correct_field command setting `field` to `value` (typed, PII encrypted with `ring`).

    The maker raises api.fields.FieldError when the field is not correctable or the value does
    not fit it."""

    def make(expected_version: int) -> dict[str, Any]:
        typed = correction_value(field, value, ring=ring)
        return command(
            command_type="correct_field",
            application_id=application_id,
            actor=actor,
            expected_version=expected_version,
            field=field,
            value=typed,
            reason=reason,
        )

    return make


def discard_maker(*, application_id: str, actor: str, field: str, reason: str | None) -> CommandMaker:
    """A discard_correction command dropping the human correction of `field`, so the extracted value
    applies again. The maker raises api.fields.FieldError when the field is not correctable."""

    def make(expected_version: int) -> dict[str, Any]:
        field_spec(field)
        return command(
            command_type="discard_correction",
            application_id=application_id,
            actor=actor,
            expected_version=expected_version,
            field=field,
            reason=reason,
        )

    return make


def review_maker(*, application_id: str, actor: str, decision: str, note: str | None) -> CommandMaker:
    """A review command recording `decision` (approve or reject) with the reviewer's note."""

    def make(expected_version: int) -> dict[str, Any]:
        return command(
            command_type="review",
            application_id=application_id,
            actor=actor,
            expected_version=expected_version,
            decision=decision,
            reason=note,
        )

    return make
