"""Contacts who did not interview: never thanked for the interview; the status follow-up goes to
one when she is the primary contact; messages, drafts and email know them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from followup_rules import api
from followup_rules.core.case import Contact, case_from_mapping
from followup_rules.core.problems import UserError
from followup_rules.drafting import compose
from followup_rules.facts.derive import derive
from followup_rules.pipeline import moment

CASE: dict[str, Any] = {
    "candidate": {"name": "Alex Rivera", "timezone": "America/New_York", "country": "US"},
    "application": {"company": "Northwind Analytics", "position": "Data Engineer"},
    "interviews": [{"start": "2025-03-06T14:00:00", "end": "2025-03-06T15:00:00",
                    "topics": ["streaming pipeline migration"],
                    "interviewers": [{"id": "pat", "name": "Pat Lee", "role": "hiring_manager",
                                      "email": "pat@example.com"}]}],
    "contacts": [{"id": "jordan", "name": "Jordan Smith", "role": "recruiter_hr", "email": "jordan@example.com",
                  "primary_contact": True}],
    "employer": {"decision_date": "2025-03-14"},
}


def case(**changes: Any) -> Any:
    data = copy.deepcopy(CASE)
    data.update(changes)
    return case_from_mapping(data)


def test_thank_you_to_the_interviewer_only_and_the_follow_up_to_the_recruiter() -> None:
    the_case = case()
    assert the_case.person("jordan") == Contact("jordan", "Jordan Smith", "recruiter_hr", "jordan@example.com",
                                                primary_contact=True)
    facts = derive(the_case, moment("2025-03-06T16:00", the_case))
    assert facts.people["primary_contact"] == ("jordan",)
    assert facts.people["all_interviewers"] == facts.people["hiring_manager"] == facts.people["lead_interviewer"] == (
        "pat",)
    assert facts["primary_contact.role"] == "recruiter_hr" and facts["primary_contact.known"]
    for at in ("2025-03-06T16:00", "2025-03-17T09:00", "2025-03-21T09:00"):
        advice = api.advise(the_case, at)
        for action in advice.actions:
            if action.action == "send_thank_you":
                assert action.to == ("pat",), at
            if action.action == "send_follow_up":
                assert action.to == ("jordan",), at
    advice = api.advise(the_case, "2025-03-17T09:00")
    follow_up = next(a for a in advice.actions if a.action == "send_follow_up")
    draft = compose.compose(follow_up, 1, the_case, advice)
    assert draft.to == ("jordan",) and draft.body.startswith("Dear Jordan,")


def test_a_thank_you_action_that_names_a_contact_thanks_only_the_interviewers() -> None:
    the_case = case()
    advice = api.advise(the_case, "2025-03-06T16:00")
    thank = next(a for a in advice.actions if a.action == "send_thank_you")
    from dataclasses import replace

    messages = compose.messages(replace(thank, to=("pat", "jordan")), the_case, advice)
    assert [m.to for m in messages] == [("pat",)]


def test_messages_instructions_and_drafts_may_name_a_contact() -> None:
    the_case = case(messages=[{"at": "2025-03-10T09:00:00", "direction": "in", "kind": "timeline_update",
                               "channel": "email", "party": "jordan", "decision_date": "2025-03-21"}],
                    employer={"decision_date": "2025-03-14", "instructions": {"contact": "jordan"}},
                    draft={"kind": "follow_up", "to": ["jordan"], "body": "Dear Jordan, any news?"})
    facts = derive(the_case, moment("2025-03-24T09:00", the_case))
    assert facts.people["last_sender"] == ("jordan",) and facts["draft.to_non_primary"] is False


@pytest.mark.parametrize("changes, message", [
    ({"contacts": [{"id": "pat", "name": "Pat Lee, HR"}]}, "FR044 id 'pat' is used for two different people"),
    ({"messages": [{"at": "2025-03-07T09:00:00", "direction": "out", "kind": "follow_up", "channel": "email",
                    "party": "jordna"}]}, "FR042 no interviewer or contact has id 'jordna' (did you mean 'jordan'?)"),
])
def test_wrong_people_are_problems(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError) as error:
        case(**changes)
    assert message in str(error.value)


def test_preference_and_the_answer_date_of_another_offer_are_facts() -> None:
    the_case = case(application={"company": "Northwind Analytics", "position": "Data Engineer", "preferred": True},
                    competing_offer={"status": "written", "received_at": "2025-03-10T12:00:00", "respond_by": "2025-03-13"})
    facts = derive(the_case, moment("2025-03-11T09:00", the_case))
    assert facts["candidate.prefers_employer"] is True and facts["competing_offer.respond_by_known"] is True
    assert facts["competing_offer.days_to_respond"] == 2 and facts["competing_offer.respond_by_passed"] is False
    notice = next(a for a in api.advise(the_case, "2025-03-11T09:00").actions if a.action == "notify_competing_offer")
    assert {"mention_competing_offer", "state_preference_for_company", "hope_to_hear_before_deciding"} <= set(
        notice.include)
    later = derive(the_case, moment("2025-03-14T09:00", the_case))
    assert later["competing_offer.respond_by_passed"] is True and later["competing_offer.days_to_respond"] == -1
    not_preferred = case(competing_offer={"status": "written", "received_at": "2025-03-10T12:00:00"})
    notice = next(a for a in api.advise(not_preferred, "2025-03-11T09:00").actions
                  if a.action == "notify_competing_offer")
    assert "state_preference_for_company" not in notice.include
