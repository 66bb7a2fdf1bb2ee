"""A local HTTP endpoint that answers from a script, and the followup_plugins fixture."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest_plugins = ["followup_rules.pytest_plugin"]

CASE = str(Path(__file__).with_name("case.yaml"))
AT = "2025-03-06T16:00:00-05:00"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Endpoint:
    """What the server answers, in order (then 200 for every later request), and what it received."""

    url: str = ""
    answers: list[int] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def next_answer(self) -> tuple[int, float]:
        n = len(self.received) - 1
        status = self.answers[n] if n < len(self.answers) else 200
        delay = self.delays[n] if n < len(self.delays) else 0.0
        return status, delay


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoint]:
    """A server on 127.0.0.1 (ephemeral port) in a thread, stopped after the test."""
    state = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.received.append(Received(self.path, dict(self.headers.items()), self.rfile.read(length)))
            status, delay = state.next_answer()
            time.sleep(delay)
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    for proxy in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No settings file or webhook variables from the machine running the tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in ("FOLLOWUP_WEBHOOK_URL", "FOLLOWUP_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)


def write_settings(tmp_path: Path, text: str) -> None:
    """Write the user settings file that `load_settings(None)` reads in these tests."""
    folder = tmp_path / "config" / "followup-rules"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.yaml").write_text(text, encoding="utf-8")
