"""The webhook sender against a real local HTTP server: pinned address with the original Host,
redirects not followed, read timeout, bounded response excerpt."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from consumers.webhooks.sender import SenderConfig, WebhookSender

seen: list[tuple[str, str]] = []


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        seen.append((self.path, self.headers.get("host", "")))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("location", "/target")
            self.end_headers()
            return
        if self.path == "/slow":
            time.sleep(1.5)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"x" * 10_000 if self.path == "/big" else b"ok")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def server_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seen.clear()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def sender() -> Iterator[WebhookSender]:
    def resolve(host: str, port: int) -> list[str]:
        assert host == "hooks.partner.test"
        return ["127.0.0.1"]

    config = SenderConfig(connect_timeout_seconds=1.0, read_timeout_seconds=0.5, excerpt_chars=50,
                          allow_private_urls=True)
    sender = WebhookSender(config, resolve=resolve)
    sender.setup()
    yield sender
    sender.close()


def test_the_request_goes_to_the_checked_address_with_the_original_host_header(server_port, sender):
    result = sender.post(f"http://hooks.partner.test:{server_port}/hook", "{}", {"webhook-id": "msg_1"})
    assert (result.status_code, result.response_excerpt, result.error) == (200, "ok", None)
    assert seen == [("/hook", f"hooks.partner.test:{server_port}")]
    assert result.latency_ms >= 0


def test_redirects_are_not_followed(server_port, sender):
    result = sender.post(f"http://hooks.partner.test:{server_port}/redirect", "{}", {})
    assert result.status_code == 302
    assert [path for path, _ in seen] == ["/redirect"]


def test_a_slow_receiver_is_cut_off_by_the_read_timeout(server_port, sender):
    started = time.monotonic()
    result = sender.post(f"http://hooks.partner.test:{server_port}/slow", "{}", {})
    assert result.status_code is None and result.error == "timeout: ReadTimeout"
    assert time.monotonic() - started < 1.4


def test_the_response_excerpt_is_truncated(server_port, sender):
    result = sender.post(f"http://hooks.partner.test:{server_port}/big", "{}", {})
    assert result.status_code == 200 and result.response_excerpt == "x" * 50


def test_nobody_listening_is_a_connection_error(sender):
    from tests.fixtures.storage import free_port

    result = sender.post(f"http://hooks.partner.test:{free_port()}/hook", "{}", {})
    assert result.status_code is None and result.error and result.error.startswith("ConnectError")
