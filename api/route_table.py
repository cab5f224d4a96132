"""The app's route table with what each route requires: for documentation and for the tests that
check every route refuses anonymous (401) and wrong-role (403) callers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from api.deps import Requirement, current_principal


@dataclass(frozen=True)
class RouteRule:
    """One method of one path, whether it needs a signed-in caller, and the permission it needs."""

    method: str
    path: str
    authenticated: bool
    permission: str | None


def _dependencies(dependant: Any) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _dependencies(dependency)


def route_rules(app: FastAPI) -> list[RouteRule]:
    """Every API route (method, full path) with its authentication and permission, in table order."""
    rules = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        calls = list(_dependencies(route.dependant))
        permission = next((call.permission for call in calls if isinstance(call, Requirement)), None)
        authenticated = permission is not None or any(call is current_principal for call in calls)
        for method in sorted(route.methods or ()):
            rules.append(
                RouteRule(method, str(getattr(context, "path", route.path)), authenticated, permission)
            )
    return rules
