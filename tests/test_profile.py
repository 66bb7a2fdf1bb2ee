"""The default profile: every source plus the case's industry overlay, merged by agreement."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from followup_rules import advise
from followup_rules.case import load_case

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))
SOURCES = {"remotejobscape-dos-donts", "levo-5-things", "how-often", "comprehensive-guide", "pro-tips"}


def moment(path: Path) -> str:
    return re.search(r"^# at: (\S+)", path.read_text(encoding="utf-8"), flags=re.M).group(1)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_default_profile_merges_every_source_and_cites_backers(path: Path) -> None:
    advice = advise(str(path), at=moment(path))
    industry = load_case(path).industry
    expected = SOURCES | ({f"industry-{industry}"} if industry != "other" else set())
    assert {r.id for r in advice.rulesets} == expected
    assert advice.policy == "agreement" and advice.actions
    for action in advice.actions:
        assert action.by, action
        assert all(c.source and c.quote for c in action.by if not c.rule.startswith("industry-"))
        backers = {c.rule.split("/")[0] for c in action.by}
        assert not backers & {d.rule.split("/")[0] for d in action.dissent}
        if action.window is not None:
            for citation in action.by:
                if citation.window is not None:
                    assert citation.window.opens <= action.window.opens
                    assert citation.window.closes is None or action.window.opens < citation.window.closes


def test_sources_disagreeing_on_the_first_follow_up_are_listed_as_dissent() -> None:
    path = next(p for p in EXAMPLES if p.stem == "decision-date-passed")
    advice = advise(str(path), at=moment(path))
    follow_up = next(a for a in advice.actions if a.action == "send_follow_up")
    backers = {c.rule.split("/")[0] for c in follow_up.by}
    assert {"remotejobscape-dos-donts", "levo-5-things"} <= backers
    assert "pro-tips/follow-up-week-after-date" in {d.rule for d in follow_up.dissent}
    strict = advise(str(path), at=moment(path), policy="strictest")
    later = next(a for a in strict.actions if a.action == "send_follow_up")
    assert later.window.opens >= follow_up.window.opens
