"""A plain ASGI middleware: a request id on every request and response, and latency metrics.

Pure ASGI (not BaseHTTPMiddleware), so streamed downloads pass through untouched. The latency is
recorded under the route template (`/api/v1/applications/{application_id}`), never the raw path.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config import API_PREFIX
from api.metrics import ApiMetrics

REQUEST_ID_HEADER = b"x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-ID when it is a short safe token, else a fresh one (pure apart from uuid)."""
    for name, value in headers:
        if name.lower() == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if _SAFE_ID.match(text):
                return text
    return uuid.uuid4().hex


def route_template(scope: Scope, prefix: str = API_PREFIX) -> str:
    """The matched route's full path template, or "unmatched" (keeps metric labels bounded).

    Routes of included routers carry their path without the inclusion prefix; it is put back."""
    route: Any = scope.get("route")
    template = getattr(route, "path", None)
    if not template:
        return "unmatched"
    if str(scope.get("path", "")).startswith(prefix + "/") and not template.startswith(prefix + "/"):
        return prefix + template
    return str(template)


class RequestMiddleware:
    """Tags each HTTP request with an id (state.request_id and the X-Request-ID header) and times it."""

    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope.get("headers") or [])
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *message.get("headers", ()),
                    (REQUEST_ID_HEADER, request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.metrics.observe_request(
                method=scope["method"],
                route=route_template(scope),
                status=status,
                seconds=time.perf_counter() - started,
            )
