"""`followup send` end to end against a real SMTP server (aiosmtpd) on 127.0.0.1: delivery, faults, no duplicates."""

from __future__ import annotations

import asyncio
import email
import email.policy
import functools
import json
import multiprocessing
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from followup_rules import api
from followup_rules.channels import email as channel
from followup_rules.cli.main import main
from followup_rules.core.artifact import Artifact
from followup_rules.core.case import load_case
from followup_rules.delivery import smtp
from followup_rules.delivery.journal import Journal
from followup_rules.delivery.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "just-after-interview.yaml"
AT = "2025-03-06T16:00:00-05:00"
SENDER = "zoe.bronte@example.org"
ROSA = "rosa.hernandez@hudsonledger.example"
KEY = "send_thank_you-rhernandez"
ENV = ("FOLLOWUP_SMTP_HOST", "FOLLOWUP_SMTP_PORT", "FOLLOWUP_SMTP_USER", "FOLLOWUP_SMTP_PASSWORD",
       "FOLLOWUP_SMTP_SECURITY", "FOLLOWUP_SMTP_TIMEOUT", "FOLLOWUP_FROM", "FOLLOWUP_JOURNAL")


@functools.cache
def thank_you() -> int:
    """The number `followup send --action` takes for the thank-you in the example's advice at AT."""
    return 1 + [a.action for a in api.advise(EXAMPLE, AT).actions].index("send_thank_you")


class Mailbox:
    """An SMTP handler that plays a script, one step per transaction (MAIL FROM), then accepts.

    Steps: ``ok``; ``drop`` (close the connection at MAIL FROM); ``451`` or ``554`` (answer the
    message with that code); ``drop-after-data`` (receive the message, then close without an
    answer); ``slow`` (accept after a second).
    """

    def __init__(self, script: tuple[str, ...]) -> None:
        self.script = list(script)
        self.received: list[Envelope] = []
        self.transactions = 0
        self.port = 0

    async def handle_MAIL(self, server: Any, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        self.transactions += 1
        step = self.script.pop(0) if self.script else "ok"
        if step == "drop":
            server.transport.close()
            return "421 closing"
        session.step = step  # type: ignore[attr-defined]
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        step = getattr(session, "step", "ok")
        if step in ("451", "554"):
            return f"{step} {'4.3.0 try again later' if step == '451' else '5.7.1 message refused'}"
        if step == "slow":
            await asyncio.sleep(1.0)
        self.received.append(envelope)
        if step == "drop-after-data":
            server.transport.close()
        return "250 2.0.0 queued"


class LocalController(Controller):
    """A Controller on an ephemeral port (aiosmtpd connects to `port` to check it started)."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


StartServer = Callable[..., Mailbox]


@pytest.fixture
def server() -> Iterator[StartServer]:
    """Start SMTP servers on 127.0.0.1 for a test (``server("451", "ok")``) and stop them after."""
    controllers: list[LocalController] = []

    def start(*script: str, **options: Any) -> Mailbox:
        box = Mailbox(script)
        controller = LocalController(box, hostname="127.0.0.1", port=0, server_hostname="localhost", **options)
        controller.start()
        controllers.append(controller)
        box.port = controller.port
        return box

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def case(tmp_path: Path) -> Path:
    """The example with accented names for the candidate and the interviewer."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("name: Maya Goldberg", "name: Zoë Brontë")
    path = tmp_path / "case.yaml"
    path.write_text(text.replace("name: Rosa Hernandez", "name: Rosa Hernández"), encoding="utf-8")
    return path


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal" / "journal.sqlite3")


def settings_file(tmp_path: Path, journal: Journal, port: int, security: str = "none", extra: str = "",
                  timeout: float = 5) -> str:
    path = tmp_path / f"settings-{port}.yaml"
    path.write_text(f"from: Zoë Brontë <{SENDER}>\njournal: {journal.path}\nsmtp:\n  host: 127.0.0.1\n"
                    f"  port: {port}\n  security: {security}\n  timeout: {timeout}\n  backoff: 0.01\n{extra}",
                    encoding="utf-8")
    path.chmod(0o600)
    return str(path)


def send(capsys: pytest.CaptureFixture[str], case: Path, settings: str, *extra: str) -> tuple[int, str, str]:
    """`followup send CASE --action 3 --send` in-process; returns exit code, stdout and stderr."""
    try:
        main(["send", str(case), "--action", str(thank_you()), "--at", AT, "--send", "--settings", settings, *extra])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def one_error_line(err: str, *words: str) -> None:
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"


def saved_draft(journal: Journal) -> bytes:
    [path] = (journal.path.parent / "outbox").glob(f"*/{KEY}.eml")
    return path.read_bytes()


def states(journal: Journal, case: Path) -> list[str]:
    from followup_rules.delivery.journal import case_identity

    return [e.state for e in journal.history(case_identity(load_case(case)), KEY)]


# --- delivery -------------------------------------------------------------------------------------------

def test_thank_you_arrives_intact_and_a_repeated_send_sends_nothing(server: StartServer, case: Path,
                                                                     journal: Journal, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from followup_rules.drafting.compose import compose

    box = server()
    settings = settings_file(tmp_path, journal, box.port)
    # Not recorded in the case, so the same action is sent again: the journal alone must stop it.
    code, out, err = send(capsys, case, settings, "--no-record")
    assert code == 0 and err == "", err
    assert out.startswith("sent: ") and "250 2.0.0 queued" in out
    [envelope] = box.received
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == [ROSA]
    assert envelope.original_content == saved_draft(journal), "the server got the .eml byte for byte"
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    loaded = load_case(case)
    advice = api.advise(loaded, AT)
    draft = compose(advice.actions[thank_you() - 1], thank_you(), loaded, advice)
    assert str(message["From"]) == f"Zoë Brontë <{SENDER}>"
    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == [("Rosa Hernández", ROSA)]
    assert message["Subject"] == draft.subject
    assert message["Date"].datetime == advice.at
    assert message["Message-ID"].startswith(f"<{KEY}.") and message["Message-ID"].endswith("@example.org>")
    assert message["MIME-Version"] == "1.0" and message.get_content_charset() == "utf-8"
    body = message.get_content().replace("\r\n", "\n")
    assert body == draft.body and "Zoë Brontë" in body
    assert states(journal, case) == ["pending", "handed_over", "sent"]

    code, out, err = send(capsys, case, settings, "--no-record")
    assert code == 0 and err == ""
    assert out.startswith("duplicate: already sent on ") and message["Message-ID"] in out
    code, out, _ = send(capsys, case, settings, "--format", "json", "--no-record")
    assert code == 0 and '"status": "duplicate"' in out
    assert len(box.received) == 1 and box.transactions == 1, "nothing new was sent"


def test_followup_send_as_a_process(server: StartServer, case: Path, journal: Journal, tmp_path: Path,
                                    run_followup: Any) -> None:
    box = server()
    args = ("send", str(case), "--action", str(thank_you()), "--at", AT, "--no-record", "--settings",
            settings_file(tmp_path, journal, box.port))
    dry = run_followup(*args)
    assert dry.returncode == 0 and dry.stderr == ""
    assert dry.stdout.startswith("Dry run: nothing was sent.") and "To: Rosa Hernández <" in dry.stdout
    assert box.transactions == 0 and not journal.path.exists()
    sent = run_followup(*args, "--send", "--format", "json")
    assert sent.returncode == 0, sent.stderr
    [message] = json.loads(sent.stdout)["messages"]
    assert message["receipt"]["status"] == "sent" and message["artifact"]["key"] == KEY
    assert [e.original_content for e in box.received] == [message["eml"].encode("ascii")]
    again = run_followup(*args, "--send")
    assert again.returncode == 0 and again.stdout.startswith("duplicate: ") and len(box.received) == 1


def test_individual_thank_yous_go_one_per_person_and_once(server: StartServer, journal: Journal, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    panel = ROOT / "examples" / "panel-multiple-interviewers.yaml"
    at = "2025-09-17T09:00:00-07:00"
    advice = api.advise(load_case(panel), at)
    [index] = [i + 1 for i, a in enumerate(advice.actions) if a.action == "send_thank_you"]
    assert len(advice.actions[index - 1].to) == 2
    box = server()
    args = ["send", str(panel), "--action", str(index), "--at", at, "--send", "--no-record",
            "--settings", settings_file(tmp_path, journal, box.port)]
    for _ in range(2):
        try:
            main(args)
        except SystemExit as exc:
            pytest.fail(f"exit {exc.code}: {capsys.readouterr().err}")
    outcomes = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    assert outcomes == ["sent", "sent", "duplicate", "duplicate"]
    assert sorted(tuple(e.rcpt_tos) for e in box.received) == [("brianna.johnson@pacificcrest.example",),
                                                                ("christine.wu@pacificcrest.example",)]
    ids = {email.message_from_bytes(e.original_content, policy=email.policy.default)["Message-ID"]
           for e in box.received}
    assert len(ids) == 2 and box.transactions == 2, "the repeated --send sent neither again"


def test_dot_lines_are_stuffed_so_the_message_is_not_cut(server: StartServer, journal: Journal,
                                                          tmp_path: Path) -> None:
    box = server()
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"], message["To"], message["Subject"] = SENDER, ROSA, "dots"
    message["Message-ID"] = "<dots.test@example.org>"
    message.set_content("first\n.\nnot the end\n..two dots\n", cte="7bit")
    artifact = Artifact("email", "send_thank_you", "dots", (ROSA,), "dots", "", "message/rfc822",
                        message.as_bytes(), "dots.eml", meta={"case": "dots-case"})
    settings = load_settings(settings_file(tmp_path, journal, box.port))
    receipt = channel.deliver(artifact, settings, dry_run=False)
    assert receipt.status == "sent", receipt.detail
    assert [e.original_content for e in box.received] == [artifact.data]


# --- faults ---------------------------------------------------------------------------------------------

def test_4xx_then_success_delivers_exactly_once(server: StartServer, case: Path, journal: Journal,
                                                tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = server("451")
    code, out, err = send(capsys, case, settings_file(tmp_path, journal, box.port))
    assert code == 0 and err == "" and out.startswith("sent: ")
    assert box.transactions == 2 and len(box.received) == 1
    assert states(journal, case) == ["pending", "handed_over", "handed_over", "sent"]


def test_4xx_every_time_fails_clearly_keeps_the_draft_and_a_later_send_delivers_once(
        server: StartServer, case: Path, journal: Journal, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    box = server("451", "451", "451", "451")
    started = time.monotonic()
    code, out, err = send(capsys, case, settings_file(tmp_path, journal, box.port))
    assert code == 2 and out == ""
    one_error_line(err, f"127.0.0.1:{box.port} answered 451 4.3.0 try again later at the end of the message",
                   "(tried 4 times)", "nothing was sent", "the message is saved at ")
    assert box.transactions == 4 and box.received == []
    assert time.monotonic() - started < 3, "short delays: 0.01 s, 0.02 s, 0.04 s"
    draft = email.message_from_bytes(saved_draft(journal), policy=email.policy.default)
    assert draft["To"].addresses[0].display_name == "Rosa Hernández" and draft.get_content()
    assert states(journal, case)[-1] == "failed"

    healthy = server()
    code, out, err = send(capsys, case, settings_file(tmp_path, journal, healthy.port))
    assert code == 0 and out.startswith("sent: ")
    assert len(healthy.received) == 1 and healthy.received[0].original_content == saved_draft(journal)


def test_5xx_fails_at_once_without_retry(server: StartServer, case: Path, journal: Journal, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    box = server("554")
    code, out, err = send(capsys, case, settings_file(tmp_path, journal, box.port))
    assert code == 2 and out == ""
    one_error_line(err, f"127.0.0.1:{box.port} answered 554 5.7.1 message refused at the end of the message",
                   "nothing was sent", "the message is saved at ")
    assert "tried" not in err
    assert box.transactions == 1 and box.received == []
    assert states(journal, case) == ["pending", "handed_over", "failed"]
    assert saved_draft(journal).startswith(b"From: ")


def test_dropped_connection_is_retried_then_reported(server: StartServer, case: Path, journal: Journal,
                                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = server("drop", "drop", "drop", "drop")
    settings = settings_file(tmp_path, journal, box.port)
    code, out, err = send(capsys, case, settings)
    assert code == 2
    one_error_line(err, f"127.0.0.1:{box.port} dropped the connection at MAIL FROM (tried 4 times)",
                   "nothing was sent")
    assert box.transactions == 4 and box.received == []

    box.script = ["drop"]
    code, out, err = send(capsys, case, settings)
    assert code == 0 and out.startswith("sent: ")
    assert box.transactions == 6 and len(box.received) == 1, "one drop, one retry, one message"


def test_drop_after_the_message_is_never_resent(server: StartServer, case: Path, journal: Journal, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    box = server("drop-after-data")
    settings = settings_file(tmp_path, journal, box.port)
    code, out, err = send(capsys, case, settings)
    assert code == 2
    one_error_line(err, "dropped the connection at the end of the message",
                   "it may have arrived, so it will not be sent again", "the message is saved at ")
    assert len(box.received) == 1 and box.transactions == 1
    code, out, err = send(capsys, case, settings)
    assert code == 2
    one_error_line(err, "may have delivered it", f"{KEY}.eml", "not sent again")
    assert len(box.received) == 1 and box.transactions == 1, "the second --send did not even connect"
    assert states(journal, case) == ["pending", "handed_over", "uncertain"]


def test_connection_refused_is_one_clear_line(case: Path, journal: Journal, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = send(capsys, case, settings_file(tmp_path, journal, port))
    assert code == 2 and out == ""
    one_error_line(err, f"connection refused by 127.0.0.1:{port}", "the message is saved at ")
    assert states(journal, case) == ["pending", "failed"]


def test_silent_server_times_out_without_retry(case: Path, journal: Journal, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        started = time.monotonic()
        code, out, err = send(capsys, case, settings_file(tmp_path, journal, port, timeout=0.3))
    assert code == 2
    one_error_line(err, f"127.0.0.1:{port} did not answer within 0.3 s at connect", "nothing was sent")
    assert time.monotonic() - started < 3, "a silent server is not retried"


def test_no_answer_after_the_message_is_never_resent(server: StartServer, case: Path, journal: Journal,
                                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = server("slow")
    settings = settings_file(tmp_path, journal, box.port, timeout=0.3)
    code, out, err = send(capsys, case, settings)
    assert code == 2
    one_error_line(err, "did not answer within 0.3 s at the end of the message", "it may have arrived")
    code, out, err = send(capsys, case, settings)
    assert code == 2 and "not sent again" in err
    assert box.transactions == 1, "the second --send did not even connect"
    assert states(journal, case) == ["pending", "handed_over", "uncertain"]


def interrupted(*args: Any) -> str:
    raise KeyboardInterrupt


def test_an_interrupted_send_is_recorded_and_can_be_sent_later(server: StartServer, case: Path, journal: Journal,
                                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    box = server()
    settings = settings_file(tmp_path, journal, box.port)
    with monkeypatch.context() as patch:
        patch.setattr(smtp, "_transfer", interrupted)
        code, out, err = send(capsys, case, settings)
    assert code == 130 and "aborted" in err
    assert states(journal, case) == ["pending", "failed"]
    assert saved_draft(journal).startswith(b"From: ")
    code, out, err = send(capsys, case, settings)
    assert code == 0 and len(box.received) == 1


def deliver_in_process(artifact: Artifact, settings_path: str, barrier: Any, results: Any) -> None:
    settings = load_settings(settings_path)
    barrier.wait()
    results.put(channel.deliver(artifact, settings, dry_run=False).status)


def test_two_processes_sending_at_once_deliver_one_message(server: StartServer, case: Path, journal: Journal,
                                                           tmp_path: Path) -> None:
    box = server("slow")
    settings = settings_file(tmp_path, journal, box.port)
    loaded = load_case(case)
    advice = api.advise(loaded, AT)
    index = thank_you()
    artifact = channel.render(advice.actions[index - 1], index, loaded, advice, load_settings(settings))
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=deliver_in_process, args=(artifact, settings, barrier, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    outcomes = sorted(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert outcomes == ["duplicate", "sent"]
    assert len(box.received) == 1


def deliver_with_short_leases(artifact: Artifact, settings_path: str, host: str | None, results: Any) -> None:
    """Deliver in a fresh process whose leases go stale after a second (as if 15 minutes had passed)."""
    from followup_rules.delivery import journal as journal_module

    journal_module.STALE_AFTER, journal_module.RENEW_EVERY = 1.0, 0.2
    if host is not None:
        socket.gethostname = lambda: host  # type: ignore[assignment]  # as if on another machine
    results.put(channel.deliver(artifact, load_settings(settings_path), dry_run=False).status)


@pytest.mark.parametrize("second_host", [None, "another-machine"], ids=["same-machine", "other-machine"])
def test_a_claim_in_a_long_backoff_is_not_taken_over(server: StartServer, case: Path, journal: Journal,
                                                     tmp_path: Path, second_host: str | None) -> None:
    """The first sender meets a 451, then waits four seconds (four times the stale age) to retry; a
    second sender in that wait, on this machine or another sharing the journal, sends nothing."""
    box = server("451", "ok")
    slow = settings_file(tmp_path, journal, box.port, extra="  retries: 1\n").replace("backoff: 0.01", "")
    Path(slow).write_text(Path(slow).read_text(encoding="utf-8").replace("  backoff: 0.01\n", "  backoff: 4\n"),
                          encoding="utf-8")
    loaded = load_case(case)
    advice = api.advise(loaded, AT)
    artifact = channel.render(advice.actions[thank_you() - 1], thank_you(), loaded, advice, load_settings(slow))
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    first = context.Process(target=deliver_with_short_leases, args=(artifact, slow, None, results))
    first.start()
    deadline = time.monotonic() + 30
    while box.transactions < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2.0)  # the first sender is in its backoff, its claim older than the stale age
    second = context.Process(target=deliver_with_short_leases, args=(artifact, slow, second_host, results))
    second.start()
    second.join(timeout=60)
    assert results.get(timeout=5) == "duplicate", "the second sender takes nothing over"
    first.join(timeout=60)
    assert results.get(timeout=5) == "sent"
    assert len(box.received) == 1 and box.transactions == 2, "one delivery: the first sender's retry"
    assert states(journal, case)[-1] == "sent"


# --- encryption and login -------------------------------------------------------------------------------

@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class Accounts:
    """An aiosmtpd authenticator with one account; remembers the attempts."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()
        self.attempts: list[bool] = []

    def __call__(self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (self.user, self.password)
        self.attempts.append(ok)
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 235 or 535 itself


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_encrypted_delivery_with_login(server: StartServer, case: Path, journal: Journal, tmp_path: Path,
                                       certificate: tuple[Path, Path], security: str,
                                       monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    accounts = Accounts("zoe", "correct horse")
    # With implicit TLS aiosmtpd does not see the encryption itself, so it must not insist on STARTTLS.
    tls = ({"tls_context": context, "require_starttls": True, "auth_require_tls": True} if security == "starttls"
           else {"ssl_context": context, "auth_require_tls": False})
    # One mechanism only, so one refused login is one attempt (smtplib tries each offered mechanism).
    box = server(authenticator=accounts, auth_exclude_mechanism=["LOGIN"], **tls)
    settings = settings_file(tmp_path, journal, box.port, security, f"  user: zoe\n  cafile: {cert}\n")
    monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD", "wrong horse")
    code, out, err = send(capsys, case, settings)
    assert code == 2
    one_error_line(err, f"127.0.0.1:{box.port} refused the login: 535")
    assert accounts.attempts == [False] and box.received == [], "a refused login is not retried"
    assert "wrong horse" not in out + err

    monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD", "correct horse")
    code, out, err = send(capsys, case, settings)
    assert code == 0, err
    assert f"127.0.0.1:{box.port} ({'STARTTLS' if security == 'starttls' else 'TLS'}, login zoe)" in out
    assert accounts.attempts == [False, True] and len(box.received) == 1
    assert "correct horse" not in out + err
    assert b"horse" not in journal.path.read_bytes()


def test_untrusted_certificate_is_refused(server: StartServer, case: Path, journal: Journal, tmp_path: Path,
                                          certificate: tuple[Path, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = server(tls_context=context, require_starttls=True)
    code, out, err = send(capsys, case, settings_file(tmp_path, journal, box.port, "starttls"))
    assert code == 2
    one_error_line(err, f"127.0.0.1:{box.port}: its certificate is not trusted", "nothing was sent")
    assert box.received == []


def test_password_is_never_sent_unencrypted(server: StartServer, case: Path, journal: Journal, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FOLLOWUP_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("FOLLOWUP_SMTP_USER", "zoe")
    monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD", "correct horse")
    code, out, err = send(capsys, case, settings_file(tmp_path, journal, 2525))
    assert code == 2
    assert "refusing to send the SMTP password to mail.example.org unencrypted" in err
    assert not journal.path.exists(), "refused before any attempt"



def test_a_message_sent_is_recorded_in_the_case_and_the_next_advice_drops_it(
        server: StartServer, case: Path, journal: Journal, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = case.read_text(encoding="utf-8")
    box = server()
    code, out, err = send(capsys, case, settings_file(tmp_path, journal, box.port))
    assert code == 0, err
    assert "recorded in " + str(case) + ": sent thank_you to rhernandez by email on 2025-03-06 16:00" in out
    assert len(box.received) == 1
    after = case.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n")) and "kind: thank_you" in after[len(before):]
    later = api.advise(case, "2025-03-06T17:00:00-05:00")
    assert "send_thank_you" not in [a.action for a in later.actions]


def test_no_record_leaves_the_case_as_it_was(server: StartServer, case: Path, journal: Journal, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    before = case.read_bytes()
    box = server()
    code, out, _ = send(capsys, case, settings_file(tmp_path, journal, box.port), "--no-record")
    assert code == 0 and len(box.received) == 1
    assert "recorded" not in out and case.read_bytes() == before
