"""Checking credentials costs one Argon2 verification whether the account exists, is inactive or has
another password, so the time taken is no oracle for who has an account."""

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from api.security import hash_password
from api.services.users import credentials_match
from schemas.db.records import User

PASSWORD = "a long test password"


def user(*, active: bool = True) -> User:
    now = datetime.now(UTC)
    return User(email="someone@example.test", password_hash=hash_password(PASSWORD), role="analyst",
                is_active=active, created_at=now, updated_at=now)


def median_seconds(check: Callable[[], bool], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        check()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def test_only_an_active_user_with_the_right_password_matches():
    assert credentials_match(user(), PASSWORD)
    assert not credentials_match(user(), "another password")
    assert not credentials_match(user(active=False), PASSWORD)
    assert not credentials_match(None, PASSWORD)


def test_an_unknown_or_inactive_account_takes_as_long_as_a_wrong_password():
    known, inactive = user(), user(active=False)
    credentials_match(None, PASSWORD)  # the decoy hash is made once per process, not per check
    wrong = median_seconds(lambda: credentials_match(known, "another password"))
    unknown = median_seconds(lambda: credentials_match(None, "another password"))
    deactivated = median_seconds(lambda: credentials_match(inactive, PASSWORD))
    assert 0.6 < unknown / wrong < 1.6 and 0.6 < deactivated / wrong < 1.6
