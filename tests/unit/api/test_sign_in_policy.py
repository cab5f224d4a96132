"""The sign-in throttle's decision: failures lock a key after the limit, lockouts double up to a cap,
quiet windows forget, and keys say nothing about an account beyond a hash of its email."""

from datetime import UTC, datetime, timedelta

import pytest

from api.config import api_config
from api.sign_in_policy import (
    ACCOUNT,
    ADDRESS,
    FRESH,
    SCOPES,
    FailureState,
    SignInPolicy,
    ThrottlePolicy,
    account_key,
    address_key,
    after_failure,
    check,
    current,
    lockout_for,
    newly_locked,
    throttle_keys,
)
from infra.settings import Settings
from schemas.db.records import SIGN_IN_SCOPES

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
POLICY = ThrottlePolicy(max_failures=3, window=15 * MINUTE, lockout=MINUTE, max_lockout=10 * MINUTE)


def fail(times: int, *, every: timedelta = timedelta(seconds=1)) -> FailureState:
    """The state after `times` failures from T0 on, `every` apart."""
    state = FRESH
    for index in range(times):
        state = after_failure(state, T0 + index * every, POLICY)
    return state


def test_failures_below_the_limit_leave_the_key_unlocked():
    state = fail(2)
    assert state.failures == 2 and state.locked_until is None
    assert check({ACCOUNT: state}, T0 + timedelta(seconds=2)).allowed


def test_the_failure_reaching_the_limit_locks_the_key_for_the_first_lockout():
    state = fail(3)
    last = T0 + timedelta(seconds=2)
    assert state.locked_until == last + timedelta(minutes=1)
    verdict = check({ACCOUNT: state}, last)
    assert not verdict.allowed and verdict.locked_scopes == (ACCOUNT,)
    assert verdict.retry_at == state.locked_until and verdict.retry_after_seconds(last) == 60


def test_a_lockout_ends_on_time():
    state = fail(3)
    assert not check({ACCOUNT: state}, state.locked_until - timedelta(microseconds=1)).allowed
    assert check({ACCOUNT: state}, state.locked_until).allowed


def test_each_failure_after_a_lockout_doubles_it_up_to_the_cap():
    state = fail(3)
    lockouts = []
    for _ in range(6):
        assert state.locked_until is not None and state.last_failure_at is not None
        lockouts.append(state.locked_until - state.last_failure_at)
        state = after_failure(state, state.locked_until, POLICY)  # the first moment it is allowed again
    assert [lockout.total_seconds() / 60 for lockout in lockouts] == [1, 2, 4, 8, 10, 10]


def test_failures_are_forgotten_after_a_quiet_window_but_not_during_a_lockout():
    state = fail(2)
    assert current(state, T0 + timedelta(minutes=14), POLICY) == state
    assert current(state, T0 + timedelta(seconds=1, minutes=15), POLICY) == FRESH
    assert after_failure(state, T0 + timedelta(minutes=20), POLICY).failures == 1

    locked = fail(3, every=timedelta(0))
    locked = after_failure(locked, locked.locked_until, POLICY)  # 4th failure: locked 2 minutes
    assert locked.locked_until == T0 + timedelta(minutes=3)
    # The window counts from the end of the lockout, so retrying at each expiry keeps escalating.
    assert current(locked, T0 + timedelta(minutes=17), POLICY) == locked
    assert current(locked, T0 + timedelta(minutes=18), POLICY) == FRESH


def test_a_refused_attempt_changes_nothing_so_hammering_a_locked_key_does_not_extend_it():
    state = fail(3)
    verdicts = [check({ACCOUNT: state}, T0 + timedelta(seconds=second)) for second in range(2, 60)]
    assert all(not verdict.allowed and verdict.retry_at == state.locked_until for verdict in verdicts)


def test_the_latest_lockout_of_any_scope_decides_when_to_retry():
    account = fail(3)
    address = FailureState(40, T0, T0 + timedelta(minutes=5))
    verdict = check({ACCOUNT: account, ADDRESS: address}, T0 + timedelta(seconds=30))
    assert verdict.locked_scopes == (ACCOUNT, ADDRESS) and verdict.retry_at == T0 + timedelta(minutes=5)
    later = check({ACCOUNT: account, ADDRESS: address}, T0 + timedelta(minutes=2))
    assert later.locked_scopes == (ADDRESS,)


def test_newly_locked_is_true_only_for_the_failure_that_starts_a_lockout():
    before, after = fail(2), fail(3)
    now = T0 + timedelta(seconds=2)
    assert newly_locked(before, after, now)
    assert not newly_locked(fail(1), before, now)
    assert not newly_locked(after, after, now)


def test_lockout_length_is_none_below_the_limit_and_never_overflows():
    assert lockout_for(2, POLICY) is None
    assert lockout_for(3, POLICY) == timedelta(minutes=1)
    assert lockout_for(10_000, POLICY) == timedelta(minutes=10)


def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one():
    state = FailureState(3, T0, T0 + timedelta(seconds=1.2))
    assert check({ACCOUNT: state}, T0).retry_after_seconds(T0) == 2
    almost = T0 + timedelta(seconds=1.19)
    assert check({ACCOUNT: state}, almost).retry_after_seconds(almost) == 1


def test_an_account_key_is_a_hash_of_the_email_as_sign_in_matches_it():
    key = account_key("  Jane.Doe@Example.com ")
    assert key == account_key("jane.doe@example.com") and len(key) == 64
    assert "jane" not in key and key != account_key("jane.doe@example.org")


def test_ipv6_clients_count_by_their_64_bit_network_and_mapped_ipv4_as_ipv4():
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("testclient") == "testclient" and len(address_key("x" * 100)) == 64


def test_an_attempt_without_a_client_address_counts_for_its_account_only():
    assert set(throttle_keys("a@example.test", "198.51.100.1")) == {ACCOUNT, ADDRESS}
    assert set(throttle_keys("a@example.test", None)) == {ACCOUNT}


@pytest.mark.parametrize(
    "values",
    [
        {"max_failures": 0},
        {"window": timedelta(0)},
        {"lockout": timedelta(seconds=-1)},
        {"lockout": timedelta(minutes=5), "max_lockout": timedelta(minutes=1)},
    ],
)
def test_a_nonsensical_policy_is_refused(values):
    with pytest.raises(ValueError):
        ThrottlePolicy(**values)


def test_the_settings_become_the_policy_of_each_scope():
    settings = Settings(
        jwt_secret="x" * 40,
        signin_max_failures=4,
        signin_address_max_failures=12,
        signin_window_seconds=600,
        signin_lockout_seconds=30,
        signin_max_lockout_seconds=900,
    )
    policy = api_config(settings).sign_in
    assert policy.account == ThrottlePolicy(4, 10 * MINUTE, timedelta(seconds=30), 15 * MINUTE)
    assert policy.of(ADDRESS).max_failures == 12 and policy.of(ACCOUNT) is policy.account
    assert policy.forget_before(T0) == T0 - timedelta(minutes=25)


def test_the_default_policy_is_five_per_account_and_twenty_per_address():
    policy = SignInPolicy()
    assert (policy.account.max_failures, policy.address.max_failures) == (5, 20)
    assert api_config(Settings(jwt_secret="x" * 40)).sign_in == policy


def test_the_table_accepts_exactly_the_policy_scopes():
    assert SIGN_IN_SCOPES == SCOPES
