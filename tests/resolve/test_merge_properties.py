"""Properties the merged advice keeps for any case, at any moment, under every policy.

Cases come from the benchmark's generator (bench/cases.py: realistic interviews, histories, drafts,
decision dates, employer instructions and preferences), driven by hypothesis's random source so a
failure shrinks to a seed that reproduces it.
"""

from __future__ import annotations

import random
from types import ModuleType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup_rules import api
from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import case_from_mapping
from followup_rules.core.moments import start_of_day
from followup_rules.core.vocabulary import CONTACT_ACTIONS
from followup_rules.resolve.advice import Advice
from followup_rules.resolve.policy import POLICIES


def _problems(advice: Advice, calendar: BusinessCalendar) -> list[str]:
    case = advice.evaluation.case if advice.evaluation else None
    assert case is not None
    tz = case.timezone
    found: list[str] = []
    no_contact = start_of_day(case.no_contact_before, tz) if case.no_contact_before else None
    for n, action in enumerate(advice.actions, 1):
        label = f"action {n} {action.action}"
        window = action.window
        if no_contact is not None and action.action in CONTACT_ACTIONS:
            if window is None or window.opens.timestamp() < no_contact.timestamp():
                found.append(f"{label}: contact before no_contact_before {case.no_contact_before}")
        trace = action.trace
        moved = trace is not None and any(c.startswith(("moved", "placed")) for c in trace.changes)
        if advice.policy == "agreement" and trace is not None and action.projected is None and not moved:
            timed = [p for p in trace.positions if p.window is not None]
            opened = [p for p in timed if p.state == "open"]
            if timed and len(opened) * 2 > len(timed) and action.state != "open":
                found.append(f"{label}: {len(opened)} of {len(timed)} sources open, merged {action.state}")
        if window is not None:
            for citation in action.by:
                if citation.window is not None and not citation.window.contains(window.target):
                    found.append(f"{label}: backer {citation.rule} does not contain the target {window.target}")
            local = window.target.astimezone(tz)
            if (local.hour, local.minute, local.second) == (0, 0, 0):
                found.append(f"{label}: target at local midnight {local}")
        codes = [s.code for s in action.style]
        if len(codes) != len(set(codes)):
            found.append(f"{label}: two constraints of one style code {codes}")
        if action.action == "place_call":
            assert window is not None, label
            local = window.target.astimezone(tz)
            if not (9 <= local.hour < 17 and calendar.is_business_day(local.date())):
                found.append(f"{label}: call outside call hours {local}")
        overrides = [o.instruction for o in action.overridden_by]
        if len(overrides) != len(set(overrides)):
            found.append(f"{label}: the same rule changed it twice (back and forth) {overrides}")
        if action.action == "set_reminder" and action.about is None:
            found.append(f"{label}: a reminder without its date")
    codes = {w.code for w in advice.warnings}
    if {"follow_up_too_early", "follow_up_too_late"} <= codes:
        found.append("follow_up_too_early and follow_up_too_late together")
    return found


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False), policy=st.sampled_from(POLICIES))
def test_the_merged_advice_keeps_its_promises(rng: random.Random, policy: str, case_generator: ModuleType) -> None:
    data, at = case_generator.generate(rng, 0)
    case = case_from_mapping(data, "generated.yaml")
    advice = api.advise(case, at.isoformat(), policy=policy)
    calendar = BusinessCalendar(case.country, case.subdivision)
    assert _problems(advice, calendar) == []
