"""Authoring tools: located problems, versions side by side, extends/overrides, lock files, coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup_rules import advise, explain
from followup_rules.cli.main import cli
from followup_rules.core.problems import UserError
from followup_rules.rules.library import Library
from followup_rules.rules.lock import read_lock, write_lock
from followup_rules.rules.validate import validate_paths

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "just-after-interview.yaml")
AT = "2025-03-06T16:00:00-05:00"

TEN_MISTAKES = """\
id: ten-mistakes
version: 1.0.0
title: Ten mistakes
rules:
  - id: a
    kind: do
    strength: may
    topic: tone
    says: x
    quote: x
    when: {fact: thank_you.snet, op: eq, value: true}
    then: {action: send_thank_you}
  - id: b
    kind: do
    strength: may
    topic: tone
    says: x
    quote: x
    when: {fact: thank_you.sent, op: equals, value: true}
    then: {action: send_thank_yu}
  - id: c
    kind: dont
    strength: may
    topic: tone
    says: x
    quote: x
    when: {fact: interview.mode, op: eq, value: zoom}
    then: {warning: too_pushy}
  - id: c
    kind: do
    strength: may
    topic: tone
    says: x
    quote: x
    when: {fact: draft.body, op: matches, value: "(unclosed"}
    then:
      action: send_follow_up
      include: [say_thanks]
      window: {anchor: decision_day, unit: days, opens: 3, closes: 1}
  - id: d
    kind: do
    strength: may
    topic: tone
    says: x
    quote: x
    when: {param: missing_param, op: eq, value: true}
    then: {action: continue_job_search}
"""

#: (line, column, code) of each planted mistake.
EXPECTED = [
    (11, 18, "FR020"),  # unknown fact
    (19, 38, "FR021"),  # unknown operator
    (20, 20, "FR023"),  # unknown action
    (27, 49, "FR022"),  # enum value not allowed
    (28, 21, "FR024"),  # unknown warning
    (29, 9, "FR028"),   # duplicate rule id
    (35, 50, "FR030"),  # invalid regular expression
    (38, 17, "FR025"),  # unknown content code
    (39, 24, "FR026"),  # unknown anchor
    (39, 68, "FR029"),  # window closes before it opens
    (46, 19, "FR027"),  # unknown parameter
]


def test_a_ruleset_with_many_mistakes_gets_each_at_its_place(tmp_path: Path) -> None:
    path = tmp_path / "ten.yaml"
    path.write_text(TEN_MISTAKES, encoding="utf-8")
    problems = validate_paths([str(path)])
    assert [(p.line, p.column, p.code) for p in problems] == EXPECTED
    unknown_fact = problems[0]
    assert "thank_you.sent" in unknown_fact.hint
    assert str(unknown_fact).startswith(f"{path}:11:18: FR020 unknown fact 'thank_you.snet'")


def _version(tmp_path: Path, version: str, closes: int) -> None:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / f"mine-{version}.yaml").write_text(f"""\
id: mine
version: {version}
title: Mine {version}
rules:
  - id: thank
    kind: do
    strength: should
    topic: thank-you-timing
    says: Thank within {closes} hours.
    quote: mine
    when: {{fact: thank_you.sent, op: eq, value: false}}
    then:
      action: send_thank_you
      window: {{anchor: interview_end, unit: hours, opens: 0, closes: {closes}}}
""", encoding="utf-8")


def test_two_versions_coexist_and_ranges_pick_each(tmp_path: Path) -> None:
    _version(tmp_path, "1.2.0", 24)
    _version(tmp_path, "2.0.1", 48)
    library = Library([tmp_path / "rules"], shipped=False)
    assert library.get("mine@^1").version == "1.2.0"
    assert library.get("mine@^2").version == "2.0.1"
    assert library.get("mine").version == "2.0.1"
    one = advise(EXAMPLE, at=AT, rulesets=[library.get("mine@^1")])
    two = advise(EXAMPLE, at=AT, rulesets=[library.get("mine@^2")])
    assert one.actions[0].window.closes.hour == 15 and one.actions[0].window.closes.day == 7
    assert two.actions[0].window.closes.day == 8
    assert [r.to_dict()["version"] for r in one.rulesets] == ["1.2.0"]
    with pytest.raises(UserError, match="no version of 'mine' matches '\\^3'"):
        library.get("mine@^3")


def test_extends_and_overrides_replace_a_rule_and_explain_shows_the_chain(tmp_path: Path) -> None:
    (tmp_path / "coach.yaml").write_text("""\
id: coach
version: 1.0.0
title: Coach
extends: levo-5-things@^1
overrides:
  thank-you-day-of-or-next:
    reason: Clients of mine thank within 12 hours.
    rule:
      id: thank-you-day-of-or-next
      kind: do
      strength: must
      topic: thank-you-timing
      says: Thank every interviewer within 12 hours.
      quote: Thank within 12 hours.
      when: {fact: thank_you.all_thanked, op: eq, value: false}
      then:
        action: send_thank_you
        to: unthanked_interviewers
        window: {anchor: interview_end, unit: hours, opens: 0, closes: 12}
rules: []
""", encoding="utf-8")
    library = Library([tmp_path])
    coach = library.get("coach")
    parent = library.get("levo-5-things")
    assert len(coach.rules) == len(parent.rules)
    advice = advise(EXAMPLE, at=AT, rulesets=[coach])
    thank = next(a for a in advice.actions if a.action == "send_thank_you")
    assert thank.window.closes.hour == 3 and thank.by[0].rule == "coach/thank-you-day-of-or-next"
    verdict = next(v for v in explain(EXAMPLE, at=AT, rulesets=[coach]).verdicts
                   if v.rule == "coach/thank-you-day-of-or-next")
    assert verdict.chain == ("levo-5-things@1.1.0", "coach@1.0.0 overrides: Clients of mine thank within 12 hours.")
    inherited = next(v for v in explain(EXAMPLE, at=AT, rulesets=[coach]).verdicts if v.rule == "coach/keep-looking")
    assert inherited.source == parent.source_file and inherited.chain == ("levo-5-things@1.1.0",)


def test_an_override_of_an_unknown_rule_is_located(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("""\
id: bad-coach
version: 1.0.0
title: Bad
extends: levo-5-things
overrides:
  thank-you-day-of-or-nxt:
    reason: typo
rules: []
""", encoding="utf-8")
    problems = validate_paths([str(tmp_path)])
    assert [(p.line, p.code) for p in problems] == [(6, "FR036")]
    assert "thank-you-day-of-or-next" in problems[0].hint


def test_lock_file_pins_the_set_and_detects_a_change(tmp_path: Path) -> None:
    _version(tmp_path, "1.2.0", 24)
    library = Library([tmp_path / "rules"])
    lock = tmp_path / "followup.lock"
    write_lock([library.get("mine@^1"), library.get("levo-5-things")], lock)
    assert [r.id for r in read_lock(lock, library)] == ["mine", "levo-5-things"]
    _version(tmp_path, "2.0.1", 48)
    assert [r.version for r in read_lock(lock, Library([tmp_path / "rules"]))][0] == "1.2.0"
    (tmp_path / "rules" / "mine-1.2.0.yaml").write_text(
        (tmp_path / "rules" / "mine-1.2.0.yaml").read_text().replace("Thank within", "Thank in"))
    with pytest.raises(UserError, match="changed since it was locked"):
        read_lock(lock, Library([tmp_path / "rules"]))


def test_cli_lock_then_advise_uses_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["rulesets", "lock", "--ruleset", "pro-tips"]).exit_code == 0
    result = runner.invoke(cli, ["advise", EXAMPLE, "--at", AT, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.output)["rulesets"]] == ["pro-tips"]


def test_min_coverage_fails_and_names_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["rulesets", "new", "my-rules"]).exit_code == 0
    full = runner.invoke(cli, ["rulesets", "test", "my-rules.yaml", "--min-coverage", "100"])
    assert full.exit_code == 0, full.output
    text = Path("my-rules.yaml").read_text()
    cut = text[: text.index("  - name: nothing-while-the-interview-runs")]
    Path("my-rules.yaml").write_text(cut)
    short = runner.invoke(cli, ["rulesets", "test", "my-rules.yaml", "--min-coverage", "100"])
    assert short.exit_code == 1
    assert "condition 1 (interview.ended eq true) never false" in short.output


def test_a_failing_rule_test_shows_expected_actual_and_facts(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    runner.invoke(cli, ["rulesets", "new", "my-rules"])
    text = Path("my-rules.yaml").read_text().replace('closes: "2025-03-07T15:00:00-05:00"',
                                                      'closes: "2025-03-07T18:00:00-05:00"')
    Path("my-rules.yaml").write_text(text)
    result = runner.invoke(cli, ["rulesets", "test", "my-rules.yaml"])
    assert result.exit_code == 1
    assert ("closes expected 2025-03-07T18:00:00-05:00, got 2025-03-07T15:00:00-05:00" in result.output)
