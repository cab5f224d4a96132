"""Commands underwriters send about an application: corrections, review decisions, reprocessing."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

FIELD_PATH_EXAMPLES = ["merchant.ein", "funding.amount_requested", "owners[0].ssn"]


class CorrectionRequest(BaseModel):
    """Set one field to a value a person checked (null clears it); sent with If-Match."""

    field: str = Field(min_length=1, max_length=200, examples=FIELD_PATH_EXAMPLES)
    value: str | int | float | bool | None = Field(
        description='Money as "1250.00", dates as "2025-03-04", counts as integers, anything else as text.'
    )
    reason: str | None = Field(default=None, max_length=2000)


class DiscardRequest(BaseModel):
    """Drop a human correction so the extracted value applies again; sent with If-Match."""

    field: str = Field(min_length=1, max_length=200, examples=FIELD_PATH_EXAMPLES)
    reason: str | None = Field(default=None, max_length=2000)


class ReviewRequest(BaseModel):
    """A reviewer's sign-off; sent with If-Match."""

    decision: Literal["approve", "reject"]
    note: str | None = Field(default=None, max_length=2000)


class ReprocessRequest(BaseModel):
    """Run the pipeline again (e.g. after the extractor improved); human corrections are kept."""

    reason: str | None = Field(default=None, max_length=2000)


class CommandAccepted(BaseModel):
    """A command is on its way but the application does not show it yet: poll `location`."""

    command_id: str
    application_id: str
    type: str
    expected_version: int | None = None
    location: str
