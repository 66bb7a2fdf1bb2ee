"""The default profile: every source plus the case's industry overlay, merged by agreement."""

from __future__ import annotations

from pathlib import Path

import pytest
from _examples import moment_of

from followup_rules import advise
from followup_rules.core.case import load_case

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))
SOURCES = {"remotejobscape-dos-donts", "levo-5-things", "how-often", "comprehensive-guide", "pro-tips"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_default_profile_merges_every_source_and_cites_backers(path: Path) -> None:
    advice = advise(str(path), at=moment_of(path))
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
    advice = advise(str(path), at=moment_of(path))
    follow_up = next(a for a in advice.actions if a.action == "send_follow_up")
    backers = {c.rule.split("/")[0] for c in follow_up.by}
    assert {"remotejobscape-dos-donts", "levo-5-things"} <= backers
    assert "pro-tips/follow-up-week-after-date" in {d.rule for d in follow_up.dissent}
    strict = advise(str(path), at=moment_of(path), policy="strictest")
    later = next(a for a in strict.actions if a.action == "send_follow_up")
    assert later.window.opens >= follow_up.window.opens


def _run(args: list[str], cwd: Path) -> tuple[int, str]:
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "followup_rules", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ}, timeout=120)
    return done.returncode, done.stdout + done.stderr


def test_a_profile_picks_rulesets_policy_and_flips_a_reading(tmp_path: Path) -> None:
    import json

    path = next(p for p in EXAMPLES if p.stem == "just-after-interview")
    (tmp_path / "followup.yaml").write_text(
        "rulesets: [how-often@^1]\npolicy: strictest\n"
        "params:\n  how-often: {thank_you_counts_as_follow_up: false}\n", encoding="utf-8")
    code, out = _run(["advise", str(path), "--at", moment_of(path), "--format", "json"], tmp_path)
    assert code == 0, out
    advice = json.loads(out)
    assert [r["id"] for r in advice["rulesets"]] == ["how-often"] and advice["policy"] == "strictest"
    cited = {c["rule"] for a in advice["actions"] for c in a["by"]}
    assert "how-often/first-follow-up-48h-reading-b" in cited and "how-often/first-follow-up-48h" not in cited
    code, out = _run(["advise", str(path), "--at", moment_of(path), "--format", "json", "--policy", "agreement"], tmp_path)
    assert json.loads(out)["policy"] == "agreement"


def test_a_profile_parameter_typo_is_one_error_line(tmp_path: Path) -> None:
    path = next(p for p in EXAMPLES if p.stem == "just-after-interview")
    profile = tmp_path / "mine.yaml"
    profile.write_text("params:\n  how-often: {thank_you_counts_as_folow_up: false}\n", encoding="utf-8")
    code, out = _run(["advise", str(path), "--profile", str(profile)], tmp_path)
    assert code == 2
    assert out.strip() == (f"error: {profile}:2:15: FR039 how-often has no parameter 'thank_you_counts_as_folow_up' "
                           "(did you mean 'thank_you_counts_as_follow_up'?)")
