"""Pagination cursors are opaque, round-trip exactly, and refuse anything the API did not make."""

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.cursor import Cursor, InvalidCursorError, decode_cursor, encode_cursor


def test_a_cursor_round_trips_to_the_same_sort_key():
    cursor = Cursor(received_at=datetime(2025, 3, 4, 15, 30, 12, 345000, tzinfo=UTC), item_id="a" * 64)
    text = encode_cursor(cursor)
    assert decode_cursor(text) == cursor
    assert "=" not in text and "/" not in text and "+" not in text  # URL-safe as it stands


def test_a_cursor_in_another_zone_is_read_back_in_utc():
    local = datetime(2025, 3, 4, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    decoded = decode_cursor(encode_cursor(Cursor(local, "x")))
    assert decoded.received_at == local and decoded.received_at.tzinfo == UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64 at all!",
        base64.urlsafe_b64encode(b"{}").decode(),
        base64.urlsafe_b64encode(b'["yesterday","x"]').decode(),
        base64.urlsafe_b64encode(b'["2025-03-04T00:00:00","x"]').decode(),  # no zone
        base64.urlsafe_b64encode(b'["2025-03-04T00:00:00+00:00",""]').decode(),
        base64.urlsafe_b64encode(b'["2025-03-04T00:00:00+00:00",7]').decode(),
    ],
)
def test_anything_not_made_by_the_api_is_refused(text):
    with pytest.raises(InvalidCursorError):
        decode_cursor(text)
