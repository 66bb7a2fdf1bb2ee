"""Deriving facts with a planned message: only the draft's facts change, and they equal deriving
the case with that draft (the constraint stage plans every advised message this way)."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import Draft, case_from_mapping
from followup_rules.core.vocabulary import OUT_KINDS
from followup_rules.facts.derive import derive, with_planned

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from cases import generate  # noqa: E402  (the benchmark's generator of realistic cases)


@pytest.mark.parametrize("seed", range(40))
def test_a_planned_message_changes_only_the_draft_facts_as_a_full_derivation_would(seed: int) -> None:
    rng = random.Random(seed)
    data, at = generate(rng, seed)
    case = case_from_mapping(data, f"generated-{seed}.yaml")
    when = at if at.tzinfo else at.replace(tzinfo=case.timezone)
    calendar = BusinessCalendar(case.country, case.subdivision)
    base = derive(replace(case, draft=None), when, calendar)
    people = case.interview.interviewers
    for hours in (0, 20, 200):
        draft = Draft(rng.choice(OUT_KINDS), rng.choice(["email", "linkedin", "phone_call"]),
                      (rng.choice(people).id,), "", when + timedelta(hours=hours))
        planned = with_planned(base, case, draft, calendar)
        full = derive(replace(case, draft=draft), when, calendar)
        assert planned.values == full.values
        assert {k for k in planned.values if planned.values[k] != base.values[k]} <= {
            k for k in planned.values if k.startswith("draft.")}
