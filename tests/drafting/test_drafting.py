"""Drafts from templates: filled from the case, shaped by include and style, sandboxed, and clean
under the rules that asked for them."""

from __future__ import annotations

import copy
import tracemalloc
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from _examples import EXAMPLES, action_of, example_at, situation
from jinja2 import DictLoader

from followup_rules import api
from followup_rules.core import vocabulary
from followup_rules.core.case import Case, case_from_mapping, load_case
from followup_rules.core.problems import UserError
from followup_rules.core.ruleset import Style
from followup_rules.drafting import compose, kinds, sandbox, schedule, sentences
from followup_rules.facts.derive import case_words
from followup_rules.facts.draft_text import analyse
from followup_rules.resolve.advice import Action, Advice

ROOT = Path(__file__).resolve().parents[2]


def drafted(stem: str, name: str, **changes: Any) -> compose.Composition:
    case, advice = situation(stem)
    index, action = action_of(advice, name)
    return compose.compose(replace(action, **changes), index, case, advice)


# --- filled from the case ---------------------------------------------------------------------

def test_long_date_reads_like_a_letter() -> None:
    assert compose.long_date(date(2025, 3, 6)) == "Thursday, March 6"
    assert compose.long_date(date(2025, 10, 18)) == "Saturday, October 18"


def test_thank_you_is_filled_from_the_case() -> None:
    draft = drafted("just-after-interview", "send_thank_you")
    assert (draft.kind, draft.to, draft.names, draft.template) == (
        "thank_you", ("rhernandez",), ("Rosa Hernandez",), "thank_you.txt.j2")
    assert draft.subject == "Thank you for the Senior Data Analyst interview"
    assert draft.body.startswith("Dear Rosa,\n\nThank you for taking the time to meet with me on Thursday, March 6.")
    assert "our discussion of quarterly risk reporting automation" in draft.body
    assert "Senior Data Analyst role at Hudson Ledger Partners" in draft.body
    assert draft.body.endswith("Best regards,\nMaya Goldberg\n")


def test_follow_up_names_the_latest_decision_date_and_goes_to_the_primary_contact() -> None:
    case, advice = situation("reply-with-new-date")
    index, action = action_of(advice, "send_follow_up")
    draft = compose.compose(replace(action, to=("mosei", "dfoster")), index, case, advice)
    assert draft.to == ("dfoster",) and draft.body.startswith("Dear Dana,")
    assert "make a decision by Tuesday, April 22." in draft.body
    assert "April 8" not in draft.body
    assert "REDCap data validation rules" in draft.body


def test_decision_date_reads_as_past_once_it_has_passed() -> None:
    body = drafted("decision-date-passed", "send_follow_up").body
    assert "You mentioned that you expected to make a decision by Friday, February 21." in body


def test_group_thank_you_goes_to_the_lead_and_asks_to_pass_thanks_on() -> None:
    draft = drafted("group-interview", "send_thank_you")
    assert (draft.kind, draft.to) == ("thank_you_group_lead", ("mbauer",))
    assert draft.body.startswith("Dear Dr. Bauer,")
    assert "pass on my thanks to Sabine Fischer, Kerem Yilmaz and Anna Richter?" in draft.body
    assert "case study on pricing a flood insurance product" in draft.body


def test_virtual_interview_with_trouble_is_spoken_of_as_such() -> None:
    draft = drafted("panel-multiple-interviewers", "send_thank_you",
                    include=("thank_for_virtual_format", "address_technical_issues"))
    assert "speak with me on Tuesday, September 16" in draft.body
    assert "arranging the video call" in draft.body
    assert "patience with the connection problems" in draft.body


def test_competing_offer_notice_states_preference_and_hope() -> None:
    body = drafted("competing-offer-written", "notify_competing_offer").body
    assert "I have received a written job offer from another company." in body
    assert "Maple Ridge Robotics remains my first choice" in body
    assert "before I have to give the other company my answer" in body


def test_rejection_reply_and_feedback_request() -> None:
    reply = drafted("rejection", "respond_to_rejection")
    feedback = drafted("rejection", "request_feedback")
    assert reply.kind == "rejection_reply" and "future openings at Fernhill Studio" in reply.body
    assert feedback.kind == "feedback_request" and "any feedback that could help me improve" in feedback.body
    assert reply.to == feedback.to == ("hnguyen",)


# --- include codes ----------------------------------------------------------------------------

SENTENCE_SAMPLES = {
    "reference_specific_topic": "I especially enjoyed our discussion of quarterly risk reporting automation.",
    "ask_for_update": "I would be grateful for any update you can share on the hiring process.",
    "mention_stated_decision_date": "I understand that you expect to make a decision by Friday, March 14.",
    "look_forward_to_hearing": "I look forward to hearing from you.",
    "express_interest_in_future_opportunities": "future openings at Hudson Ledger Partners.",
}


@pytest.mark.parametrize("code", sorted(SENTENCE_SAMPLES))
def test_an_included_code_says_its_sentence(code: str) -> None:
    without = drafted("just-after-interview", "send_follow_up", include=(), style=()).body
    with_code = drafted("just-after-interview", "send_follow_up", include=(code,), style=()).body
    if code != "reference_specific_topic":  # the follow-up names the topic even unasked
        assert SENTENCE_SAMPLES[code] not in without
    assert SENTENCE_SAMPLES[code] in with_code


@pytest.mark.parametrize("code", vocabulary.INCLUDE_CODES)
def test_no_code_is_ever_printed_raw(code: str) -> None:
    body = drafted("panel-multiple-interviewers", "send_thank_you", include=(code,)).body
    assert code not in body and "_" not in body and "{" not in body
    if code not in sentences.SENTENCES:
        assert body == drafted("panel-multiple-interviewers", "send_thank_you", include=()).body


def test_every_include_code_has_a_sentence_or_is_knowingly_skipped() -> None:
    without = {"highlight_one_unique_thing", "address_open_questions", "highlight_existing_contributions",
               "show_product_knowledge", "reference_market_trends", "show_industry_trend_awareness",
               "emphasize_patient_care_and_ethics", "reference_research_or_advances"}
    assert set(vocabulary.INCLUDE_CODES) - set(sentences.SENTENCES) == without


def test_a_code_missing_its_data_is_skipped() -> None:
    case, advice = situation("group-interview")
    index, action = action_of(advice, "send_thank_you")
    draft = compose.compose(replace(action, include=("mention_stated_decision_date",)), index, case, advice,
                             "thank_you")
    assert "decision" not in draft.body  # the group case states no decision date


# --- style ------------------------------------------------------------------------------------

@pytest.mark.parametrize("limit", [1, 2, 3])
@pytest.mark.parametrize("kind", [k for k in kinds.KINDS if k not in ("linkedin_note", "call_script")])
def test_concise_keeps_to_its_paragraphs_and_every_sentence(kind: str, limit: int) -> None:
    case, advice = situation("competing-offer-written")
    index, action = action_of(advice, "send_follow_up")
    free = compose.compose(replace(action, style=()), index, case, advice, kind)
    tight = compose.compose(replace(action, style=(Style("concise", limit),)), index, case, advice, kind)
    assert analyse(tight.body).paragraphs <= limit
    assert tight.body.split() == free.body.split()


def test_concise_without_a_number_means_three_paragraphs() -> None:
    case, advice = situation("competing-offer-written")
    index, action = action_of(advice, "send_follow_up")
    four = "{{ salutation }}\n\nOne.\n\nTwo.\n\nThree.\n\nFour.\n\nBest regards,\n{{ candidate.name }}\n"
    loose = compose.compose(replace(action, style=()), index, case, advice, template=four)
    concise = compose.compose(replace(action, style=(Style("concise"),)), index, case, advice, template=four)
    assert (analyse(loose.body).paragraphs, analyse(concise.body).paragraphs) == (4, 3)
    # the shortest neighbours merge, the first pair on a tie
    assert "Dear Elena,\n\nOne. Two.\n\nThree.\n\nFour.\n\nBest regards," in concise.body


def _case_with_topic(topic: str) -> tuple[Case, Advice, int, Action]:
    data = copy.deepcopy(dict(load_case(EXAMPLES["just-after-interview"]).raw))
    data["interviews"][0]["topics"] = [topic]
    case = case_from_mapping(data, "topic.yaml")
    advice = api.advise(case, example_at("just-after-interview"))
    index, action = action_of(advice, "send_thank_you")
    return case, advice, index, action


def test_professional_tone_drops_a_sentence_with_an_exclamation_mark() -> None:
    case, advice, index, action = _case_with_topic("the Yahoo! Mail migration")
    plain = compose.compose(replace(action, style=()), index, case, advice)
    professional = compose.compose(replace(action, style=(Style("professional_tone"),)), index, case, advice)
    assert "our discussion of the Yahoo! Mail migration." in plain.body
    assert "!" not in professional.body and "Mail migration" not in professional.body


@pytest.mark.parametrize("topic", ["the \U0001F680 rocket launch", "what we are gonna build next",
                                   "why is this taking so long"])
def test_sentences_the_rules_would_flag_are_never_written(topic: str) -> None:
    case, advice, index, action = _case_with_topic(topic)
    body = compose.compose(action, index, case, advice).body
    found = analyse(body)
    assert topic not in body
    assert (found.emoji_count, found.slang_count, found.pushy_count) == (0, 0, 0)


@pytest.mark.parametrize("stem", sorted(EXAMPLES))
def test_shipped_templates_write_in_a_professional_tone(stem: str) -> None:
    case, advice = situation(stem)
    for index, action in enumerate(advice.actions, 1):
        if not kinds.is_message(action):
            continue
        for message in compose.messages(action, case, advice):
            for kind in kinds.KINDS:
                body = compose.compose(message, index, case, advice, kind).body
                offer = kind == "competing_offer" or "mention_competing_offer" in action.include
                findings = [f for f in analyse(body, known=case_words(case)).findings
                            if not (offer and f.kind == "competing_offer")]
                assert "!" not in body and findings == [], (kind, body)


# --- kinds and recipients ---------------------------------------------------------------------

def test_kind_follows_the_action() -> None:
    base = Action("send_follow_up", ("pat",), "email", None, "open")
    assert kinds.kind_of(base) == "follow_up"
    assert kinds.kind_of(replace(base, ordinal=2)) == "final_follow_up"
    assert kinds.kind_of(replace(base, action="send_thank_you")) == "thank_you"
    assert kinds.kind_of(replace(base, action="send_thank_you",
                                    include=("ask_lead_to_extend_thanks",))) == "thank_you_group_lead"
    expected = {"send_materials": "materials", "connect_linkedin": "linkedin_note", "place_call": "call_script",
                "respond_to_rejection": "rejection_reply", "request_feedback": "feedback_request",
                "notify_competing_offer": "competing_offer"}
    for name, kind in expected.items():
        assert kinds.kind_of(replace(base, action=name)) == kind


@pytest.mark.parametrize("kind", kinds.KINDS)
@pytest.mark.parametrize("name", ["send_thank_you", "send_follow_up", "connect_linkedin", "continue_job_search"])
def test_an_action_can_be_drafted_as_any_kind(name: str, kind: str) -> None:
    action = Action(name, ("pat",), None, None, "open", include=("ask_lead_to_extend_thanks", "ask_for_update"),
                    ordinal=3)
    changed = kinds.as_kind(action, kind)
    assert kinds.kind_of(changed) == kind
    assert "ask_for_update" in changed.include and changed.to == action.to


def test_an_action_that_is_not_a_message_cannot_be_drafted() -> None:
    action = Action("continue_job_search", (), None, None, "open")
    assert not kinds.is_message(action)
    with pytest.raises(UserError, match=r"action 2 \(continue_job_search\) is not a message"):
        kinds.kind_of(action, 2)


def test_individual_notes_are_split_and_status_messages_narrowed() -> None:
    case, advice = situation("panel-multiple-interviewers")
    _, thanks = action_of(advice, "send_thank_you")
    assert [m.to for m in compose.messages(thanks, case, advice)] == [("cwu",), ("bjohnson",)]
    case, advice = situation("reply-with-new-date")
    _, follow_up = action_of(advice, "send_follow_up")
    both = replace(follow_up, to=("mosei", "dfoster"))
    assert [m.to for m in compose.messages(both, case, advice)] == [("dfoster",)]


def test_an_unknown_kind_is_a_user_error() -> None:
    case, advice = situation("just-after-interview")
    index, action = action_of(advice, "send_thank_you")
    with pytest.raises(UserError, match="unknown draft kind 'memo'"):
        compose.compose(action, index, case, advice, "memo")


# --- the sandbox ------------------------------------------------------------------------------

def _with_template(source: str) -> compose.Composition:
    case, advice = situation("just-after-interview")
    index, action = action_of(advice, "send_thank_you")
    return compose.compose(action, index, case, advice, template=source)


@pytest.mark.parametrize("source, error", [
    ("{{ ''.__class__ }}", "SecurityError"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "SecurityError"),
    ("{{ candidate.__class__ }}", "SecurityError"),
    ("{{ say.__globals__ }}", "SecurityError"),
    ("{{ interview.topics.append('x') }}", "SecurityError"),
    ("{{ 'x' * 10**9 }}", "SecurityError"),
    ("{{ 2 ** 100000 }}", "SecurityError"),
    ("{% include '/etc/passwd' %}", "TemplateNotFound"),
    ("{% import '../../../../etc/passwd' as secrets %}", "TemplateNotFound"),
    ("{% extends '/etc/hostname' %}", "TemplateNotFound"),
    ("{{ range(10**9)|list }}", "OverflowError"),
    ("{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}", "RecursionError"),
    ("{{ lipsum() }}", "UndefinedError"),
    ("{{ undefined_name }}", "UndefinedError"),
    ("{% if %}", "TemplateSyntaxError"),
])
def test_a_template_cannot_run_code_or_read_files(source: str, error: str) -> None:
    with pytest.raises(UserError, match=error) as caught:
        _with_template(source)
    assert "root:" not in str(caught.value)


@pytest.mark.parametrize("source", [
    "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    "{{ 'x'|center(10**9) }}", "{{ 'x'.center(10**9) }}", "{{ 'x'.zfill(10**9) }}",
    "{{ '{:>1000000000}'.format('x') }}", "{{ '{:>{w}}'.format('x', w=10**9) }}", "{{ '%1000000000s' % 'x' }}",
    "{{ '%1000000000s'|format('x') }}", "{{ 'x'|indent(10**9, true) }}",
    "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "{% set s = 'x' * 100000 %}{% set big %}{% for i in range(100000) %}{{ s }}{% endfor %}{% endset %}",
    "{{ ('x' * 100000).replace('', 'y' * 10) }}", "{{ ('x' * 100000)|replace('', 'y' * 10) }}",
    "{{ ('x' * 50000)|join('y' * 50000) }}", "{{ ('y' * 50000).join('x' * 50000) }}",
])
def test_a_template_cannot_exhaust_time_or_memory(source: str) -> None:
    """Nested loops, huge widths and doubling texts stop while the template runs, not after."""
    tracemalloc.start()
    try:
        with pytest.raises(UserError, match="FR070 template failed: SecurityError"):
            sandbox.render_string(source, {})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, f"{peak:,} bytes allocated"


def test_the_sandbox_only_knows_the_shipped_templates() -> None:
    env = sandbox.environment()
    assert isinstance(env.loader, DictLoader)
    shipped = {p.name for p in (ROOT / "followup_rules" / "drafting" / "templates").glob("*.txt.j2")}
    assert set(env.list_templates()) == shipped == {f"{k}.txt.j2" for k in kinds.KINDS}


def test_a_template_string_from_a_ruleset_fills_like_a_shipped_one() -> None:
    draft = _with_template("Subject: About {{ position }}\n\n{{ salutation }}\n\n{{ line('reference_specific_topic') }}"
                           " {{ rest() }}\n\nBest regards,\n{{ candidate.name }}\n")
    assert draft.subject == "About Senior Data Analyst" and draft.template == "<template>"
    assert draft.body.startswith("Dear Rosa,\n\nI especially enjoyed our discussion of quarterly risk reporting")
    assert "I remain very interested" in draft.body  # rest(): reiterate_interest is included


def test_a_template_string_may_include_a_shipped_template() -> None:
    assert _with_template("{% include 'thank_you.txt.j2' %}") == replace(
        drafted("just-after-interview", "send_thank_you"), template="<template>")


def test_a_template_error_names_the_template_and_line() -> None:
    with pytest.raises(UserError) as caught:
        _with_template("Subject: x\n\n{{ oops(}")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.code) == ("<template>", 3, "FR070")


# --- each draft passes the rulesets that produced it ------------------------------------------

def _warnings_on_the_draft(case: Case, draft: compose.Composition, channel: str, when: Any, action: Action,
                           advice: Advice) -> list[str]:
    """Warnings of `don't` rules that test a draft fact and fire only once the draft is in the case,
    from the rulesets citing the action (advise and ruleset objects, not `schedule.objections`)."""
    rulesets = schedule.citing_rulesets(action, advice)
    rules = {f"{r.id}/{rule.id}": rule for r in rulesets for rule in r.rules}
    data = copy.deepcopy(dict(case.raw))
    data.pop("draft", None)
    baseline = api.advise(case_from_mapping(data, case.name), advice.at, rulesets)
    before = {(w.code, c.rule) for w in baseline.warnings for c in w.by}
    data["draft"] = compose.case_draft(draft, kinds.case_channel(channel, case), when)
    after = api.advise(case_from_mapping(data, case.name), advice.at, rulesets)
    found = []
    for warning in after.warnings:
        for citation in warning.by:
            rule = rules[citation.rule]
            tests_draft = rule.when is not None and any(
                (leaf.fact or "").startswith("draft.") for leaf in rule.when.leaves())
            if rule.kind == "dont" and tests_draft and (warning.code, citation.rule) not in before:
                found.append(f"{warning.code} {citation.rule}")
    return found


def _channel(action: Action) -> str:
    if action.channel in kinds.CHANNEL_OF:
        return kinds.CHANNEL_OF[action.channel]
    return {"connect_linkedin": "linkedin", "place_call": "phone"}.get(action.action, "email")


#: The sources that advise a final follow-up: with every source, those allowing only one follow-up
#: after the thank-you (002 reading A, 003) outnumber them and it is set aside.
FINAL_FOLLOW_UP_SOURCES = ["levo-5-things", "remotejobscape-dos-donts"]


def _synthetic() -> dict[str, tuple[dict[str, Any], str, str]]:
    """Cases for the kinds no example calls for (pending materials, a final follow-up): data, at, kind."""
    materials = copy.deepcopy(dict(load_case(EXAMPLES["just-after-interview"]).raw))
    materials["materials"] = [{"item": "the Power BI dashboard prototype", "origin": "mentioned_by_candidate"}]
    final = copy.deepcopy(dict(load_case(EXAMPLES["decision-date-passed"]).raw))
    final["messages"].append({"at": "2025-02-25T10:00:00+01:00", "direction": "out", "kind": "follow_up",
                              "channel": "email", "party": "akaya"})
    return {"materials": (materials, example_at("just-after-interview"), "materials"),
            "final-follow-up": (final, "2025-03-05T09:00:00+01:00", "final_follow_up")}


def _situations() -> list[tuple[str, Case, Advice, frozenset[str]]]:
    """Each example with every kind, then each synthetic case with only the kind it stands in for."""
    found = [(stem, *situation(stem), frozenset(kinds.KINDS)) for stem in EXAMPLES]
    for name, (data, at, kind) in _synthetic().items():
        case = case_from_mapping(data, f"{name}.yaml")
        rulesets = FINAL_FOLLOW_UP_SOURCES if kind == "final_follow_up" else None
        found.append((name, case, api.advise(case, at, rulesets), frozenset({kind})))
    return found


def _drafts_on_trial() -> list[tuple[str, Case, Advice, int, Action, str]]:
    trials = []
    for name, case, advice, wanted in _situations():
        for index, action in enumerate(advice.actions, 1):
            if not kinds.is_message(action):
                continue
            called_for = {kinds.kind_of(action)}
            if action.action == "send_thank_you":
                called_for |= {"thank_you", "thank_you_group_lead"}
            trials += [(name, case, advice, index, action, kind) for kind in sorted(called_for & wanted)]
    return trials


def _problems(case: Case, advice: Advice, index: int, action: Action, kind: str) -> list[str]:
    channel = _channel(action)
    found = []
    for message in compose.messages(action, case, advice, kind):
        draft = compose.compose(message, index, case, advice, kind)
        hours = (9, 17) if channel == "phone" else None
        when = schedule.schedule(draft, channel, message, case, advice, hours).at
        found += [f"{draft.to}: {p}" for p in _warnings_on_the_draft(case, draft, channel, when, message, advice)]
    return found


def test_every_template_passes_the_rulesets_that_produced_it() -> None:
    trials = _drafts_on_trial()
    failures = [f"{name} #{index} {kind}: {problems}" for name, case, advice, index, action, kind in trials
                if (problems := _problems(case, advice, index, action, kind))]
    assert failures == []
    assert {kind for *_, kind in trials} == set(kinds.KINDS)


def test_comprehensive_guide_calls_only_alongside_the_initial_email() -> None:
    # 003's call goes "in addition to sending an email": after a status follow-up it would be one
    # of the repeated messages its no-repeated-messages forbids, so it is no longer advised.
    data, at, _ = _synthetic()["final-follow-up"]
    case = case_from_mapping(data, "final-follow-up.yaml")
    advice = api.advise(case, at)
    assert not [a for a in advice.actions if a.action == "place_call"
                and any(c.rule == "comprehensive-guide/phone-call" for c in a.by)]


# --- check: what a draft itself raises ----------------------------------------------------------

def _check(stem: str, name: str, body: str | None = None, channel: str = "email",
           **draft_changes: Any) -> tuple[schedule.Objection, ...]:
    case, advice = situation(stem)
    index, action = action_of(advice, name)
    draft = compose.compose(action, index, case, advice)
    draft = replace(draft, body=body if body is not None else draft.body, **draft_changes)
    return schedule.objections(draft, channel, action, case, advice)


def test_check_finds_what_a_bad_draft_raises() -> None:
    pushy = _check("decision-date-passed", "send_follow_up",
                   "Dear Aylin,\n\nI need an answer ASAP about the role and our talk on event sourcing.\n\n"
                   "Best regards,\nJonas Weber\n")
    assert {(o.code, o.timing) for o in pushy} >= {("pushy_language", False)}
    generic = _check("just-after-interview", "send_thank_you",
                     "Dear Rosa,\n\nThank you for meeting me.\n\nBest regards,\nMaya Goldberg\n")
    assert "generic_message" in {o.code for o in generic}


def test_check_blames_a_posted_thank_you() -> None:
    data = copy.deepcopy(dict(load_case(EXAMPLES["just-after-interview"]).raw))
    data["draft"] = {"kind": "thank_you", "channel": "note_mailed", "to": ["rhernandez"], "body": "-"}
    case = case_from_mapping(data, "posted.yaml")
    advice = api.advise(case, example_at("just-after-interview"))
    index, action = action_of(advice, "send_thank_you")
    draft = compose.compose(action, index, case, advice)
    assert kinds.posted(case) and kinds.case_channel("letter", case) == "note_mailed"
    codes = {(o.code, o.rule) for o in schedule.objections(draft, "letter", action, case, advice)}
    assert ("thank_you_by_mail", "levo-5-things/no-mailed-note") in codes


def test_check_does_not_blame_the_draft_for_the_history() -> None:
    case, advice = situation("decision-date-passed")
    assert "thank_you_too_early" in {w.code for w in advice.warnings}  # raised by the sent thank-you
    assert _check("decision-date-passed", "send_follow_up") == ()


def test_schedule_keeps_the_target_the_rules_agree_with() -> None:
    # The "a week after" windows and the "too early" warnings both count calendar days, so a
    # follow-up at its window's target is never too early, and a day before the window opens it is.
    case, advice = situation("panel-multiple-interviewers")
    index, action = action_of(advice, "send_follow_up")
    draft = compose.compose(action, index, case, advice)
    assert schedule.objections(draft, "email", action, case, advice, action.window.target) == ()
    # 001 counts its week from the interview, and so does its "not before a week" don't.
    week = next(c.window for c in action.by if c.rule == "levo-5-things/first-follow-up-1-2-weeks")
    assert week is not None
    assert schedule.objections(draft, "email", action, case, advice, week.target) == ()
    day_before = week.opens - timedelta(days=1)
    early = schedule.objections(draft, "email", action, case, advice, day_before)
    assert ("follow_up_too_early", True) in [(o.code, o.timing) for o in early]
    plan = schedule.schedule(draft, "email", action, case, advice)
    assert plan.at == max(action.window.target, advice.at)
    assert plan.objections == () and plan.moved_by == ()


def test_case_draft_is_a_valid_case_draft() -> None:
    case, advice = situation("rejection")
    index, action = action_of(advice, "respond_to_rejection")
    draft = compose.compose(action, index, case, advice)
    data = compose.case_draft(draft, "email", advice.at)
    assert data["kind"] == "rejection_response" and data["kind"] in vocabulary.OUT_KINDS
    placed = case_from_mapping({**case.raw, "draft": data}, "x.yaml").draft
    assert placed is not None and placed.body == draft.body and placed.at == advice.at
    assert set(kinds.CASE_KINDS.values()) <= set(vocabulary.OUT_KINDS)
    yaml.safe_dump(data)  # plain data


# --- followup draft ---------------------------------------------------------------------------

def run_draft(capsys: pytest.CaptureFixture[str], stem: str, *args: str) -> tuple[int, str, str]:
    """`followup draft` in-process, as the command line runs it: exit code, stdout, stderr."""
    from followup_rules.cli.main import main

    code = 0
    try:
        main(["draft", str(EXAMPLES[stem]), "--at", example_at(stem), *args])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in ("FOLLOWUP_FROM", "FOLLOWUP_SMTP_HOST", "FOLLOWUP_JOURNAL"):
        monkeypatch.delenv(name, raising=False)


def number(stem: str, name: str) -> str:
    return str(action_of(situation(stem)[1], name)[0])


def test_draft_prints_subject_recipients_and_text(capsys: pytest.CaptureFixture[str]) -> None:
    n = number("just-after-interview", "send_thank_you")
    code, out, err = run_draft(capsys, "just-after-interview", "--action", n)
    assert code == 0, err
    assert out.startswith(f"Action {n}: send_thank_you as thank you by email\n")
    assert "To: Rosa Hernandez <rosa.hernandez@hudsonledger.example>" in out
    assert "Subject: Thank you for the Senior Data Analyst interview" in out
    assert drafted("just-after-interview", "send_thank_you").body in out


def test_draft_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    n = number("rejection", "request_feedback")
    code, out, _ = run_draft(capsys, "rejection", "--action", n, "--format", "json")
    data = json.loads(out)
    assert code == 0 and (data["action"], data["kind"], data["channel"]) == (int(n), "feedback_request", "email")
    message, = data["messages"]
    assert message["subject"] == "Feedback on my Senior Product Designer interview"
    assert message["body"] == drafted("rejection", "request_feedback").body
    assert data["written"] == []


def test_draft_out_writes_the_email_channel_eml(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from email import message_from_bytes
    from email.policy import default

    monkeypatch.setenv("FOLLOWUP_FROM", "Maya Goldberg <maya@example.com>")
    out_file = tmp_path / "thanks.eml"
    n = number("just-after-interview", "send_thank_you")
    code, out, err = run_draft(capsys, "just-after-interview", "--action", n, "--out", str(out_file))
    assert code == 0, err
    assert f"wrote {out_file}" in out
    message = message_from_bytes(out_file.read_bytes(), policy=default)
    assert message["Subject"] == "Thank you for the Senior Data Analyst interview"
    assert message["To"] == "Rosa Hernandez <rosa.hernandez@hudsonledger.example>"
    assert message.get_content().replace("\r\n", "\n") == drafted("just-after-interview", "send_thank_you").body


def test_draft_out_writes_one_file_per_individual_message(capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    n = number("panel-multiple-interviewers", "connect_linkedin")
    code, out, _ = run_draft(capsys, "panel-multiple-interviewers", "--action", n, "--out", str(tmp_path / "n.txt"))
    assert code == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["n-bjohnson.txt", "n-cwu.txt", "n-rsantos.txt"]
    assert (tmp_path / "n-cwu.txt").read_text(encoding="utf-8").startswith("Hello Christine, thank you")
    assert out.count("note: connection note:") == 3


def test_draft_to_one_person(capsys: pytest.CaptureFixture[str]) -> None:
    n = number("panel-multiple-interviewers", "send_thank_you")
    code, out, _ = run_draft(capsys, "panel-multiple-interviewers", "--action", n, "--to", "bjohnson")
    assert code == 0 and "Dear Brianna," in out and "Dear Christine," not in out


def test_draft_by_another_channel(capsys: pytest.CaptureFixture[str]) -> None:
    n = number("decision-date-passed", "send_follow_up")
    code, out, _ = run_draft(capsys, "decision-date-passed", "--action", n, "--channel", "phone")
    assert code == 0 and f"Action {n}: send_follow_up as follow up by phone" in out
    # The follow-up is open now (09:00) for most sources, so the call goes at the first call hour.
    assert "When: Tue 2025-02-25 09:00 CET" in out and "Say: Hello Aylin" in out


def test_draft_with_another_kind(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_FROM", "Lena Hoffmann <lena@example.com>")
    n = number("group-interview", "send_thank_you")
    code, out, err = run_draft(capsys, "group-interview", "--action", n, "--kind", "thank_you", "--to", "sfischer")
    assert code == 0, err
    assert out.startswith(f"Action {n}: send_thank_you as thank you by email")
    assert "To: Sabine Fischer <sabine.fischer@alpenblick.example>" in out
    assert "Dear Sabine," in out and "pass on my thanks" not in out and "note: plain text" not in out
    code, out, _ = run_draft(capsys, "group-interview", "--action", n, "--kind", "thank_you")
    assert code == 0 and out.count("Subject: Thank you for the Actuarial Trainee interview") == 4


def test_without_a_sender_the_email_draft_is_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    n = number("just-after-interview", "send_thank_you")
    code, out, _ = run_draft(capsys, "just-after-interview", "--action", n)
    assert code == 0 and "note: plain text, since the email channel cannot render it: no sender address" in out


def test_a_channel_no_plugin_renders_falls_back_to_plain_text(capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from followup_rules.plugin import manager as plugin_module

    without_email = plugin_module.load_plugins(entry_points=False)
    without_email.manager.unregister(name="email")
    monkeypatch.setattr(plugin_module, "plugins", lambda: without_email)
    n = number("just-after-interview", "send_thank_you")
    code, out, _ = run_draft(capsys, "just-after-interview", "--action", n)
    assert code == 0 and "note: no plugin renders the email channel: plain text" in out
    assert "Dear Rosa," in out


@pytest.mark.parametrize("args, message", [
    (("--action", "{past}"), "--action {past}: choose an action numbered 1–{count}"),
    (("--action", "0"), "--action 0: choose an action numbered 1–{count}"),
    (("--action", "{search}"), "action {search} (continue_job_search) is not a message to draft"),
    (("--action", "{thanks}", "--kind", "memo"), "--kind 'memo': use one of thank_you, "),
    (("--action", "{thanks}", "--channel", "fax"), "--channel 'fax': use one of "),
    (("--action", "{thanks}", "--to", "nobody"), "--to 'nobody': action {thanks} goes to rhernandez"),
])
def test_bad_options_are_one_line_user_errors(capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
                                              message: str) -> None:
    actions = situation("just-after-interview")[1].actions
    numbers = {"count": len(actions), "past": len(actions) + 1,
               "search": number("just-after-interview", "continue_job_search"),
               "thanks": number("just-after-interview", "send_thank_you")}
    code, out, err = run_draft(capsys, "just-after-interview", *(a.format(**numbers) for a in args))
    assert code == 2 and out == "" and message.format(**numbers) in err and len(err.splitlines()) == 1


def test_draft_never_overwrites_the_case(capsys: pytest.CaptureFixture[str]) -> None:
    before = EXAMPLES["rejection"].read_bytes()
    n = number("rejection", "respond_to_rejection")
    code, _, err = run_draft(capsys, "rejection", "--action", n, "--out", str(EXAMPLES["rejection"]))
    assert code == 2 and "which this command reads; nothing was overwritten" in err
    assert EXAMPLES["rejection"].read_bytes() == before
