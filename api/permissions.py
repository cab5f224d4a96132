"""What each role may do: one table from role to permissions, read by every authorisation check.

Routes ask for a permission, never for a role, so changing who may do what is an edit of
`ROLE_PERMISSIONS` alone. `pii:read` is the permission that shows SSNs, dates of birth and full
account and routing numbers in clear; every other caller sees them masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from schemas.db.records import ROLES

APPLICATIONS_READ = "applications:read"
PII_READ = "pii:read"
DOCUMENTS_READ = "documents:read"
APPLICATIONS_CORRECT = "applications:correct"
APPLICATIONS_REVIEW = "applications:review"
APPLICATIONS_REPROCESS = "applications:reprocess"
WEBHOOKS_MANAGE = "webhooks:manage"
USERS_MANAGE = "users:manage"

PERMISSIONS: tuple[str, ...] = (
    APPLICATIONS_READ,
    PII_READ,
    DOCUMENTS_READ,
    APPLICATIONS_CORRECT,
    APPLICATIONS_REVIEW,
    APPLICATIONS_REPROCESS,
    WEBHOOKS_MANAGE,
    USERS_MANAGE,
)

ROLE_PERMISSIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "admin": frozenset(PERMISSIONS),
        "underwriter": frozenset(
            {
                APPLICATIONS_READ,
                PII_READ,
                DOCUMENTS_READ,
                APPLICATIONS_CORRECT,
                APPLICATIONS_REVIEW,
                APPLICATIONS_REPROCESS,
            }
        ),
        "analyst": frozenset({APPLICATIONS_READ, DOCUMENTS_READ}),
        "partner": frozenset({APPLICATIONS_READ}),
    }
)


def permissions_of(role: str) -> frozenset[str]:
    """The permissions `role` grants; an unknown role grants none."""
    return ROLE_PERMISSIONS.get(role, frozenset())


def roles_with(permission: str) -> tuple[str, ...]:
    """The roles granting `permission`, in the order of schemas.db.records.ROLES."""
    return tuple(role for role in ROLES if permission in permissions_of(role))
