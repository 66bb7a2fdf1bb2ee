"""The projected plan: steps, their dates and citations, how it ends, and `followup timeline`."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from followup_rules.api import advise, project
from followup_rules.core.case import Case, case_from_mapping, load_case
from followup_rules.core.problems import UserError
from followup_rules.plugin import manager as plugin_module
from followup_rules.projection import Timeline
from followup_rules.resolve.advice import Citation

ROOT = Path(__file__).resolve().parent.parent
JUST_AFTER = ROOT / "examples" / "just-after-interview.yaml"
AT = "2025-03-06T16:00:00-05:00"
#: Three sources of which two allow a final follow-up and one says stop after two (the thank-you and one).
TWO_AGAINST_ONE = ["levo-5-things", "remotejobscape-dos-donts", "how-often"]


def _followup(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "followup_rules", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def plan() -> Timeline:
    return project(load_case(JUST_AFTER), AT, TWO_AGAINST_ONE)


def test_every_source_together_allows_one_follow_up_after_the_thank_you() -> None:
    # 002 (reading A) and 003 count the thank-you as the first follow-up and allow one more; their
    # don'ts outnumber the two sources that back a final follow-up, which is set aside.
    default = project(load_case(JUST_AFTER), AT)
    assert [(s.action.action, s.action.ordinal) for s in default.steps] == [
        ("send_thank_you", None), ("send_follow_up", 1)]
    assert default.ended == "stop" and default.steps[-1].final


def _within(moment: datetime, step: Any) -> bool:
    window = step.window
    return window.opens <= moment and (window.closes is None or moment < window.closes)


def test_just_after_interview_runs_thank_you_then_follow_ups_then_stop(plan: Timeline) -> None:
    assert [(s.action.action, s.action.ordinal) for s in plan.steps] == [
        ("send_thank_you", None), ("send_follow_up", 1), ("send_follow_up", 2)]
    assert plan.ended == "stop"
    assert [s.title for s in plan.steps] == [
        "Send thank-you to Rosa Hernandez", "Send follow-up #1 to Rosa Hernandez",
        "Send final follow-up #2 to Rosa Hernandez"]
    assert [a.action for a in plan.closing] == ["stop_following_up", "continue_job_search"]
    stop = plan.closing[0]
    assert {c.rule for c in stop.by} == {"how-often/let-go-after-two", "levo-5-things/move-on"}
    assert plan.end == plan.steps[-1].at


def test_each_step_cites_its_rules_and_is_taken_inside_its_window(plan: Timeline) -> None:
    previous = plan.start
    for step in plan.steps:
        assert step.by and all(isinstance(c, Citation) and c.quote and c.rule for c in step.by)
        assert step.window is not None and _within(step.at, step)
        assert step.at == max(step.window.target, step.evaluated_at)
        assert step.at >= previous and step.evaluated_at == previous
        assert not step.late
        previous = step.at
    assert "levo-5-things/thank-you-day-of-or-next" in {c.rule for c in plan.steps[0].by}
    assert "levo-5-things/first-follow-up-1-2-weeks" in {c.rule for c in plan.steps[1].by}
    assert "levo-5-things/final-follow-up" in {c.rule for c in plan.steps[2].by}


def test_dates_follow_the_windows_in_the_candidates_timezone(plan: Timeline) -> None:
    local = [s.at.astimezone(plan.case.timezone).strftime("%Y-%m-%d %H:%M %Z") for s in plan.steps]
    # The thank-you is open now for most sources, so it is due now (16:00), not the next morning.
    assert local == ["2025-03-06 16:00 EST", "2025-03-18 10:00 EDT", "2025-03-25 10:00 EDT"]


def test_a_follow_up_against_a_minority_stop_records_what_it_outweighs(plan: Timeline) -> None:
    thank_you, first, final = plan.steps
    assert thank_you.despite == () and first.despite == ()
    assert [c.rule for c in final.despite] == ["how-often/let-go-after-two"]
    assert final.final and not first.final


def test_strictest_policy_lets_the_stop_win(plan: Timeline) -> None:
    strict = project(load_case(JUST_AFTER), AT, TWO_AGAINST_ONE, policy="strictest")
    assert [s.action.action for s in strict.steps] == ["send_thank_you", "send_follow_up"]
    assert strict.ended == "stop" and all(s.despite == () for s in strict.steps)
    assert len(strict.steps) < len(plan.steps)


def test_the_projected_case_holds_every_step_as_a_validated_message(plan: Timeline) -> None:
    sent = [(m.kind, m.channel, m.party, m.at) for m in plan.projected.messages]
    assert sent == [(kind, "email", "rhernandez", s.at) for kind, s in
                    zip(("thank_you", "follow_up", "follow_up"), plan.steps)]
    assert plan.case.messages == ()
    after = advise(plan.projected, plan.end)
    assert "stop_following_up" in {a.action for a in after.actions}


def test_a_group_thank_you_is_one_message_per_recipient() -> None:
    timeline = project(load_case(ROOT / "examples" / "group-interview.yaml"), "2025-10-08T15:00:00+02:00")
    first = timeline.steps[0]
    assert first.action.action == "send_thank_you" and len(first.action.to) > 1
    thanks = [m.party for m in timeline.projected.messages if m.kind == "thank_you"]
    assert thanks == list(first.action.to)
    assert first.title.startswith("Send thank-you to ") and " and " in first.title


def test_an_overdue_thank_you_is_taken_at_once_and_marked_late() -> None:
    timeline = project(load_case(JUST_AFTER), "2025-03-10T09:00:00")
    first = timeline.steps[0]
    assert first.action.action == "send_thank_you" and first.action.state == "overdue"
    assert first.at == timeline.start and first.late
    assert not any(s.late for s in timeline.steps[1:])


def test_requested_materials_are_sent_once_and_marked_sent() -> None:
    raw = copy.deepcopy(dict(load_case(JUST_AFTER).raw))
    raw["materials"] = [{"item": "dashboard sample", "origin": "requested_by_employer",
                         "requested_at": "2025-03-06T15:00:00", "party": "rhernandez"}]
    timeline = project(case_from_mapping(raw, "materials.yaml"), AT)
    actions = [s.action.action for s in timeline.steps]
    assert actions.count("send_materials") == 1 and actions[0] == "send_materials"
    assert timeline.steps[0].at == timeline.start
    assert timeline.projected.materials[0].sent_at == timeline.steps[0].at


def test_max_steps_bounds_the_projection() -> None:
    one = project(load_case(JUST_AFTER), AT, max_steps=1)
    assert len(one.steps) == 1 and one.ended == "max_steps"
    none = project(load_case(JUST_AFTER), AT, max_steps=0)
    assert none.steps == () and none.ended == "max_steps" and none.end == none.start


def test_a_rejection_ends_with_nothing_left_to_do() -> None:
    timeline = project(load_case(ROOT / "examples" / "rejection.yaml"), "2025-05-22T18:00:00+01:00")
    assert [s.title for s in timeline.steps] == ["Reply to Hannah Nguyen about the rejection"]
    assert timeline.ended == "done"


def test_unknown_policy_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown policy 'loudest'"):
        project(load_case(JUST_AFTER), AT, policy="loudest")


def test_projection_does_not_show_hypothetical_advice_to_observers(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Case] = []
    monkeypatch.setattr(plugin_module, "observe", lambda advice, case: seen.append(case))
    project(load_case(JUST_AFTER), AT)
    assert seen == []


def test_to_dict_is_json_and_deterministic(plan: Timeline) -> None:
    again = project(load_case(JUST_AFTER), AT, TWO_AGAINST_ONE)
    assert json.dumps(plan.to_dict()) == json.dumps(again.to_dict())
    data = plan.to_dict()
    assert data["ended"] == "stop" and data["timezone"] == "America/New_York"
    assert data["steps"][0]["title"] == "Send thank-you to Rosa Hernandez"
    assert data["steps"][2]["despite"][0]["rule"] == "how-often/let-go-after-two"


def test_cli_timeline_text_lists_steps_dates_and_rules() -> None:
    done = _followup("timeline", str(JUST_AFTER.relative_to(ROOT)), "--at", AT,
                     *[a for rid in TWO_AGAINST_ONE for a in ("--ruleset", rid)])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    lines = [line for line in out.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert lines == [
        " 1. Thu 2025-03-06 16:00 EST  Send thank-you to Rosa Hernandez by email",
        " 2. Tue 2025-03-18 10:00 EDT  Send follow-up #1 to Rosa Hernandez by email",
        " 3. Tue 2025-03-25 10:00 EDT  Send final follow-up #2 to Rosa Hernandez by email",
    ]
    assert "because  levo-5-things/final-follow-up" in out
    assert "despite  how-often/let-go-after-two" in out
    assert "stop_following_up" in out and "The rules say stop following up here." in out
    assert "\x1b[" not in out


def test_cli_timeline_json_ruleset_and_policy() -> None:
    done = _followup("timeline", str(JUST_AFTER), "--at", AT, "--ruleset", "levo-5-things",
                     "--policy", "strictest", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [r["id"] for r in data["rulesets"]] == ["levo-5-things"]
    assert data["policy"] == "strictest"
    assert [s["action"]["action"] for s in data["steps"]] == ["send_thank_you", "send_follow_up", "send_follow_up"]
    assert all(c["rule"].startswith("levo-5-things/") for s in data["steps"] for c in s["action"]["by"])


@pytest.mark.parametrize("args", [("--at", "yesterday"), ("--ruleset", "no-such-ruleset")])
def test_cli_timeline_bad_input_is_one_error_line(args: tuple[str, str]) -> None:
    done = _followup("timeline", str(JUST_AFTER), *args)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
