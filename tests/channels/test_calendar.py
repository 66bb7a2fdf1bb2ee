"""The calendar channel and `followup export --ics`: parsed back with icalendar, imported into khal."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from followup_rules.api import advise, project
from followup_rules.channels import calendar as channel
from followup_rules.core.case import case_from_mapping, load_case
from followup_rules.core.problems import UserError
from followup_rules.plugin.manager import plugins
from followup_rules.projection import Timeline

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "examples" / "just-after-interview.yaml"
AT = "2025-03-06T16:00:00-05:00"
#: Sources of which two allow a final follow-up against one that says stop: a three-step plan.
RULESETS = ["levo-5-things", "remotejobscape-dos-donts", "how-often"]
SELECT = [a for rid in RULESETS for a in ("--ruleset", rid)]


def _followup(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "followup_rules", *args], cwd=ROOT, capture_output=True,
                          timeout=120, check=False)


def _export(target: Path, *args: str, case: Path = CASE) -> Calendar:
    done = _followup("export", str(case), "--at", AT, "--ics", str(target), *SELECT, *args)
    assert done.returncode == 0, done.stderr.decode()
    return Calendar.from_ical(target.read_bytes())


@pytest.fixture(scope="module")
def plan() -> Timeline:
    return project(load_case(CASE), AT, RULESETS)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("ics") / "plan.ics"
    _export(target)
    return target


def test_one_event_per_step_at_its_time_for_thirty_minutes(exported: Path, plan: Timeline) -> None:
    events = Calendar.from_ical(exported.read_bytes()).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [
        "Send thank-you to Rosa Hernandez (Hudson Ledger Partners)",
        "Send follow-up #1 to Rosa Hernandez (Hudson Ledger Partners)",
        "Send final follow-up #2 to Rosa Hernandez (Hudson Ledger Partners)"]
    for event, step in zip(events, plan.steps, strict=True):
        start = event.decoded("dtstart")
        assert start == step.at and str(start.tzinfo) == "America/New_York"
        assert event["dtstart"].params["TZID"] == "America/New_York"
        assert event.decoded("dtend") - start == timedelta(minutes=30)
        assert event.decoded("dtstamp") == plan.start.astimezone(UTC)


def test_the_calendar_carries_its_timezone_definition(exported: Path) -> None:
    calendar = Calendar.from_ical(exported.read_bytes())
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert str(calendar["prodid"]) == channel.PRODID and str(calendar["version"]) == "2.0"


def test_alarms_an_hour_before_and_when_the_window_opens(exported: Path, plan: Timeline) -> None:
    events = Calendar.from_ical(exported.read_bytes()).walk("VEVENT")
    for event, step in zip(events, plan.steps, strict=True):
        alarms = event.walk("VALARM")
        triggers = [a.decoded("trigger") for a in alarms]
        assert all(str(a["action"]) == "DISPLAY" and str(a["description"]) for a in alarms)
        assert triggers[0] == -timedelta(hours=1)
        # A second alarm when the window opens more than an hour before the step.
        assert triggers[1:] == ([step.window.opens] if step.window.opens < step.at - timedelta(hours=1) else [])
        assert all(a["trigger"].params["VALUE"] == "DATE-TIME" for a in alarms[1:])


def test_descriptions_cite_every_rule_with_its_quote(exported: Path, plan: Timeline) -> None:
    events = Calendar.from_ical(exported.read_bytes()).walk("VEVENT")
    for event, step in zip(events, plan.steps, strict=True):
        description = str(event["description"])
        assert description.startswith(f"{step.title} by email, about the Senior Data Analyst position")
        assert "Window: opens " in description and "closes " in description
        for citation in step.by:
            assert f"- {citation.rule} (source {citation.source})" in description
            assert f"“{citation.quote}”" in description
    final = str(events[-1]["description"])
    assert "Outweighed (these rules already say stop):\n- how-often/let-go-after-two" in final
    assert "Afterwards: stop following up." in final and "levo-5-things/move-on" in final
    assert "Afterwards" not in str(events[0]["description"])


def test_uids_are_unique_and_reexporting_changes_none(exported: Path, tmp_path: Path) -> None:
    first = [str(e["uid"]) for e in Calendar.from_ical(exported.read_bytes()).walk("VEVENT")]
    assert len(set(first)) == len(first) == 3 and all(u.endswith("@followup-rules") for u in first)
    again = tmp_path / "again.ics"
    _export(again)
    assert again.read_bytes() == exported.read_bytes()


def test_reexport_after_the_thank_you_keeps_the_follow_up_uids(exported: Path, tmp_path: Path) -> None:
    before = {str(e["summary"]): str(e["uid"]) for e in Calendar.from_ical(exported.read_bytes()).walk("VEVENT")}
    raw = copy.deepcopy(dict(load_case(CASE).raw))
    raw["messages"] = [{"at": "2025-03-07T10:00:00", "direction": "out", "kind": "thank_you",
                        "channel": "email", "party": "rhernandez"}]
    later = project(case_from_mapping(raw, "sent.yaml"), "2025-03-07T12:00:00", RULESETS)
    after = {str(e["summary"]): str(e["uid"]) for e in channel.timeline_calendar(later).walk("VEVENT")}
    assert len(after) == 2 and all(before[summary] == uid for summary, uid in after.items())


def test_uid_depends_on_the_case_identity_and_the_action(plan: Timeline) -> None:
    thank_you, first, _ = plan.steps
    case = plan.case
    assert channel.uid(case, thank_you.action) != channel.uid(case, first.action)
    raw = copy.deepcopy(dict(case.raw))
    raw["application"] = dict(raw["application"], company="Another Company")
    assert channel.uid(case_from_mapping(raw), first.action) != channel.uid(case, first.action)


def test_render_hook_gives_a_one_event_ics_for_a_calendar_action(exported: Path) -> None:
    case = load_case(CASE)
    advice = advise(case, AT)
    index, action = next((i, a) for i, a in enumerate(advice.actions, 1) if a.action == "send_thank_you")
    artifact = plugins().hook.followup_render(action=action, index=index, case=case, advice=advice,
                                              channel="calendar", settings={})
    assert artifact is not None and artifact.channel == "calendar" and artifact.media_type == "text/calendar"
    assert artifact.filename == "send-thank-you-to-rosa-hernandez.ics" and artifact.to == ("rhernandez",)
    events = Calendar.from_ical(artifact.data).walk("VEVENT")
    assert len(events) == 1
    exported_uid = str(Calendar.from_ical(exported.read_bytes()).walk("VEVENT")[0]["uid"])
    assert str(events[0]["uid"]) == artifact.key == exported_uid
    assert events[0].decoded("dtstart") == action.window.target
    assert artifact.body == str(events[0]["description"]) and "levo-5-things/" in artifact.body
    assert "calendar" in [name for names in plugins().hook.followup_channels() for name in names]


def test_render_hook_leaves_other_channels_and_refuses_untimed_actions() -> None:
    case = load_case(CASE)
    advice = advise(case, AT)
    thank_you = next(a for a in advice.actions if a.action == "send_thank_you")
    assert channel.followup_render(action=thank_you, case=case, advice=advice, channel="email") is None
    untimed = next(a for a in advice.actions if a.window is None)
    with pytest.raises(UserError, match="no time window"):
        channel.followup_render(action=untimed, case=case, advice=advice, channel="calendar")


def test_export_refuses_to_overwrite_what_is_not_its_calendar(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n", encoding="utf-8")
    done = _followup("export", str(CASE), "--at", AT, "--ics", str(notes))
    assert done.returncode == 2 and b"FR080" in done.stderr and b"nothing was overwritten" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert notes.read_text(encoding="utf-8") == "my notes\n"
    copied = tmp_path / "case.yaml"
    shutil.copy(CASE, copied)
    done = _followup("export", str(copied), "--at", AT, "--ics", str(copied))
    assert done.returncode == 2 and b"which this command reads" in done.stderr
    assert copied.read_bytes() == CASE.read_bytes()


def test_export_replaces_an_earlier_export_and_can_write_to_stdout(tmp_path: Path) -> None:
    target = tmp_path / "plan.ics"
    target.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    calendar = _export(target, "--policy", "strictest")
    assert len(calendar.walk("VEVENT")) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.ics"]
    done = _followup("export", str(CASE), "--at", AT, "--ics", "-", *SELECT)
    assert done.returncode == 0 and len(Calendar.from_ical(done.stdout).walk("VEVENT")) == 3


def _khal(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["khal", "-c", str(config), *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_khal_imports_the_plan(exported: Path, plan: Timeline, tmp_path: Path) -> None:
    if os.environ.get("FOLLOWUP_SKIP_KHAL") == "1":
        pytest.skip("FOLLOWUP_SKIP_KHAL=1")
    if shutil.which("khal") is None:
        pytest.fail("khal is not installed; install it with `apt-get update && apt-get install -y khal` "
                    "(or set FOLLOWUP_SKIP_KHAL=1 on a machine without it)")
    vdir = tmp_path / "vdir" / "plan"
    vdir.mkdir(parents=True)
    config = tmp_path / "khal.conf"
    config.write_text(f"""[calendars]
[[plan]]
path = {vdir}
type = calendar

[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
local_timezone = America/New_York
default_timezone = America/New_York

[default]
default_calendar = plan

[sqlite]
path = {tmp_path / "khal.db"}
""", encoding="utf-8")
    env = dict(os.environ, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    for _ in range(2):  # the second import must update, not duplicate
        done = _khal(config, env, "import", "--batch", str(exported))
        assert done.returncode == 0, done.stderr
    uids = [str(e["uid"]) for e in Calendar.from_ical(exported.read_bytes()).walk("VEVENT")]
    assert sorted(p.name for p in vdir.iterdir()) == sorted(f"{uid}.ics" for uid in uids)
    listed = _khal(config, env, "list", "2025-03-01", "2025-04-30", "-df", "", "-f",
                   "{start} | {end} | {title} | {uid}{alarm-symbol}")
    assert listed.returncode == 0, listed.stderr
    rows = [line for line in listed.stdout.splitlines() if line.strip()]
    assert rows == [f"{s.at:%Y-%m-%d %H:%M} | {s.at + timedelta(minutes=30):%Y-%m-%d %H:%M} | "
                    f"{s.title} (Hudson Ledger Partners) | {uid} ⏰" for s, uid in zip(plan.steps, uids, strict=True)]
