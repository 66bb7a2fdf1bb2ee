"""`followup check` knows what it checks: the kind from --kind, else the case's draft, else the
message the advice expects next; a rule the merge outvoted fails no draft sent inside the advised
window, and fails one sent outside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from followup_rules import api
from followup_rules.drafting.kinds import next_kind, outvoted

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "examples" / "just-after-interview.yaml"
NOW = "2025-03-06T16:00:00-05:00"
THANKS = """Dear Rosa,

Thank you for taking the time to meet with me on Thursday, March 6. I especially enjoyed our
discussion of quarterly risk reporting automation.

I remain very interested in the Senior Data Analyst role at Hudson Ledger Partners.

Best regards,
Maya Goldberg
"""


Followup = Callable[..., tuple[int, str, str]]


def check(followup: Followup, text: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = followup("check", str(text), "--case", str(README), "--format", "json", *args)
    return code, json.loads(out)


@pytest.fixture()
def thanks(tmp_path: Path) -> Path:
    path = tmp_path / "thanks.txt"
    path.write_text(THANKS, encoding="utf-8")
    return path


def test_the_advice_names_the_message_it_expects_next() -> None:
    assert next_kind(api.advise(README, NOW)) == "thank_you"
    assert next_kind(api.advise(ROOT / "examples" / "decision-date-passed.yaml", "2025-02-25T09:00:00+01:00")) \
        == "follow_up"


def test_outvoted_rules_count_only_inside_the_advised_window() -> None:
    advice = api.advise(README, NOW)
    inside = outvoted(advice, "thank_you", advice.at)
    assert inside == {"how-often/wait-48h-thank-you"}
    thanks = next(a for a in advice.actions if a.action == "send_thank_you")
    assert thanks.window is not None and thanks.window.closes is not None
    assert outvoted(advice, "thank_you", thanks.window.closes) == frozenset()
    assert outvoted(advice, "follow_up", advice.at) == frozenset()


def test_check_without_a_kind_checks_the_expected_thank_you(followup_in_process: Followup,
                                                            thanks: Path) -> None:
    code, result = check(followup_in_process, thanks, "--at", NOW)
    problems = result["problems"]
    assert code == 0 and result["failed"] is False
    assert [(p["code"], p["outvoted"]) for p in problems] == [("thank_you_too_early", True)]


def test_the_same_text_checked_as_a_follow_up_fails(followup_in_process: Followup, thanks: Path) -> None:
    code, result = check(followup_in_process, thanks, "--at", NOW, "--kind", "follow_up")
    codes = {p["code"] for p in result["problems"]}
    assert code == 1 and result["failed"] is True and "follow_up_too_early" in codes


def test_a_thank_you_sent_after_the_window_fails_on_the_outvoted_rule(followup_in_process: Followup,
                                                                       thanks: Path) -> None:
    code, result = check(followup_in_process, thanks, "--at", "2025-03-08T09:00:00-05:00", "--kind", "thank_you")
    by_rule = {p["rule"]: p for p in result["problems"]}
    assert code == 1 and by_rule["how-often/wait-48h-thank-you"]["outvoted"] is False
