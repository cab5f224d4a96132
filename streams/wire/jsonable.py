"""Event values as JSON for Faust tables: datetimes, dates, decimals and bytes survive the trip.

Table values are written to their changelog as JSON; event records hold types JSON lacks, so each
is tagged (`{"$dt": ...}`) on the way in and restored on the way out.
"""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any

_TAGS = ("$dt", "$date", "$dec", "$b64")


def to_jsonable(value: Any) -> Any:
    """`value` with every datetime, date, Decimal and bytes replaced by a tagged JSON object."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, bytes | bytearray):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def from_jsonable(value: Any) -> Any:
    """The inverse of `to_jsonable`."""
    if isinstance(value, list):
        return [from_jsonable(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        tag, text = next(iter(value.items()))
        if tag in _TAGS and isinstance(text, str):
            return _restore(tag, text)
    return {k: from_jsonable(v) for k, v in value.items()}


def _restore(tag: str, text: str) -> Any:
    if tag == "$dt":
        return dt.datetime.fromisoformat(text)
    if tag == "$date":
        return dt.date.fromisoformat(text)
    if tag == "$dec":
        return Decimal(text)
    return base64.b64decode(text)
