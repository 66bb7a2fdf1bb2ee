"""The merged advice in the situations that made it untrustworthy, each against a principle of
docs/decisions.md ("Merged advice a coach would sign")."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from followup_rules import api
from followup_rules.core.case import Case, case_from_mapping, load_case
from followup_rules.core.moments import start_of_day
from followup_rules.core.ruleset import Style
from followup_rules.core.vocabulary import CONTACT_ACTIONS
from followup_rules.resolve.advice import Action, Advice
from followup_rules.resolve.merge import merge_styles

ROOT = Path(__file__).resolve().parents[2]
README_CASE = ROOT / "examples" / "just-after-interview.yaml"


def _case(name: str = "just-after-interview", **changes: Any) -> Case:
    data = copy.deepcopy(dict(load_case(ROOT / "examples" / f"{name}.yaml").raw))
    for key, value in changes.items():
        data[key] = value
    return case_from_mapping(data, f"{name}-variant.yaml")


def _one(advice: Advice, name: str, ordinal: int | None = None) -> tuple[int, Action]:
    found = [(n, a) for n, a in enumerate(advice.actions, 1) if a.action == name
             and (ordinal is None or a.ordinal == ordinal)]
    assert len(found) == 1, [a.action for a in advice.actions]
    return found[0]


# --- 1. Now matters ------------------------------------------------------------------------------

def test_the_readme_example_says_send_the_thank_you_now() -> None:
    advice = api.advise(README_CASE, "2025-03-06T16:00:00-05:00")
    number, thanks = _one(advice, "send_thank_you")
    assert number == 1 and thanks.state == "open" and thanks.strength == "must"
    assert thanks.window is not None and thanks.window.target.isoformat() == "2025-03-06T16:00:00-05:00"
    assert thanks.sentence == "Send Rosa Hernandez a thank-you email today, by tomorrow 15:00."
    backers = {c.ruleset for c in thanks.by if c.window is not None}
    assert backers == {"remotejobscape-dos-donts", "levo-5-things", "comprehensive-guide"}
    # 001's "on the day of" backs a window that includes the day of; "a day after" (004) and
    # "48 hours" (002) dissent with their own windows.
    assert {d.rule.split("/")[0] for d in thanks.dissent} == {"pro-tips", "how-often"}
    assert all(d.window is not None for d in thanks.dissent)


def test_a_day_later_the_thank_you_is_still_open_while_most_sources_say_so() -> None:
    advice = api.advise(README_CASE, "2025-03-07T16:00:00-05:00")
    _, thanks = _one(advice, "send_thank_you")
    assert thanks.state == "open"  # 000 closed at 15:00; 001, 003 and 004 still have it open
    assert "thank_you_late" not in {w.code for w in advice.warnings}
    conflict = next(c for c in advice.conflicts if c.about == "thank_you_late")
    assert [c.ruleset for c in conflict.sides[1].by] == ["remotejobscape-dos-donts"]


def test_every_backer_window_contains_the_target_and_open_ended_windows_close_softly() -> None:
    # 002's thank-you-as-first-follow-up and 003's "once more" never close on their own.
    advice = api.advise(ROOT / "examples" / "decision-date-passed.yaml", "2025-02-25T09:00:00+01:00")
    _, follow_up = _one(advice, "send_follow_up", 1)
    assert follow_up.window is not None and follow_up.window.closes is not None
    for citation in follow_up.by:
        assert citation.window is None or citation.window.contains(follow_up.window.target)
    soft = [c.window for c in follow_up.by if c.window is not None and c.window.soft]
    assert soft and all(w.closes is not None for w in soft)


def test_open_ended_windows_do_not_back_a_fixed_window_a_week_later() -> None:
    # 000, 002 and 003 have the first follow-up open now; 004 says "a week after the date".
    advice = api.advise(ROOT / "examples" / "decision-date-passed.yaml", "2025-02-25T09:00:00+01:00")
    _, follow_up = _one(advice, "send_follow_up", 1)
    assert follow_up.state == "open"
    assert "pro-tips" in {d.rule.split("/")[0] for d in follow_up.dissent}
    assert "pro-tips" not in {c.ruleset for c in follow_up.by}
    assert follow_up.trace is not None and follow_up.trace.decision.startswith("4 of 5 sources have it open now")


# --- 2. The employer's instructions bind every action ---------------------------------------------

def _no_contact_before() -> Case:
    data = copy.deepcopy(dict(load_case(ROOT / "examples" / "reply-with-new-date.yaml").raw))
    people = data["interviews"][-1]["interviewers"]
    for person in people:
        person["preferred_channel"] = "phone" if person["id"] == "dfoster" else person.get("preferred_channel", "none")
    data["employer"]["instructions"] = {"no_contact_before": "2025-04-21", "contact": "dfoster"}
    return case_from_mapping(data, "no-contact.yaml")


def test_no_contact_of_any_kind_before_the_date_the_employer_gave() -> None:
    case = _no_contact_before()
    assert case.person("dfoster") is not None
    advice = api.advise(case, "2025-04-14T10:00:00-05:00")
    earliest = start_of_day(case.no_contact_before, case.timezone)  # type: ignore[arg-type]
    contacts = [a for a in advice.actions if a.action in CONTACT_ACTIONS]
    assert contacts
    for action in contacts:
        assert action.window is not None and action.window.opens >= earliest, action.sentence
        assert action.state == "upcoming"
    assert "comply_with_instructions" in {a.action for a in advice.actions}
    call = [a for a in contacts if a.action == "place_call"]
    for action in call:
        assert action.window is not None and 9 <= action.window.target.astimezone(case.timezone).hour < 17
        assert action.to == ("dfoster",)


# --- 3. Don'ts constrain actions -------------------------------------------------------------------

def test_a_call_after_an_email_is_set_aside_when_its_sources_are_outnumbered() -> None:
    advice = api.advise(ROOT / "examples" / "decision-date-passed.yaml", "2025-02-25T09:00:00+01:00")
    assert "place_call" not in {a.action for a in advice.actions}
    aside = next(s for s in advice.set_aside if s.action.action == "place_call")
    assert "pro-tips/no-call-after-email" in aside.reason


def test_a_call_goes_into_call_hours_on_a_business_day() -> None:
    case = load_case(ROOT / "examples" / "phone-preferred.yaml")
    advice = api.advise(case, "2025-06-24T19:30:00-05:00")  # a Tuesday evening
    _, call = _one(advice, "place_call")
    local = call.window.target.astimezone(case.timezone) if call.window else None
    assert local is not None and 9 <= local.hour < 17 and local.weekday() < 5


def test_two_donts_that_leave_no_channel_keep_it_on_one_and_show_the_other_once() -> None:
    # Under strictest every objection binds: 001 moves the follow-up to the phone the recruiter
    # prefers, then 004 objects to a call after the thank-you email. Sending it back to email would
    # undo 001, so it stays a call and 004 is one conflict (before, it went back and forth).
    advice = api.advise(ROOT / "examples" / "phone-preferred.yaml", "2025-06-24T11:00:00-04:00", policy="strictest")
    _, follow_up = _one(advice, "send_follow_up", 1)
    assert follow_up.channel == "phone_call"
    assert [o.instruction for o in follow_up.overridden_by].count("levo-5-things/match-medium") == 1
    [conflict] = [c for c in advice.conflicts if c.about == "send_follow_up #1: call_after_email"]
    assert conflict.resolution == "kept: the don'ts leave it no other channel"
    assert [c.rule for c in conflict.sides[1].by] == ["pro-tips/no-call-after-email"]


# --- 4. Warnings are actionable and consistent ----------------------------------------------------

def test_after_a_rejection_nothing_is_said_about_a_note_sent_too_early() -> None:
    messages = [
        {"at": "2025-03-06T16:00:00", "direction": "out", "kind": "thank_you", "channel": "email",
         "party": "rhernandez"},
        {"at": "2025-03-20T11:00:00", "direction": "in", "kind": "rejection", "channel": "email",
         "party": "rhernandez"},
    ]
    early = api.advise(_case(messages=messages[:1]), "2025-03-10T10:00:00-04:00")
    noted = next(w for w in early.warnings if w.code == "thank_you_too_early")
    assert noted.severity == "info" and noted.note.startswith("already done")
    ended = api.advise(_case(messages=messages), "2025-04-03T10:00:00-04:00")
    assert "thank_you_too_early" not in {w.code for w in ended.warnings}
    assert {w.subject for w in ended.warnings} <= {"draft"} | {w.subject for w in ended.warnings
                                                               if w.code == "rejection_unanswered"}


def test_warnings_that_contradict_each_other_are_one_conflict_between_named_sources() -> None:
    # The evening after a panel: 000's 24 hours have passed, 002 (reading A) still says wait 48 hours.
    advice = api.advise(ROOT / "examples" / "panel-multiple-interviewers.yaml", "2025-09-17T21:00:00-07:00")
    codes = {w.code for w in advice.warnings}
    assert not {"thank_you_too_early", "thank_you_late"} & codes
    [conflict] = [c for c in advice.conflicts if c.about == "thank_you_too_early / thank_you_late"]
    early, late = conflict.sides
    assert [c.rule for c in early.by] == ["how-often/wait-48h-thank-you"]
    assert [c.rule for c in late.by] == ["remotejobscape-dos-donts/thank-you-within-24h"]


def test_styles_merge_to_one_constraint_per_code_the_strictest() -> None:
    assert merge_styles([[Style("concise", 3), Style("genuine")], [Style("concise", 2)], [Style("concise")]]) \
        == (Style("concise", 2), Style("genuine"))
    advice = api.advise(README_CASE, "2025-03-21T10:00:00-04:00")
    _, follow_up = _one(advice, "send_follow_up", 1)
    codes = [s.code for s in follow_up.style]
    assert len(codes) == len(set(codes))
    # 000's "concise" (no number) and 004's "less than three paragraphs" merge to 004's two.
    assert [s.max_paragraphs for s in follow_up.style if s.code == "concise"] == [2]


# --- 5. What comes next is shown -------------------------------------------------------------------

def test_during_the_interview_the_plan_is_shown_ahead() -> None:
    advice = api.advise(README_CASE, "2025-03-06T14:30:00-05:00")
    _, thanks = _one(advice, "send_thank_you")
    assert thanks.projected == "after the interview ends" and thanks.state == "upcoming"
    timeline = api.project(README_CASE, "2025-03-06T14:30:00-05:00")
    assert timeline.steps and timeline.steps[0].action.action == "send_thank_you"


def test_the_follow_up_after_the_thank_you_is_shown_before_the_thank_you_goes() -> None:
    advice = api.advise(ROOT / "examples" / "group-interview.yaml", "2025-10-08T15:00:00+02:00")
    _, follow_up = _one(advice, "send_follow_up", 1)
    assert follow_up.projected == "after the thank-you" and follow_up.state == "upcoming"
    assert follow_up.sentence.endswith("after the thank-you, around Wed 15 Oct 10:00.")


def test_a_reminder_says_the_date_it_is_for() -> None:
    advice = api.advise(README_CASE, "2025-03-06T16:00:00-05:00")
    _, reminder = _one(advice, "set_reminder")
    assert reminder.about is not None and reminder.about.date().isoformat() == "2025-03-14"
    assert reminder.sentence == "Note the decision date, Fri 14 Mar, in your calendar."


# --- 6. Readable by a job seeker -----------------------------------------------------------------

@pytest.mark.parametrize("stem", ["just-after-interview", "panel-multiple-interviewers", "rejection"])
def test_actions_come_in_order_of_urgency_with_names_and_strength(stem: str) -> None:
    path = ROOT / "examples" / f"{stem}.yaml"
    at = next(line.split()[2] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("# at:"))
    advice = api.advise(path, at)
    ranks = [{"overdue": 0, "open": 1, "upcoming": 2}[a.state] for a in advice.actions]
    assert ranks == sorted(ranks)
    for action in advice.actions:
        assert action.strength in ("must", "should", "may") and action.sentence.endswith(".")
        assert all(name in action.sentence for name in action.names)
        assert not any(person in action.sentence for person in action.to)  # names, never ids
