"""`followup rulesets compare`: each source ruleset's position per topic, computed from the rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from followup_rules import api
from followup_rules.authoring.compare import compare
from followup_rules.cli.main import cli, main
from followup_rules.core.ruleset import Ruleset

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "rulesets" / "sources").glob("*.yaml"))


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli, ["rulesets", "compare", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def shipped_sources() -> list[Ruleset]:
    return [e.ruleset for e in api.default_library().entries if e.group == "sources"]


def raw_rulesets() -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in SOURCES]


def test_thank_you_timing_shows_one_position_per_source_with_its_window() -> None:
    data = json.loads(run("--topic", "thank-you-timing", "--format", "json").stdout)
    assert [t["topic"] for t in data] == ["thank-you-timing"]
    positions = {p["ruleset"]: p for p in data[0]["positions"]}
    assert len(positions) == len(SOURCES) == 5
    assert all(not p["silent"] for p in positions.values())
    # the source files' numbers order the positions
    assert [p["source"][:3] for p in data[0]["positions"]] == ["000", "001", "002", "003", "004"]

    def windows(ruleset: str) -> list[tuple]:
        return [(w["anchor"], w["unit"], w["opens"], w["target"], w["closes"])
                for r in positions[ruleset]["rules"] if (w := r["window"])]

    # 000 "within 24 hours of the interview"
    assert windows("remotejobscape-dos-donts") == [("interview_end", "hours", 0, None, 24)]
    # 001 "on the day of or, at the very least, the day after": calendar days 0..1
    assert windows("levo-5-things") == [("interview_end", "days", 0, 0, 1)]
    # 002 "1st Follow-Up: 48 hours after the interview" (the thank-you, under reading A) until a week
    assert windows("how-often") == [("interview_end", "hours", 48, 48, 168)]
    # 003 "within 24 to 48 hours": up to 48 hours, aiming at 24
    assert windows("comprehensive-guide") == [("interview_end", "hours", 0, 24, 48)]
    # 004 "A day after the interview"
    assert windows("pro-tips") == [("interview_end", "days", 1, 1, 1)]


def test_positions_match_the_rules_topics_in_the_yaml() -> None:
    comparisons = compare(shipped_sources())
    raw = {r["id"]: r for r in raw_rulesets()}
    topics = {rule["topic"] for r in raw.values() for rule in r["rules"] if rule.get("topic")}
    assert [c.topic for c in comparisons] and {c.topic for c in comparisons} == topics
    for comparison in comparisons:
        for position in comparison.positions:
            expected = [rule["id"] for rule in raw[position.ruleset]["rules"] if rule.get("topic") == comparison.topic]
            assert [s.rule for s in position.stances] == expected
            assert position.silent == (not expected)
            for stance in position.stances:
                rule = next(r for r in raw[position.ruleset]["rules"] if r["id"] == stance.rule)
                assert stance.kind == rule["kind"] and stance.says == rule["says"]
                quote = rule["quote"]
                assert stance.quotes == ((quote,) if isinstance(quote, str) else tuple(quote))


def test_silent_rulesets_are_listed() -> None:
    out = run("--topic", "length").stdout
    comparison = compare(shipped_sources(), "length")[0]
    silent = [p.ruleset for p in comparison.positions if p.silent]
    speaking = [p.ruleset for p in comparison.positions if not p.silent]
    assert silent and speaking
    assert f"  silent: {', '.join(silent)}\n" in out
    assert out.startswith(f"length  ({len(speaking)} speak, {len(silent)} silent)\n")


def test_reading_b_rules_are_marked_and_show_their_parameter() -> None:
    position = next(p for p in compare(shipped_sources(), "first-follow-up")[0].positions if p.ruleset == "how-often")
    stances = {s.rule: s for s in position.stances}
    assert not stances["first-follow-up-48h-reading-b"].by_default
    assert stances["first-follow-up-48h-reading-b"].readings == (
        "thank_you_counts_as_follow_up eq false (default true)",)
    assert stances["wait-48h"].by_default


def test_parameter_windows_use_the_defaults_and_name_the_parameter() -> None:
    position = next(p for p in compare(shipped_sources(), "later-follow-ups")[0].positions
                    if p.ruleset == "comprehensive-guide")
    once_more = next(s for s in position.stances if s.rule == "once-more")
    assert once_more.window is not None
    assert once_more.window.opens == 7
    assert once_more.window.params == ("reasonable_timeframe_days = 7",)
    assert once_more.window.text() == "last_thank_you +7..∞ days [reasonable_timeframe_days = 7]"


def test_markdown_has_a_row_per_rule_and_per_silent_ruleset() -> None:
    out = run("--topic", "length", "--format", "markdown").stdout
    comparison = compare(shipped_sources(), "length")[0]
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| Ruleset")]
    assert len(rows) == sum(max(1, len(p.stances)) for p in comparison.positions)
    assert out.startswith("## length\n")
    assert any("| silent |" in row for row in rows)


def test_every_topic_by_default() -> None:
    data = json.loads(run("--format", "json").stdout)
    assert len(data) == len(compare(shipped_sources()))
    assert data[0]["topic"] == "thank-you-timing"


def test_unknown_topic_is_exit_2_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["rulesets", "compare", "--topic", "thank-you-timng"])
    assert exit_.value.code == 2
    assert "did you mean 'thank-you-timing'" in capsys.readouterr().err
