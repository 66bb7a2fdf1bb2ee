"""`followup explain` on the merge: each merged action's sources, policy, decision, backers and
dissent; several `--rule`s; a fired rule asked about with `--why-not`; a misspelt rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from click.testing import CliRunner, Result

from followup_rules.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
README = (str(ROOT / "examples" / "just-after-interview.yaml"), "--at", "2025-03-06T16:00:00-05:00")
PASSED = (str(ROOT / "examples" / "decision-date-passed.yaml"), "--at", "2025-02-25T09:00:00+01:00")


def explain(*args: str) -> Result:
    return CliRunner().invoke(cli, ["explain", *args], catch_exceptions=False)


def as_json(*args: str) -> dict[str, Any]:
    result = explain(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_each_merged_action_shows_its_sources_policy_decision_backers_and_dissent() -> None:
    data = as_json(*README)
    thanks = next(m for m in data["merges"] if m["action"] == "send_thank_you")
    timed = {p["ruleset"]: p for p in thanks["positions"] if p["window"] is not None}
    assert set(timed) == {"comprehensive-guide", "how-often", "levo-5-things", "pro-tips",
                          "remotejobscape-dos-donts"}
    assert thanks["policy"] == "agreement" and thanks["decision"].startswith("3 of 5 sources have it open now")
    assert set(thanks["backers"]) == {r for r, p in timed.items() if p["state"] == "open"}
    assert {d["ruleset"] for d in thanks["dissent"]} == {"how-often", "pro-tips"}
    assert all(d["why"] for d in thanks["dissent"])
    # The don't the merge outvoted is named where the action was merged.
    assert any("how-often/wait-48h-thank-you" in change for change in thanks["changes"])

    text = explain(*README).stdout
    merged = text.split("\nEvery rule\n", 1)[0]
    assert "How the advice was merged (policy agreement)" in merged
    assert "backed by comprehensive-guide, levo-5-things, remotejobscape-dos-donts" in merged
    assert "dissent   how-often: its window opens later" in merged


def test_a_soft_close_is_marked() -> None:
    data = as_json(*PASSED)
    follow_up = next(m for m in data["merges"] if m["action"] == "send_follow_up")
    soft = [p["ruleset"] for p in follow_up["positions"] if p["window"] and p["window"]["soft_close"]]
    assert "comprehensive-guide" in soft and "levo-5-things" not in soft  # 003 gives no latest day, 001 does
    line = next(x for x in explain(*PASSED).stdout.splitlines() if x.strip().startswith("comprehensive-guide "))
    assert "(soft)" in line


def test_rule_is_repeatable() -> None:
    keys = ["remotejobscape-dos-donts/thank-you-within-24h", "pro-tips/thank-you-day-after"]
    data = as_json(*README, "--rule", keys[0], "--rule", "thank-you-day-after")
    assert sorted(r["rule"] for r in data["rules"]) == sorted(keys)


def test_why_not_on_a_rule_that_fired_says_it_fired() -> None:
    data = as_json(*README, "--why-not", "--rule", "thank-you-within-24h")
    assert [(r["rule"], r["fired"]) for r in data["rules"]] == [("remotejobscape-dos-donts/thank-you-within-24h", True)]
    assert data["notes"] == ["remotejobscape-dos-donts/thank-you-within-24h fired: Thank the interviewer "
                             "within 24 hours of the end of the interview."]
    assert "note: remotejobscape-dos-donts/thank-you-within-24h fired" in explain(
        *README, "--why-not", "--rule", "thank-you-within-24h").stdout


def test_an_unknown_rule_gets_a_did_you_mean(followup_in_process: Callable[..., tuple[int, str, str]]) -> None:
    code, out, err = followup_in_process("explain", *README, "--rule", "thank-you-within24h")
    lines = err.splitlines()
    assert code == 2 and out == ""
    assert len(lines) == 1 and "did you mean 'thank-you-within-24h'" in lines[0], err
