"""`matches` patterns run on RE2: linear in the text, the same in the engine and the explain evaluator;
the validator refuses the ones that would backtrack elsewhere."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from followup_rules.core.case import load_case
from followup_rules.core.patterns import matches, pattern_problem
from followup_rules.drafting.draft_check import check_draft
from followup_rules.pipeline import select

ROOT = Path(__file__).resolve().parents[2]
MEGABYTE = 1_000_000

RULESET = """\
id: pattern-rules
version: 1.0.0
title: Pattern rules
rules:
  - id: no-shouting
    kind: dont
    strength: should
    topic: tone
    says: Do not shout.
    quote: Do not shout.
    when:
      all:
        - {fact: draft.present, op: eq, value: true}
        - {fact: draft.body, op: matches, value: "(?i)a+b!{3}"}
    then: {warning: pushy_language}
"""


@pytest.mark.parametrize("pattern", ["^(a+)+$", "(a*)*b", r"(\w+\s?)+$", "(a|aa)+$", "(a|ab)*c", "(x{2,9})+y"])
def test_catastrophic_patterns_are_refused(pattern: str) -> None:
    assert "backtrack catastrophically" in (pattern_problem(pattern) or "")


@pytest.mark.parametrize("pattern", [r"(?i)\basap\b", "!{2,}", "^Dear", r"(\d{3}-)+\d{4}", "(ab?)+c", "[0-9]"])
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize("pattern", [r"(a)\1", "(?=x)y", "(?<!x)y", "(unclosed", "x" * 1_001])
def test_what_re2_cannot_run_is_refused(pattern: str) -> None:
    assert pattern_problem(pattern) is not None


def test_even_a_catastrophic_pattern_runs_in_linear_time() -> None:
    started = time.perf_counter()
    assert not matches("^(a+)+$", "a" * MEGABYTE + "!")
    assert time.perf_counter() - started < 1.0


def test_a_megabyte_draft_is_checked_in_under_a_second(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(RULESET, encoding="utf-8")
    case = load_case(ROOT / "examples" / "draft-with-problems.yaml")
    selection = select(case, rulesets=["pattern-rules"], rules_path=[str(tmp_path)])
    body = "Dear Rosa,\n\n" + ("ab" * 50 + " " + "a" * 97 + "\n") * (MEGABYTE // 199 + 1) + "\nBest,\nMaya\n"
    assert len(body) >= MEGABYTE
    check_draft(case, "Dear Rosa,\n\nThanks.\n", "warm-up.txt", "2025-03-07T08:00:00-05:00", selection)
    started = time.perf_counter()
    result = check_draft(case, body, "draft.txt", "2025-03-07T08:00:00-05:00", selection)
    assert time.perf_counter() - started < 1.0
    shouted = check_draft(case, body.replace("\nBest", "ab!!!\nBest"), "draft.txt", "2025-03-07T08:00:00-05:00",
                          selection)
    assert not result.failed and shouted.failed
