"""Roles grant permissions through one table; only admins and underwriters read PII in clear."""

from api.permissions import (
    APPLICATIONS_READ,
    PERMISSIONS,
    PII_READ,
    ROLE_PERMISSIONS,
    USERS_MANAGE,
    WEBHOOKS_MANAGE,
    permissions_of,
    roles_with,
)
from api.security import Principal
from schemas.db.records import ROLES


def test_every_role_of_the_database_has_a_row_in_the_table_and_nothing_else_does():
    assert set(ROLE_PERMISSIONS) == set(ROLES)


def test_pii_read_is_granted_to_admins_and_underwriters_only():
    assert roles_with(PII_READ) == ("admin", "underwriter")


def test_every_role_may_read_applications_and_only_admins_manage_users_and_webhooks():
    assert roles_with(APPLICATIONS_READ) == ROLES
    assert roles_with(USERS_MANAGE) == ("admin",) and roles_with(WEBHOOKS_MANAGE) == ("admin",)


def test_admins_hold_every_permission_and_every_permission_is_held_by_someone():
    assert permissions_of("admin") == frozenset(PERMISSIONS)
    assert all(roles_with(permission) for permission in PERMISSIONS)


def test_an_unknown_role_grants_nothing():
    assert permissions_of("root") == frozenset()
    assert not Principal(actor="user:x", role="root").can(APPLICATIONS_READ)


def test_a_partner_may_read_applications_but_not_pii():
    partner = Principal(actor="api_key:k", role="partner")
    assert partner.can(APPLICATIONS_READ) and not partner.can(PII_READ)
