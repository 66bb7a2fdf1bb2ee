"""The webhook against a real local HTTP server: body, signature, retries, and advice left unharmed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from followup_webhook import (
    SIGNATURE_HEADER,
    WebhookConfig,
    WebhookError,
    post,
    sign,
    verify,
)
from followup_webhook import plugin as webhook_plugin
from followup_webhook.webhook import where

import followup_rules
from followup_rules.core.problems import UserError
from followup_rules.delivery.journal import case_identity

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


SECRET = "s3cret-for-tests"
BODY = json.dumps({"hello": "wörld"}).encode("utf-8")


class Sleeps(list[float]):
    """Records the backoff waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def config(url: str, **kwargs: object) -> WebhookConfig:
    return WebhookConfig(url=url, **{"secret": SECRET, "timeout": 2.0, "retries": 3, "backoff": 0.25, **kwargs})


def test_the_signature_verifies_only_for_the_same_body_and_secret() -> None:
    header = sign(SECRET, BODY)
    assert header.startswith("sha256=") and len(header) == len("sha256=") + 64
    assert verify(SECRET, BODY, header)
    assert not verify(SECRET, BODY + b" ", header)
    assert not verify("other", BODY, header)
    assert not verify(SECRET, BODY, None)


def test_messages_show_the_host_but_not_the_path_that_may_hold_a_token() -> None:
    assert where("https://hooks.example.com/services/T0/B0/XyZsecret?sig=1") == "https://hooks.example.com/…"
    assert where("http://127.0.0.1:8080") == "http://127.0.0.1:8080"


def test_5xx_answers_are_retried_with_doubling_backoff_then_it_succeeds(endpoint: Endpoint) -> None:
    endpoint.answers = [503, 500]
    sleeps = Sleeps()
    done = post(config(endpoint.url), BODY, "advice", sleep=sleeps)
    assert (done.status, done.attempts) == (200, 3)
    assert sleeps == [0.25, 0.5]
    assert [r.body for r in endpoint.received] == [BODY] * 3
    assert {r.headers["X-Followup-Delivery"] for r in endpoint.received} == {done.delivery_id}
    assert all(verify(SECRET, r.body, r.headers[SIGNATURE_HEADER]) for r in endpoint.received)
    assert endpoint.received[0].headers["Content-Type"] == "application/json; charset=utf-8"


def test_a_4xx_answer_is_not_retried(endpoint: Endpoint) -> None:
    endpoint.answers = [400, 400, 400]
    sleeps = Sleeps()
    with pytest.raises(WebhookError, match="answered 400 Bad Request \\(not retried\\)"):
        post(config(endpoint.url), BODY, "advice", sleep=sleeps)
    assert len(endpoint.received) == 1 and sleeps == []


def test_a_redirect_is_not_followed(endpoint: Endpoint) -> None:
    endpoint.answers = [307]
    with pytest.raises(WebhookError, match="307 .*redirects are not followed"):
        post(config(endpoint.url), BODY, "advice", sleep=Sleeps())
    assert len(endpoint.received) == 1


def test_retries_are_bounded(endpoint: Endpoint) -> None:
    endpoint.answers = [502] * 10
    sleeps = Sleeps()
    with pytest.raises(WebhookError, match="failed after 3 attempts: answered 502 Bad Gateway"):
        post(config(endpoint.url, retries=2, backoff=20.0), BODY, "advice", sleep=sleeps)
    assert len(endpoint.received) == 3
    assert sleeps == [20.0, 30.0]  # doubled, then capped at 30 s


def test_a_refused_connection_is_retried() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, with nobody listening now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    with pytest.raises(WebhookError, match="failed after 4 attempts: ConnectionRefusedError"):
        post(config(f"http://127.0.0.1:{port}/hook"), BODY, "advice", sleep=sleeps)
    assert sleeps == [0.25, 0.5, 1.0]


def test_a_timeout_is_retried(endpoint: Endpoint) -> None:
    endpoint.delays = [1.0]
    done = post(config(endpoint.url, timeout=0.2), BODY, "advice", sleep=Sleeps())
    assert (done.status, done.attempts) == (200, 2)


def test_without_a_secret_nothing_is_signed(endpoint: Endpoint) -> None:
    post(config(endpoint.url, secret=None), BODY, "advice", sleep=Sleeps())
    assert SIGNATURE_HEADER not in endpoint.received[0].headers


def test_settings_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert WebhookConfig.from_settings({}) is None
    monkeypatch.setenv("FOLLOWUP_WEBHOOK_URL", "https://hooks.example.com/x")
    monkeypatch.setenv("FOLLOWUP_WEBHOOK_SECRET", SECRET)
    got = WebhookConfig.from_settings({"webhook": {"url": "https://ignored.example.com", "retries": 0, "timeout": 1}})
    assert got == WebhookConfig("https://hooks.example.com/x", SECRET, 1.0, 0, 0.5)
    assert SECRET not in repr(got)
    for bad, message in (({"retries": 11}, "webhook.retries 11"), ({"retries": 1.5}, "whole number"),
                         ({"timeout": "soon"}, "webhook.timeout 'soon'"), ({"backoff": True}, "webhook.backoff")):
        with pytest.raises(UserError, match=message):
            WebhookConfig.from_settings({"webhook": bad})
    monkeypatch.setenv("FOLLOWUP_WEBHOOK_URL", "file:///etc/passwd")
    with pytest.raises(UserError, match="only http:// and https://"):
        WebhookConfig.from_settings({})


def test_every_advice_is_posted_as_its_json_signed(endpoint: Endpoint, followup_plugins, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = followup_plugins(webhook_plugin)
    assert loaded.infos[-1].hooks == ("followup_advice", "followup_channels", "followup_deliver", "followup_render")
    monkeypatch.setenv("FOLLOWUP_WEBHOOK_URL", endpoint.url)
    monkeypatch.setenv("FOLLOWUP_WEBHOOK_SECRET", SECRET)
    endpoint.answers = [503]
    write_settings(tmp_path, "webhook:\n  backoff: 0\n")
    advice = followup_rules.advise(CASE, at=AT)
    assert len(endpoint.received) == 2  # one 503, then the retry
    last = endpoint.received[-1]
    assert json.loads(last.body) == json.loads(json.dumps(advice.to_dict()))
    assert verify(SECRET, last.body, last.headers[SIGNATURE_HEADER])
    assert last.headers["X-Followup-Event"] == "advice"
    assert last.headers["X-Followup-Case"] == case_identity(followup_rules.load_case(CASE))  # no file path


def test_no_url_posts_nothing(endpoint: Endpoint, followup_plugins) -> None:
    followup_plugins(webhook_plugin)
    assert followup_rules.advise(CASE, at=AT).actions
    assert endpoint.received == []


@pytest.mark.parametrize(("answers", "requests"), [([500, 500], 2), ([404], 1)], ids=["5xx-every-time", "4xx"])
def test_a_failing_endpoint_never_breaks_advise(answers: list[int], requests: int, endpoint: Endpoint,
                                                followup_plugins, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    followup_plugins(webhook_plugin)
    monkeypatch.setenv("FOLLOWUP_WEBHOOK_URL", endpoint.url)
    endpoint.answers = answers
    write_settings(tmp_path, "webhook:\n  retries: 1\n  backoff: 0\n")
    with pytest.warns(RuntimeWarning, match=r"plugin 'followup_webhook.plugin' failed in followup_advice: "
                                            r"WebhookError: webhook: POST .* (answered 404|failed after 2)"):
        advice = followup_rules.advise(CASE, at=AT)
    assert len(endpoint.received) == requests
    monkeypatch.delenv("FOLLOWUP_WEBHOOK_URL")
    assert advice.to_dict() == followup_rules.advise(CASE, at=AT).to_dict()


def test_the_webhook_channel_renders_and_delivers(endpoint: Endpoint, followup_plugins,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    hook = followup_plugins(webhook_plugin).hook
    monkeypatch.setenv("FOLLOWUP_WEBHOOK_SECRET", SECRET)
    advice = followup_rules.advise(CASE, at=AT)
    case = followup_rules.load_case(CASE)
    artifact = hook.followup_render(action=advice.actions[0], index=1, case=case, advice=advice, channel="webhook",
                                    settings={})
    assert artifact.media_type == "application/json" and json.loads(artifact.body) == json.loads(
        json.dumps(advice.to_dict()))
    settings = {"webhook": {"url": endpoint.url, "backoff": 0}}
    dry = hook.followup_deliver(artifact=artifact, settings=settings, dry_run=True)
    assert (dry.status, endpoint.received) == ("dry-run", [])
    assert f"to {where(endpoint.url)}, signed" in dry.detail and "/hook" not in dry.detail
    sent = hook.followup_deliver(artifact=artifact, settings=settings, dry_run=False)
    assert sent.status == "sent" and "answered 200 after 1 attempt" in sent.detail
    got = endpoint.received[0]
    assert got.body == artifact.body.encode("utf-8") and got.headers["X-Followup-Action"] == "1"
    assert got.headers["X-Followup-Case"] == case_identity(case)
    assert verify(SECRET, got.body, got.headers[SIGNATURE_HEADER])
    endpoint.answers = [1, 403]  # the first answer is never used again; the next request gets 403
    refused = hook.followup_deliver(artifact=artifact, settings=settings, dry_run=False)
    assert refused.status == "failed" and "403 Forbidden" in refused.detail
    with pytest.raises(UserError, match="no webhook URL"):
        hook.followup_deliver(artifact=artifact, settings={}, dry_run=True)
    email_like = type(artifact)(**{**artifact.__dict__, "channel": "email"})
    assert webhook_plugin.followup_deliver(artifact=email_like, settings=settings, dry_run=True) is None


def test_installed_it_appears_in_followup_plugins() -> None:
    names = {ep.name: ep for ep in entry_points(group="followup_rules")}
    assert "webhook" in names, "followup-webhook is not installed: pip install ./plugins/followup-webhook"
    done = subprocess.run([sys.executable, "-m", "followup_rules", "plugins", "--format", "json"],
                          capture_output=True, text=True, timeout=60, check=True, env=dict(os.environ),
                          cwd=Path(__file__).parent)
    row = next(p for p in json.loads(done.stdout)["plugins"] if p["name"] == "webhook")
    assert row["version"] == names["webhook"].dist.version
    assert row["origin"] == "followup-webhook (followup_webhook.plugin)"
    assert row["channels"] == ["webhook"] and "followup_advice" in row["hooks"]
