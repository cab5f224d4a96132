"""Checked credentials are reused for a few seconds, never longer, and forgotten on any change."""

import time

from api.security import Principal
from api.services.principals import PrincipalCache

ANALYST = Principal(actor="user:u1", role="analyst", user_id="u1")


def test_a_principal_is_reused_until_it_expires():
    cache = PrincipalCache(seconds=0.2)
    cache.put("token-1", ANALYST)
    assert cache.get("token-1") == ANALYST and cache.get("token-2") is None
    time.sleep(0.25)
    assert cache.get("token-1") is None


def test_clearing_forgets_every_principal():
    cache = PrincipalCache(seconds=60)
    cache.put("token-1", ANALYST)
    cache.clear()
    assert cache.get("token-1") is None


def test_a_zero_lifetime_turns_the_cache_off():
    cache = PrincipalCache(seconds=0)
    cache.put("token-1", ANALYST)
    assert cache.get("token-1") is None


def test_a_full_cache_drops_its_oldest_entries_and_keeps_working():
    cache = PrincipalCache(seconds=60, max_entries=4)
    for number in range(6):
        cache.put(f"token-{number}", ANALYST)
    assert cache.get("token-5") == ANALYST and cache.get("token-0") is None
