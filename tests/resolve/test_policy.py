"""The merge policies on windows no validated ruleset makes: every policy still chooses, never fails."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.resolve.advice import Window
from followup_rules.resolve.policy import POLICIES, Stance, choose

AT = datetime(2025, 3, 7, 15, 0, tzinfo=timezone.utc)


def window(opens_h: float, closes_h: float) -> Window:
    opens = AT + timedelta(hours=opens_h)
    return Window(opens, opens, AT + timedelta(hours=closes_h))


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("hours", [(-30, -30), (2, 2), (5, 1)], ids=["empty-past", "empty-ahead", "inverted"])
def test_a_window_that_holds_no_moment_still_gets_a_choice(policy: str, hours: tuple[float, float]) -> None:
    # Found by the long fuzz run: an hour window closing when it opened failed an assertion in
    # agreement. The validator now refuses such windows (FR029); the merge still never fails on one.
    stances = [Stance("a", window(*hours))]
    choice = choose(stances, policy, AT, ["a"], BusinessCalendar())
    assert choice.backers == ("a",)
    assert choice.window.opens == stances[0].window.opens


@pytest.mark.parametrize("policy", POLICIES)
def test_an_empty_window_beside_a_real_one_leaves_the_real_one_deciding(policy: str) -> None:
    stances = [Stance("empty", window(2, 2)), Stance("real", window(-1, 24))]
    choice = choose(stances, policy, AT, ["real", "empty"], BusinessCalendar())
    assert "real" in choice.backers
    assert choice.window.contains(choice.window.target)
