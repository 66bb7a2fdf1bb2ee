"""The LinkedIn, phone and letter channels: a note within LinkedIn's limit, a call script in the
call hours of a business day, a handwritten note that warns when it would be posted."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from _examples import EXAMPLES, action_of, example_at, situation

from followup_rules import api
from followup_rules.channels import letter, linkedin, phone
from followup_rules.core.artifact import Artifact
from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import Case, case_from_mapping, load_case
from followup_rules.core.problems import UserError
from followup_rules.drafting import compose, schedule
from followup_rules.plugin.manager import load_plugins
from followup_rules.resolve.advice import Action, Advice, Window
from followup_rules.rules.library import Library

NEW_YORK = ZoneInfo("America/New_York")


def rendered(module: object, stem: str, name: str, channel: str) -> list[Artifact]:
    """Every message of the example's action, rendered by the channel plugin's hook."""
    case, advice = situation(stem)
    index, action = action_of(advice, name)
    kind = "call_script" if channel == "phone" else None
    return [module.followup_render(action=m, index=index, case=case, advice=advice,  # type: ignore[attr-defined]
                                   channel=channel, settings={})
            for m in compose.messages(action, case, advice, kind)]


# --- the plugins ------------------------------------------------------------------------------

def test_the_channels_are_built_in_plugins() -> None:
    infos = {i.name: i for i in load_plugins(entry_points=False).infos}
    for name in ("linkedin", "phone", "letter"):
        assert infos[name].error is None
        assert set(infos[name].hooks) == {"followup_channels", "followup_render"}
        assert infos[name].origin.startswith("built-in")


@pytest.mark.parametrize("module, own", [(linkedin, "linkedin"), (phone, "phone"), (letter, "letter")])
def test_a_channel_renders_only_its_own_name(module: object, own: str) -> None:
    case, advice = situation("competing-offer-written")
    index, action = action_of(advice, "notify_competing_offer")
    assert module.followup_channels() == [own]  # type: ignore[attr-defined]
    for other in ("email", "calendar", "linkedin", "phone", "letter"):
        result = module.followup_render(action=action, index=index, case=case, advice=advice,  # type: ignore[attr-defined]
                                        channel=other, settings={})
        assert (result is not None) == (other == own)


# --- LinkedIn ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", sorted(EXAMPLES))
def test_every_connection_note_fits_and_keeps_the_interview_reference(stem: str) -> None:
    case, _ = situation(stem)
    from followup_rules.core.moments import local_date

    day = compose.long_date(local_date(case.interview.start, case.timezone))
    for artifact in rendered(linkedin, stem, "connect_linkedin", "linkedin"):
        assert len(artifact.body) <= compose.LINKEDIN_LIMIT
        assert (f"thank you for interviewing me for the {case.position} role at {case.company} on {day}."
                in artifact.body)
        assert f"connection note: {len(artifact.body)} of 300 characters" in artifact.notes
        assert artifact.meta["length"] == len(artifact.body) and artifact.meta["limit"] == 300
        assert artifact.channel == "linkedin" and artifact.subject == ""


def _long_note(topic: str, position: str | None = None) -> tuple[Case, Advice, int, Action]:
    data = copy.deepcopy(dict(load_case(EXAMPLES["just-after-interview"]).raw))
    data["interviews"][0]["topics"] = [topic]
    if position:
        data["application"]["position"] = position
    case = case_from_mapping(data, "long.yaml")
    advice = api.advise(case, example_at("just-after-interview"))
    index, action = action_of(advice, "connect_linkedin")
    many = ("reiterate_interest", "reiterate_enthusiasm", "express_growth_enthusiasm", "look_forward_to_hearing")
    return case, advice, index, replace(action, include=action.include + many)


def test_a_long_note_drops_optional_sentences_first_and_never_the_reference() -> None:
    case, advice, index, action = _long_note("migrating dashboards from Excel to Power BI")
    artifact = linkedin.render(action, index, case, advice)
    body = artifact.body
    assert len(body) <= 300
    assert body.startswith("Hello Rosa, thank you for interviewing me for the Senior Data Analyst role at Hudson "
                           "Ledger Partners on Thursday, March 6.")
    assert "our discussion of migrating dashboards from Excel to Power BI" in body
    extras = ["I remain very interested in the Senior Data Analyst role at Hudson Ledger Partners.",
              "Our conversation left me even more enthusiastic about the opportunity.",
              "I am excited about the chance to grow further with Hudson Ledger Partners.",
              "I look forward to hearing from you."]
    left_out = [sentence for sentence in extras if sentence not in body]
    assert left_out, "the note would not need shortening"
    assert all(len(body) + 1 + len(sentence) > 300 for sentence in left_out)  # none would fit back in


def test_a_long_topic_goes_before_the_reference_does() -> None:
    case, advice, index, action = _long_note("the " + "very " * 40 + "long topic")
    body = linkedin.render(action, index, case, advice).body
    assert len(body) <= 300 and "long topic" not in body
    assert "thank you for interviewing me for the Senior Data Analyst role" in body


def test_a_reference_longer_than_the_limit_is_a_user_error() -> None:
    case, advice, index, action = _long_note("risk reporting", position="Senior " * 50 + "Analyst")
    with pytest.raises(UserError, match="over the limit of 300"):
        linkedin.render(action, index, case, advice)


def test_a_note_to_an_existing_connection_says_so() -> None:
    artifacts = {a.to: a for a in rendered(linkedin, "panel-multiple-interviewers", "connect_linkedin", "linkedin")}
    assert any("Brianna Johnson is already a connection" in n for n in artifacts[("bjohnson",)].notes)
    assert not any("already a connection" in n for n in artifacts[("cwu",)].notes)


# --- phone ------------------------------------------------------------------------------------

US = BusinessCalendar("US")


@pytest.mark.parametrize("start, slot", [
    ("2025-03-07T17:30", "2025-03-10T09:00"),   # Friday after hours -> Monday
    ("2025-03-08T11:00", "2025-03-10T09:00"),   # Saturday -> Monday
    ("2025-03-11T08:00", "2025-03-11T09:00"),   # before hours -> that morning
    ("2025-03-11T10:07", "2025-03-11T10:15"),   # inside hours -> the next quarter hour
    ("2025-03-11T10:15", "2025-03-11T10:15"),
    ("2025-03-11T16:50", "2025-03-12T09:00"),   # the last quarter hour is 16:45
    ("2025-05-23T18:00", "2025-05-27T09:00"),   # Friday evening before Memorial Day -> Tuesday
    ("2025-03-09T02:30", "2025-03-10T09:00"),   # a DST Sunday
])
def test_first_slot_is_inside_call_hours_on_a_business_day(start: str, slot: str) -> None:
    moment = datetime.fromisoformat(start).replace(tzinfo=NEW_YORK)
    assert schedule.first_slot(moment, phone.CALL_HOURS, US) == datetime.fromisoformat(slot).replace(tzinfo=NEW_YORK)


@pytest.mark.parametrize("stem", [s for s in sorted(EXAMPLES)
                                  if any(a.action == "place_call" for a in situation(s)[1].actions)])
def test_every_call_is_placed_in_call_hours_on_a_business_day(stem: str) -> None:
    case, advice = situation(stem)
    calendar = BusinessCalendar(case.country, case.subdivision)
    for artifact in rendered(phone, stem, "place_call", "phone"):
        call_at = datetime.fromisoformat(artifact.meta["call_at"]).astimezone(case.timezone)
        assert call_at >= advice.at and 9 <= call_at.hour < 17 and calendar.is_business_day(call_at.date())
        assert artifact.subject.startswith("Call ") and artifact.body.startswith("Say: Hello ")
        assert "If you reach voicemail:" in artifact.body
        assert any(n.startswith("call on ") and "between 09:00 and 17:00" in n for n in artifact.notes)


# Calls: once an email has gone out, a call that only one source suggests is set aside (pro-tips
# says no calls after an email); in this example the recruiter prefers the phone, so 000 backs a call
# too and it stays in the plan.
PHONE = "phone-preferred"


def test_a_call_starts_at_the_first_slot_after_the_window_target() -> None:
    case, advice = situation(PHONE)
    index, action = action_of(advice, "place_call")
    friday_evening = datetime(2025, 6, 27, 17, 30, tzinfo=case.timezone)
    timed = replace(action, window=Window(friday_evening, friday_evening, None))
    artifact = phone.render(timed, index, case, advice)
    assert artifact.meta["call_at"] == "2025-06-30T09:00:00-05:00"


def test_a_call_waits_for_the_hours_and_the_day_the_sources_allow() -> None:
    artifact, = rendered(phone, PHONE, "place_call", "phone")
    # pro-tips: no follow-up until a week after the decision date (Fri 20 Jun): the call waits for it.
    assert artifact.meta["call_at"] == "2025-06-27T09:00:00-05:00"
    assert not any("no phone number" in n for n in artifact.notes)


def test_a_call_script_says_when_the_case_has_no_number() -> None:
    data = copy.deepcopy(dict(load_case(EXAMPLES[PHONE]).raw))
    del data["interviews"][0]["interviewers"][0]["phone"]
    case = case_from_mapping(data, "no-number.yaml")
    advice = api.advise(case, example_at(PHONE))
    index, action = action_of(advice, "place_call")
    artifact = phone.render(action, index, case, advice)
    assert "the case has no phone number for Marisol Garcia" in artifact.notes


def test_a_call_script_names_the_number_to_call() -> None:
    artifact, = rendered(phone, PHONE, "place_call", "phone")
    assert artifact.subject == "Call Marisol Garcia (Lakeside Health Partners) at +1 312 555 0142"
    assert not any("no phone number" in n for n in artifact.notes)


def test_a_call_script_is_short() -> None:
    artifact, = rendered(phone, PHONE, "place_call", "phone")
    assert len(artifact.body.split()) < 150


# --- letter -----------------------------------------------------------------------------------

def _posted_case(channel: str) -> tuple[Case, Advice, int, Action]:
    data = copy.deepcopy(dict(load_case(EXAMPLES["just-after-interview"]).raw))
    data["draft"] = {"kind": "thank_you", "channel": channel, "to": ["rhernandez"], "body": "Dear Rosa, ..."}
    case = case_from_mapping(data, f"{channel}.yaml")
    advice = api.advise(case, example_at("just-after-interview"))
    index, action = action_of(advice, "send_thank_you")
    return case, advice, index, action


def test_a_note_to_be_posted_warns_with_the_source() -> None:
    case, advice, index, action = _posted_case("note_mailed")
    artifact = letter.render(action, index, case, advice)
    warning = next(n for n in artifact.notes if "posted" in n)
    assert ("“Only send a thank-you note if you can drop it off in person, because if you snail mail it, it might "
            "arrive late.” (001_e08dceeb9b726398.txt)") in warning
    assert artifact.meta["posted"] is True
    assert any("thank_you_by_mail (levo-5-things/no-mailed-note)" in n for n in artifact.notes)


def test_a_note_delivered_by_hand_has_no_warning() -> None:
    case, advice, index, action = _posted_case("note_hand_delivered")
    artifact = letter.render(action, index, case, advice)
    assert not any("posted" in n for n in artifact.notes) and artifact.meta["posted"] is False
    assert artifact.subject == "" and artifact.body.startswith("Dear Rosa,")
    assert "a handwritten note: copy it onto a card and hand it over in person" in artifact.notes


def test_an_action_by_post_warns_too() -> None:
    case, advice = situation("just-after-interview")
    index, action = action_of(advice, "send_thank_you")
    artifact = letter.render(replace(action, channel="note_mailed"), index, case, advice)
    assert any(letter.NO_MAIL_SOURCE in n for n in artifact.notes)


def test_the_quote_is_the_one_the_ruleset_checks_against_its_source() -> None:
    ruleset = Library().get("levo-5-things")
    assert ruleset.source_file == letter.NO_MAIL_SOURCE
    assert ruleset.rule("no-mailed-note").quotes == (letter.NO_MAIL_QUOTE,)


@pytest.mark.parametrize("name", ["place_call", "connect_linkedin"])
def test_a_call_or_connection_request_is_no_handwritten_note(name: str) -> None:
    case, advice = situation(PHONE)
    index, action = action_of(advice, name)
    with pytest.raises(UserError, match="not a handwritten note"):
        letter.render(action, index, case, advice)


def test_rulesets_off_the_search_path_are_named_not_checked() -> None:
    from followup_rules.resolve.advice import Citation

    case, advice = situation(PHONE)
    index, action = action_of(advice, "place_call")
    foreign = replace(action, by=action.by + (Citation("nowhere-pack/call-on-fridays", None, "q", "Call on Fridays."),))
    assert [r.id for r in schedule.citing_rulesets(foreign, advice)] == ["remotejobscape-dos-donts",
                                                                           "comprehensive-guide"]
    artifact = phone.render(foreign, index, case, advice)
    assert "not checked against nowhere-pack: not on the ruleset search path" in artifact.notes
    assert not any("not checked" in n for n in phone.render(action, index, case, advice).notes)
