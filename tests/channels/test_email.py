"""The email channel without a server: settings, the .eml message, the delivery journal, dry runs."""

from __future__ import annotations

import email
import email.policy
import functools
import json
import multiprocessing
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from followup_rules import api
from followup_rules.channels import email as channel
from followup_rules.cli.main import main
from followup_rules.core.artifact import Artifact
from followup_rules.core.case import load_case
from followup_rules.core.problems import UserError
from followup_rules.delivery.journal import Journal, action_key, case_identity
from followup_rules.delivery.settings import Secret, load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "just-after-interview.yaml"
AT = "2025-03-06T16:00:00-05:00"


@functools.cache
def action_number(name: str) -> int:
    """The number `followup send --action` takes for the first `name` action of the example at AT
    (found when a test runs, inside the session's isolated ruleset cache)."""
    return 1 + [a.action for a in api.advise(EXAMPLE, AT).actions].index(name)

SENDER = "Zoë Brontë <zoe.bronte@example.org>"
ENV = ("FOLLOWUP_SMTP_HOST", "FOLLOWUP_SMTP_PORT", "FOLLOWUP_SMTP_USER", "FOLLOWUP_SMTP_PASSWORD",
       "FOLLOWUP_SMTP_SECURITY", "FOLLOWUP_SMTP_TIMEOUT", "FOLLOWUP_FROM", "FOLLOWUP_JOURNAL")


@pytest.fixture
def compose() -> Any:
    from followup_rules.drafting.compose import compose

    return compose


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No user settings, journal or environment leak in; returns the journal path tests use."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "followup-rules" / "journal.sqlite3"


def accented_case(tmp_path: Path, email_address: str | None = "rosa.hernandez@hudsonledger.example",
                  name: str = "Rosa Hernández") -> Path:
    """The example with accented names, the interviewer's email set (or removed) and her name given."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("name: Maya Goldberg", "name: Zoë Brontë")
    text = text.replace("name: Rosa Hernandez", f"name: {json.dumps(name, ensure_ascii=False)}")
    lines = [line for line in text.splitlines() if not line.strip().startswith("email:")]
    at = next(i for i, line in enumerate(lines) if "name: " in line and "rhernandez" in lines[i - 1])
    if email_address is not None:
        lines.insert(at + 1, f"        email: {email_address}")
    path = tmp_path / "case.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rendered(case_path: Path, index: int | None = None, at: str = AT, **settings: Any) -> tuple[Artifact, Any, Any]:
    index = index or action_number("send_thank_you")
    case = load_case(case_path)
    advice = api.advise(case, at)
    artifact = channel.render(advice.actions[index - 1], index, case, advice, {"from": SENDER, **settings})
    return artifact, case, advice


def followup(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process as `followup` does; returns exit code, stdout and stderr."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


# --- settings -------------------------------------------------------------------------------------------

def write_settings(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_settings_file_and_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = write_settings(tmp_path / "s.yaml", "from: Zoë <z@example.org>\nsmtp:\n  host: mail.example.org\n"
                          "  security: TLS\n  user: zoe\n  password: hunter2-secret\nwebhook:\n  url: http://x\n")
    settings = load_settings(str(file))
    assert settings["from"] == "Zoë <z@example.org>"
    assert settings["smtp"]["host"] == "mail.example.org"
    assert settings["smtp"]["security"] == "tls" and settings["smtp"]["port"] == 465
    assert settings["smtp"]["password"].reveal() == "hunter2-secret"
    assert settings["webhook"] == {"url": "http://x"}, "other top-level keys are kept for plugins"
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)
    monkeypatch.setenv("FOLLOWUP_SMTP_HOST", "relay.example.net")
    monkeypatch.setenv("FOLLOWUP_SMTP_PORT", "2525")
    monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD", "from-env")
    monkeypatch.setenv("FOLLOWUP_JOURNAL", str(tmp_path / "j.sqlite3"))
    settings = load_settings(str(file))
    assert (settings["smtp"]["host"], settings["smtp"]["port"]) == ("relay.example.net", 2525)
    assert isinstance(settings["smtp"]["password"], Secret)
    assert settings["smtp"]["password"].reveal() == "from-env"
    assert settings["journal"] == str(tmp_path / "j.sqlite3")


def test_settings_default_file_and_defaults(tmp_path: Path) -> None:
    assert load_settings(None)["smtp"] == {"host": None, "port": 587, "security": "starttls", "user": None,
                                           "password": None, "timeout": 30.0, "retries": 3, "backoff": 1.0,
                                           "cafile": None}
    default = tmp_path / "config" / "followup-rules" / "settings.yaml"
    default.parent.mkdir(parents=True)
    write_settings(default, "smtp:\n  host: mail.example.org\n  security: none\n")
    assert load_settings(None)["smtp"]["port"] == 25


@pytest.mark.parametrize("text, where, words", [
    ("smtp:\n  hots: mail.example.org\n", ":2:3: FR060", "did you mean 'host'"),
    ("smtp:\n  port: 70000\n", ":2:9: FR060", "1 to 65535"),
    ("smtp:\n  security: ssl\n", ":2:13: FR060", "starttls, tls, none"),
    ("- a list\n", ":1:1: FR060", "must be a mapping"),
])
def test_settings_problems_name_line_and_column(tmp_path: Path, text: str, where: str, words: str) -> None:
    file = write_settings(tmp_path / "s.yaml", text)
    with pytest.raises(UserError) as caught:
        load_settings(str(file))
    assert str(caught.value).startswith(str(file) + where) and words in str(caught.value)


def test_settings_password_hidden_from_errors_and_refused_in_readable_file(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    file = write_settings(tmp_path / "s.yaml", "smtp:\n  user: zoe\n  password: hunter2-secret\n", mode=0o644)
    with pytest.raises(UserError, match="FR061 .*others may read it.*chmod 600"):
        load_settings(str(file))
    monkeypatch.setenv("FOLLOWUP_SMTP_PORT", "not-a-port")
    with pytest.raises(UserError, match="FOLLOWUP_SMTP_PORT.*'not-a-port'"):
        load_settings(None)
    with pytest.raises(UserError, match="FR001 cannot read file"):
        load_settings(str(tmp_path / "missing.yaml"))


# --- the message ----------------------------------------------------------------------------------------

def test_eml_parses_with_required_headers_and_intact_utf8(tmp_path: Path, compose: Any) -> None:
    artifact, case, advice = rendered(accented_case(tmp_path))
    number = action_number("send_thank_you")
    action = advice.actions[number - 1]
    assert action.action == "send_thank_you"
    draft = compose(action, number, case, advice)
    assert artifact.data is not None and artifact.filename == "send_thank_you-rhernandez.eml"
    assert artifact.media_type == "message/rfc822"
    assert max(artifact.data) < 128, "the bytes on the wire are 7-bit: headers encoded, body quoted-printable"
    assert b"\r\n" in artifact.data and b"\n" not in artifact.data.replace(b"\r\n", b"")
    message = email.message_from_bytes(artifact.data, policy=email.policy.default)
    for header in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version"):
        assert message[header], f"missing {header}"
    assert message["From"].addresses[0].display_name == "Zoë Brontë"
    assert message["From"].addresses[0].addr_spec == "zoe.bronte@example.org"
    to = message["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in to] == [("Rosa Hernández", "rosa.hernandez@hudsonledger.example")]
    assert message["Subject"] == draft.subject
    assert message["Date"].datetime == advice.at
    assert message["MIME-Version"] == "1.0"
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == draft.body.rstrip("\n") + "\n"
    assert "Zoë Brontë" in message.get_content(), "the signature keeps its accents"


def test_message_id_is_stable_per_case_and_action(tmp_path: Path) -> None:
    path = accented_case(tmp_path)
    first, case, advice = rendered(path)
    later, _, _ = rendered(path, at="2025-03-06T18:30:00-05:00")
    assert first.meta["message_id"] == later.meta["message_id"]
    assert first.meta["message_id"] == f"<send_thank_you-rhernandez.{case_identity(case)}@example.org>"
    follow_up = [i + 1 for i, a in enumerate(advice.actions) if a.action == "send_follow_up"][0]
    other, _, _ = rendered(path, index=follow_up)
    assert other.key == "send_follow_up-1-rhernandez" and other.meta["message_id"] != first.meta["message_id"]
    moved = tmp_path / "moved.yaml"
    moved.write_bytes(path.read_bytes())
    assert case_identity(load_case(moved)) == case_identity(case), "renaming the file keeps the identity"
    moved.write_text(path.read_text(encoding="utf-8").replace("2025-03-06T1", "2025-03-10T1"), encoding="utf-8")
    assert case_identity(load_case(moved)) != case_identity(case), "a new interview is a new round"


def test_recipient_without_email_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"Rosa Hernández \(rhernandez\) has no email address"):
        rendered(accented_case(tmp_path, email_address=None))


def test_not_an_email_action_and_missing_sender(tmp_path: Path) -> None:
    path = accented_case(tmp_path)
    case = load_case(path)
    advice = api.advise(case, AT)
    names = [a.action for a in advice.actions]
    linkedin, search = names.index("connect_linkedin") + 1, names.index("continue_job_search") + 1
    thanks = names.index("send_thank_you") + 1
    with pytest.raises(UserError, match=f"action {linkedin} \\(connect_linkedin\\) goes by linkedin, not email"):
        channel.render(advice.actions[linkedin - 1], linkedin, case, advice, {"from": SENDER})
    with pytest.raises(UserError, match="has nobody to write to"):
        channel.render(advice.actions[search - 1], search, case, advice, {"from": SENDER})
    with pytest.raises(UserError, match="no sender address.*FOLLOWUP_FROM"):
        channel.render(advice.actions[thanks - 1], thanks, case, advice, {})
    with pytest.raises(UserError, match="'zoe-at-example' is not an email address"):
        channel.render(advice.actions[thanks - 1], thanks, case, advice, {"from": "zoe-at-example"})


def test_a_line_break_in_a_name_cannot_add_a_header(tmp_path: Path) -> None:
    path = accented_case(tmp_path, name="Rosa\r\nBcc: someone@evil.example")
    with pytest.raises(UserError, match=r"interviewer 'rhernandez': 'Rosa\\r\\nBcc: .*' contains a line break"):
        rendered(path)


def test_plugin_hooks_answer_only_for_email(tmp_path: Path) -> None:
    artifact, case, advice = rendered(accented_case(tmp_path))
    number = action_number("send_thank_you")
    action = advice.actions[number - 1]
    assert channel.followup_channels() == ["email"]
    assert channel.followup_render(action, number, case, advice, "calendar", {"from": SENDER}) is None
    assert channel.followup_deliver(replace(artifact, channel="calendar"), {}, True) is None
    from followup_rules.plugin.manager import plugins

    hooked = plugins().hook.followup_render(action=action, index=number, case=case, advice=advice, channel="email",
                                            settings={"from": SENDER})
    assert hooked.data == artifact.data


# --- the journal ----------------------------------------------------------------------------------------

def test_journal_states(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j" / "journal.sqlite3")
    assert journal.last("c", "k") is None and not journal.path.exists(), "reading creates nothing"
    first = journal.claim("c", "k", b"message one", "k.eml")
    assert first.granted and first.previous is None and first.draft.read_bytes() == b"message one"
    busy = journal.claim("c", "k", b"message one", "k.eml")
    assert not busy.granted and busy.previous is not None and busy.previous.state == "pending"
    journal.record("c", "k", "failed", "451 try later")
    again = journal.claim("c", "k", b"message one", "k.eml")
    assert again.granted and again.previous is not None and again.previous.detail == "451 try later"
    journal.record("c", "k", "sent", "250 OK", "<k.c@example.org>")
    done = journal.claim("c", "k", b"message one", "k.eml")
    assert not done.granted and done.previous is not None and done.previous.message_id == "<k.c@example.org>"
    assert [e.state for e in journal.history("c", "k")] == ["pending", "failed", "pending", "sent"]
    assert journal.claim("c", "other", b"x", "other.eml").granted, "keys are independent"
    assert journal.claim("another case", "k", b"x", "k.eml").granted, "cases are independent"


def claim_and_die(path: str, state: str) -> None:
    journal = Journal(path)
    assert journal.claim("c", "k", b"m", "k.eml").granted
    journal.record("c", "k", state)
    os._exit(0)  # as a crash would: the claim is never closed, the system drops its lock


@pytest.mark.parametrize("state, granted, becomes", [("pending", True, "pending"),
                                                     ("handed_over", False, "uncertain")])
def test_journal_attempt_of_a_dead_process(tmp_path: Path, state: str, granted: bool, becomes: str) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    dying = multiprocessing.get_context("spawn").Process(target=claim_and_die, args=(str(journal.path), state))
    dying.start()
    dying.join(timeout=60)
    assert journal.history("c", "k")[-1].state == state
    claim = journal.claim("c", "k", b"m", "k.eml")
    assert claim.granted is granted
    assert journal.history("c", "k")[-1].state == becomes


def claim_at_once(path: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    results.put(Journal(path).claim("case", "send_thank_you", b"m", "send_thank_you.eml").granted)


def test_journal_two_processes_claim_once(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(6), context.Queue()
    workers = [context.Process(target=claim_at_once, args=(str(tmp_path / "journal.sqlite3"), barrier, results))
               for _ in range(6)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(outcomes) == [False] * 5 + [True]


def test_action_key_text() -> None:
    from followup_rules.resolve.advice import Action

    assert action_key(Action("send_thank_you", ("a",), "email", None, "open")) == "send_thank_you"
    assert action_key(Action("send_follow_up", ("a",), "email", None, "open")) == "send_follow_up-1"
    assert action_key(Action("send_follow_up", ("a",), "email", None, "open", ordinal=2)) == "send_follow_up-2"
    materials = Action("send_materials", ("a",), None, None, "open", code="portfolio")
    assert action_key(materials) == "send_materials-portfolio"


# --- dry run through the CLI ----------------------------------------------------------------------------

def test_dry_run_shows_the_message_and_sends_nothing(tmp_path: Path, isolated: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_FROM", SENDER)
    monkeypatch.setenv("FOLLOWUP_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("FOLLOWUP_SMTP_USER", "zoe")
    monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD", "hunter2-secret")
    args = ("send", str(accented_case(tmp_path)), "--action", str(action_number("send_thank_you")), "--at", AT)
    code, out, err = followup(capsys, *args)
    assert code == 0 and err == ""
    assert out.startswith("Dry run: nothing was sent.")
    assert "To: Rosa Hernández <rosa.hernandez@hudsonledger.example>" in out
    assert "via mail.example.org:587 (STARTTLS, login zoe)" in out
    code, out, err = followup(capsys, *args, "--format", "json")
    assert code == 0
    data = json.loads(out)
    [message] = data["messages"]
    assert message["receipt"]["status"] == "dry-run"
    assert message["artifact"]["filename"] == "send_thank_you-rhernandez.eml"
    assert email.message_from_string(message["eml"], policy=email.policy.default)["Message-ID"] == \
        message["artifact"]["meta"]["message_id"]
    assert "hunter2" not in out
    assert not isolated.exists() and not isolated.parent.exists(), "a dry run writes no journal and no draft"


@pytest.mark.parametrize("args, words", [
    (("--action", "99"), "--action 99: the advice has "),
    (("--action", "connect_linkedin"), "action {} (connect_linkedin) goes by linkedin, not email"),
    (("--action", "send_thank_you", "--send"), "no SMTP server to send with"),
])
def test_send_refusals_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], words: str) -> None:
    monkeypatch.setenv("FOLLOWUP_FROM", SENDER)
    number = str(action_number(args[1])) if args[1].isidentifier() else args[1]
    words = words.format(number)
    code, out, err = followup(capsys, "send", str(accented_case(tmp_path)), "--at", AT, args[0], number, *args[2:])
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and words in err, err


def test_send_without_sender_in_a_fresh_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    number = str(action_number("send_thank_you"))
    done = subprocess.run([sys.executable, "-m", "followup_rules", "send", str(EXAMPLE), "--action", number, "--at", AT],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no sender address" in done.stderr and "Traceback" not in done.stderr
