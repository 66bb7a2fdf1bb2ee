"""The bounds of a ruleset and a profile, on both sides of each limit (docs/problems.md#limits)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from followup_rules.core._yaml import Document
from followup_rules.core.limits import MAX_EXTENDS, WINDOW_SPAN
from followup_rules.core.problems import UserError
from followup_rules.pipeline import select
from followup_rules.rules.library import Library
from followup_rules.rules.load import parse_ruleset
from followup_rules.rules.profile import check_params

RULE = {"id": "r", "kind": "do", "strength": "should", "topic": "tone", "says": "x", "quote": "x",
        "then": {"action": "send_follow_up", "window": {"anchor": "interview_end", "unit": "days", "opens": 0}}}


def ruleset(**changes: Any) -> dict[str, Any]:
    return {"id": "bounded", "version": "1.0.0", "title": "Bounded", "rules": [RULE], **changes}


def codes(data: dict[str, Any]) -> list[str]:
    try:
        parse_ruleset(Document("bounded.yaml", data))
    except UserError as exc:
        return [p.code for p in exc.problems]
    return []


@pytest.mark.parametrize("unit", sorted(WINDOW_SPAN))
def test_a_window_may_reach_its_span_and_no_further(unit: str) -> None:
    def window(closes: int) -> dict[str, Any]:
        rule = {**RULE, "then": {"action": "send_follow_up",
                                 "window": {"anchor": "interview_end", "unit": unit, "opens": 0, "closes": closes}}}
        return ruleset(rules=[rule])

    assert codes(window(WINDOW_SPAN[unit])) == []
    assert codes(window(WINDOW_SPAN[unit] + 1)) == ["FR029"]


def test_numbers_past_ten_to_the_eighteenth_are_refused() -> None:
    rule = {**RULE, "when": {"fact": "interview.hours_since_end", "op": "gt", "value": 10**18}}
    assert codes(ruleset(rules=[rule])) == []
    rule["when"] = {"fact": "interview.hours_since_end", "op": "gt", "value": 10**19}
    assert codes(ruleset(rules=[rule])) == ["FR022"]


def test_build_metadata_is_a_version_and_a_range_must_be_semver() -> None:
    assert codes(ruleset(version="1.2.0+build.5")) == []
    assert codes(ruleset(extends="levo-5-things@>=1.0.0-rc.1")) == []
    assert codes(ruleset(extends="levo-5-things@^banana")) == ["FR037"]


def test_applies_when_counts_in_a_rules_tests() -> None:
    lists = {"all": [{"fact": "application.industry", "op": "in", "value": ["tech", "finance", "creative"]}] * 8}
    assert codes(ruleset(applies_when=lists)) == []  # 24 tests, and its window's anchor is always known
    rule = {**RULE, "when": {"fact": "interview.hours_since_end", "op": "gt", "value": 1},
            "then": {"action": "send_follow_up", "window": {"anchor": "decision_date", "unit": "days", "opens": 0}}}
    assert codes(ruleset(applies_when=lists, rules=[rule, {**rule, "id": "s"}])) == ["FR033", "FR033"]


def chain(folder: Path, length: int) -> None:
    """Rulesets c0 … c<length>, each extending the one before."""
    for i in range(length + 1):
        parent = f"extends: c{i - 1}\n" if i else ""
        (folder / f"c{i}.yaml").write_text(
            f"id: c{i}\nversion: 1.0.0\ntitle: C\n{parent}rules:\n  - id: r{i}\n    kind: do\n    strength: may\n"
            f"    topic: tone\n    says: x\n    quote: x\n    then: {{action: continue_job_search}}\n",
            encoding="utf-8")


def test_an_extends_chain_may_be_eight_steps_long(tmp_path: Path) -> None:
    chain(tmp_path, MAX_EXTENDS + 1)
    library = Library([tmp_path], shipped=False)
    assert len(library.get(f"c{MAX_EXTENDS}").rules) == MAX_EXTENDS + 1
    with pytest.raises(UserError, match="FR037 an `extends` chain longer than 8 steps") as caught:
        library.get(f"c{MAX_EXTENDS + 1}")
    assert caught.value.problems[0].file.endswith(f"c{MAX_EXTENDS + 1}.yaml")


def test_a_window_parameter_from_a_profile_is_bounded_by_its_unit() -> None:
    guide = select(None, rulesets=["comprehensive-guide"]).rulesets[0]
    check_params({"comprehensive-guide": {"reasonable_timeframe_days": 14}}, [guide])
    with pytest.raises(UserError, match="FR039 comprehensive-guide parameter 'reasonable_timeframe_days'.*beyond"):
        check_params({"comprehensive-guide": {"reasonable_timeframe_days": 10**9}}, [guide])


def test_a_profile_names_its_rulesets_with_semver_ranges(tmp_path: Path) -> None:
    from followup_rules.rules.profile import load_profile

    path = tmp_path / "followup.yaml"
    path.write_text("rulesets: [levo-5-things@^1, how-often@^x]\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"followup.yaml:1:\d+: FR037 '\^x' is not a version range"):
        load_profile(path)


def test_an_hour_window_must_hold_a_moment_and_a_day_window_is_its_whole_day() -> None:
    def window(unit: str, opens: int, closes: int) -> dict[str, Any]:
        return ruleset(rules=[{**RULE, "then": {"action": "send_follow_up", "window": {
            "anchor": "interview_end", "unit": unit, "opens": opens, "closes": closes}}}])

    assert codes(window("hours", 2, 2)) == ["FR029"]
    assert codes(ruleset(rules=[{**RULE, "then": {"action": "send_follow_up", "window": {
        "anchor": "interview_end", "unit": "hours", "opens": 0, "closes": 0.01}}}])) == ["FR029"]
    assert codes(window("hours", 2, 3)) == []
    assert codes(window("days", 1, 1)) == []
    assert codes(window("business_days", 1, 1)) == []


def test_a_profile_cannot_turn_a_window_around_or_empty_it() -> None:
    def waiting(unit: str) -> Any:
        rule = {**RULE, "then": {"action": "send_follow_up", "window": {
            "anchor": "interview_end", "unit": unit, "opens": {"param": "wait"}, "closes": 5}}}
        return parse_ruleset(Document("bounded.yaml", ruleset(
            rules=[rule], parameters={"wait": {"type": "int", "default": 1, "description": "x"}})))

    check_params({"bounded": {"wait": 4}}, [waiting("days")])
    with pytest.raises(UserError, match=r"FR039 bounded parameter 'wait': 7 in the window of rule 'r': "
                                        r"window closes \(5\) before it opens \(7\)"):
        check_params({"bounded": {"wait": 7}}, [waiting("days")])
    check_params({"bounded": {"wait": 5}}, [waiting("days")])
    with pytest.raises(UserError, match="holds no moment"):
        check_params({"bounded": {"wait": 5}}, [waiting("hours")])
