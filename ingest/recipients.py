"""Which envelope recipients the SMTP door accepts mail for (pure): never an open relay."""

from __future__ import annotations

from collections.abc import Collection


def recipient_allowed(address: str, allowed: Collection[str]) -> bool:
    """True when `address` is one of `allowed`: an exact address, or '@domain' for a whole domain.

    Case-insensitive; '@domain' matches that domain only, not its subdomains. Addresses without a
    domain, with a source route, or with more than one '@' are refused.
    """
    candidate = address.strip().strip("<>").strip().lower()
    local, at, domain = candidate.rpartition("@")
    if not at or not local or not domain or "@" in local or candidate.startswith("@") or ":" in candidate:
        return False
    for entry in allowed:
        rule = entry.strip().lower()
        if rule.startswith("@") and domain == rule[1:]:
            return True
        if rule == candidate:
            return True
    return False
