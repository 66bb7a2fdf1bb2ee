"""`followup agenda`: every application's actions by urgency, what waits on employers, broken files named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup_rules import api
from followup_rules.cli.main import cli, main
from followup_rules.tracking.docket import URGENCIES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
AT = "2025-03-06T16:00:00-05:00"


def agenda(*args: str) -> str:
    result = CliRunner().invoke(cli, ["agenda", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_example_action_is_listed_sorted_by_urgency() -> None:
    data = json.loads(agenda(str(EXAMPLES), "--at", AT, "--format", "json"))
    cases = sorted(EXAMPLES.glob("*.yaml"))
    assert data["cases"] == len(cases) and data["broken"] == []
    for path in cases:
        advice = api.advise(path, AT)
        listed = [i for i in data["items"] if Path(i["case"]).name == path.name]
        assert [i["action"] for i in sorted(listed, key=lambda i: i["number"])] == [a.action for a in advice.actions]
    ranks = [URGENCIES.index(i["urgency"]) for i in data["items"]]
    assert ranks == sorted(ranks) and ranks[0] == 0, "overdue first"
    overdue = data["items"][0]
    assert (overdue["company"], overdue["action"], overdue["people"]) == (
        "Kestrel Mobility GmbH", "send_follow_up", ["Aylin Kaya"])
    thank = next(i for i in data["items"] if i["company"] == "Hudson Ledger Partners" and i["action"] == "send_thank_you")
    # Open now, so due today (as `advise` says "today, by tomorrow 15:00"), first among today's items.
    assert thank["urgency"] == "today" and thank["due"] == "2025-03-07T15:00:00-05:00"
    today = [i for i in data["items"] if i["urgency"] == "today"]
    assert today[0] == thank
    assert any(w["company"] == "Hudson Ledger Partners" and w["until"] == "2025-03-14" for w in data["waiting"])


def test_text_lists_company_person_what_and_by_when_under_each_urgency() -> None:
    out = agenda(str(EXAMPLES), "--at", AT)
    assert out.index("Overdue (1)") < out.index("Due today") < out.index("Upcoming")
    assert "Due today (13)\n  Hudson Ledger Partners: Send thank-you to Rosa Hernandez — by Fri 2025-03-07 15:00" in out
    assert "Hudson Ledger Partners: Note the decision date, Fri 14 Mar, in your calendar — now, no deadline" in out
    assert "Waiting on the employer" in out and "they said they would decide by then (2025-03-14)" in out


def test_a_step_planned_within_seven_days_is_this_week(tmp_path: Path) -> None:
    case = tmp_path / "thanked.yaml"
    case.write_text((EXAMPLES / "just-after-interview.yaml").read_text(encoding="utf-8") + "messages:\n  - {at: "
                    "\"2025-03-06T17:00:00\", direction: out, kind: thank_you, channel: email, party: rhernandez}\n",
                    encoding="utf-8")
    out = agenda(str(case), "--at", "2025-03-12T10:00:00-04:00")
    assert "This week (1)\n  Hudson Ledger Partners: Send follow-up #1 to Rosa Hernandez — opens Mon 2025-03-17" in out
    later = agenda(str(case), "--at", "2025-03-10T10:00:00-04:00")
    assert "This week" not in later and "Upcoming (1)\n  Hudson Ledger Partners: Send follow-up #1" in later


def test_one_broken_case_is_named_with_its_place_and_the_others_still_listed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for path in EXAMPLES.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    broken = tmp_path / "zz-broken.yaml"
    broken.write_text("candidate:\n  name: Kim\n  timezone: Mars/Olympus\napplication: {company: X, position: Y}\n"
                      "interviews: []\n", encoding="utf-8")
    main_exit = None
    try:
        main(["agenda", str(tmp_path), "--at", AT])
    except SystemExit as exc:
        main_exit = exc.code
    captured = capsys.readouterr()
    assert main_exit in (None, 0)
    assert f"error: {broken}:5:13: FR011" in captured.err
    assert "Could not read (1)" in captured.out and "Kestrel Mobility GmbH: Send follow-up #1" in captured.out


def test_the_profile_beside_the_cases_is_not_a_case(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "just-after-interview.yaml", tmp_path / "hudson.yaml")
    (tmp_path / "followup.yaml").write_text("policy: strictest\n", encoding="utf-8")
    data = json.loads(agenda(str(tmp_path), "--at", AT, "--format", "json"))
    assert data["cases"] == 1 and data["broken"] == []


def test_exit_2_only_when_every_case_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_text("candidate: [\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["agenda", str(tmp_path)])
    assert exit_.value.code == 2 and f"{tmp_path / 'a.yaml'}:2:1: FR003" in capsys.readouterr().err


def test_markdown_and_ics() -> None:
    md = agenda(str(EXAMPLES / "just-after-interview.yaml"), "--at", AT, "--format", "markdown")
    assert md.startswith("# Agenda at 2025-03-06 16:00 EST") and "| Hudson Ledger Partners | Rosa Hernandez |" in md
    ics = agenda(str(EXAMPLES / "just-after-interview.yaml"), "--at", AT, "--format", "ics")
    from icalendar import Calendar

    events = Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == len(api.advise(EXAMPLES / "just-after-interview.yaml", AT).actions)
    assert any(str(e["SUMMARY"]) == "Hudson Ledger Partners: Send thank-you to Rosa Hernandez" for e in events)


def test_mail_is_a_dry_run_digest_through_the_email_channel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("FOLLOWUP_FROM", "Alex Rivera <alex@example.com>")
    monkeypatch.setenv("FOLLOWUP_SMTP_HOST", "127.0.0.1")
    result = CliRunner().invoke(cli, ["agenda", str(EXAMPLES), "--at", AT, "--mail"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was sent." in result.stderr
    assert "Subject: Follow-up agenda for Thu 2025-03-06: 1 overdue, 13 due today\n" in result.stderr
    assert "To: Alex Rivera <alex@example.com>" in result.stderr


def test_mail_send_delivers_the_digest_once_to_a_local_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typing import Any

    from aiosmtpd.controller import Controller

    class Box:
        def __init__(self) -> None:
            self.received: list[Any] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.received.append(envelope)
            return "250 OK"

    class Local(Controller):
        def _trigger_server(self) -> None:
            assert self.server is not None
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    box = Box()
    controller = Local(box, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        settings = tmp_path / "settings.yaml"
        settings.write_text(f"from: Alex Rivera <alex@example.com>\njournal: {tmp_path / 'journal.sqlite3'}\n"
                            f"smtp:\n  host: 127.0.0.1\n  port: {controller.port}\n  security: none\n", encoding="utf-8")
        settings.chmod(0o600)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        args = ["agenda", str(EXAMPLES), "--at", AT, "--mail", "--send", "--settings", str(settings)]
        for _ in range(2):
            result = CliRunner().invoke(cli, args, catch_exceptions=False)
            assert result.exit_code == 0, result.output
    finally:
        controller.stop()
    [envelope] = box.received
    assert envelope.rcpt_tos == ["alex@example.com"]
    assert b"Kestrel Mobility GmbH: Send follow-up #1 to Aylin Kaya" in envelope.original_content
    assert "duplicate: already sent" in result.stderr
