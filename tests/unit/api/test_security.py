"""Passwords hash one way, session tokens expire and cannot be forged, API keys are found by prefix."""

from datetime import UTC, datetime, timedelta

import pytest

from api.security import (
    InvalidCredentialsError,
    api_key_matches,
    api_key_prefix,
    hash_password,
    issue_token,
    looks_like_api_key,
    new_api_key,
    one_time_password,
    read_token,
    verify_password,
)

SECRET = "s" * 48


def test_a_password_verifies_against_its_hash_and_nothing_else_does():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "Correct horse battery")
    assert not verify_password("not a hash", "correct horse battery")


def test_one_time_passwords_are_long_and_different():
    first, second = one_time_password(), one_time_password()
    assert len(first) >= 20 and first != second and first.isalnum()


def test_a_token_names_its_user_until_it_expires():
    token = issue_token(user_id="u1", role="admin", secret=SECRET, lifetime=timedelta(minutes=5))
    assert read_token(token, secret=SECRET) == "u1"
    old = issue_token(
        user_id="u1",
        role="admin",
        secret=SECRET,
        lifetime=timedelta(minutes=5),
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    with pytest.raises(InvalidCredentialsError):
        read_token(old, secret=SECRET)


def test_a_token_signed_with_another_secret_or_altered_is_refused():
    token = issue_token(user_id="u1", role="admin", secret=SECRET, lifetime=timedelta(minutes=5))
    with pytest.raises(InvalidCredentialsError):
        read_token(token, secret="t" * 48)
    with pytest.raises(InvalidCredentialsError):
        read_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), secret=SECRET)
    with pytest.raises(InvalidCredentialsError):
        read_token("garbage", secret=SECRET)


def test_an_api_key_is_found_by_its_prefix_and_only_its_hash_is_kept():
    made = new_api_key()
    assert made.key.startswith(f"mca_{made.prefix}_") and looks_like_api_key(made.key)
    assert api_key_prefix(made.key) == made.prefix
    assert made.key not in made.key_hash and api_key_matches(made.key, made.key_hash)
    assert not api_key_matches(made.key + "x", made.key_hash)
    assert new_api_key().key != made.key


@pytest.mark.parametrize("text", ["", "mca_", "mca_short_x", "key_0123456789ab_secret", "mca_0123456789ab_"])
def test_text_that_is_not_an_api_key_is_refused(text):
    with pytest.raises(InvalidCredentialsError):
        api_key_prefix(text)
