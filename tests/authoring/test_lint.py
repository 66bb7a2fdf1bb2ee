"""`followup rulesets lint`: impossible rules, shadowed rules, contradictory advice, unused parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from followup_rules.authoring.lint.linter import CODES, lint, lint_paths
from followup_rules.authoring.lint.value_sets import Numbers, Span
from followup_rules.cli.main import cli
from followup_rules.core._yaml import load_text
from followup_rules.core.ruleset import Ruleset
from followup_rules.rules.load import parse_ruleset

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
PLANTED = FIXTURES / "planted.yaml"


def ruleset(rules: list[dict[str, Any]], rid: str = "coach", source: str | None = None,
            parameters: dict[str, Any] | None = None) -> Ruleset:
    """A ruleset built in memory from rule mappings (each gets the keys the schema requires)."""
    params = {name: {"description": name, **spec} for name, spec in (parameters or {}).items()}
    data: dict[str, Any] = {"id": rid, "version": "1.0.0", "title": rid, "parameters": params,
                            "rules": [{"kind": "do", "strength": "should", "topic": "content", "says": "x",
                                       "quote": "x", **rule} for rule in rules]}
    if source:
        data["source"] = {"file": source, "title": source, "publisher": "p"}
    return parse_ruleset(load_text(yaml.safe_dump(data, sort_keys=False), f"{rid}.yaml"))


def warn(rid: str, *tests: dict[str, Any], code: str = "message_too_long") -> dict[str, Any]:
    return {"id": rid, "kind": "dont", "when": {"all": list(tests)}, "then": {"warning": code}}


def t(fact: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"fact": fact, "op": op} if value is None else {"fact": fact, "op": op, "value": value}


def codes(findings: list[Any]) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.problem.code, f.rules) for f in findings]


# -- the planted ruleset ----------------------------------------------------------------------------

def test_planted_ruleset_gets_exactly_its_four_mistakes() -> None:
    findings = lint_paths([str(PLANTED)])
    assert [(f.problem.code, f.problem.severity, f.problem.line, f.rules) for f in findings] == [
        ("FR056", "warning", 9, ()),
        ("FR052", "error", 14, ("planted-mistakes/follow-up-after-a-week", "planted-mistakes/not-before-ten-days")),
        ("FR050", "error", 62, ("planted-mistakes/long-and-short",)),
        ("FR051", "warning", 90, ("planted-mistakes/far-too-long-email", "planted-mistakes/too-long")),
    ]


def test_planted_contradiction_names_the_overlapping_region() -> None:
    contradiction = next(f for f in lint_paths([str(PLANTED)]) if f.problem.code == "FR052")
    # Recommended on days 7..14, warned about before day 10: they clash on days 7 to 9.
    assert contradiction.regions == ({"draft.days_after_interview": "in [7, 9]", "draft.kind": "= follow_up",
                                      "draft.present": "= true", "follow_up.total": "= 0",
                                      "interview.ended": "= true", "reply.received": "= false"},)
    assert "draft.days_after_interview in [7, 9]" in contradiction.problem.message
    assert "planted-mistakes/not-before-ten-days is at" in contradiction.problem.hint


def test_planted_impossible_rule_says_which_tests_clash() -> None:
    impossible = next(f for f in lint_paths([str(PLANTED)]) if f.problem.code == "FR050")
    assert "draft.paragraphs gt 5 and draft.paragraphs lt 3" in impossible.problem.message


def test_lint_cli_exits_2_on_errors_and_prints_json() -> None:
    result = CliRunner().invoke(cli, ["rulesets", "lint", str(PLANTED), "--format", "json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [d["code"] for d in data] == ["FR056", "FR052", "FR050", "FR051"]
    assert data[1]["kind"] == "contradiction" and data[1]["regions"][0]["draft.days_after_interview"] == "in [7, 9]"


def test_lint_cli_text_counts_by_severity() -> None:
    result = CliRunner().invoke(cli, ["rulesets", "lint", str(PLANTED)])
    assert result.exit_code == 2
    assert f"{PLANTED}:62:5: FR050 rule planted-mistakes/long-and-short can never fire" in result.stdout
    assert result.stdout.rstrip().endswith("2 errors, 2 warnings, 0 info")


# -- the shipped rulesets ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped() -> list[Any]:
    return lint_paths([])


def test_shipped_rulesets_lint_without_errors(shipped: list[Any]) -> None:
    assert [str(f.problem) for f in shipped if f.problem.severity == "error"] == []


def test_shipped_cross_source_clashes_are_information(shipped: list[Any]) -> None:
    across = [f for f in shipped if f.kind == "contradiction" and f.rules[0].split("/")[0] != f.rules[1].split("/")[0]]
    assert across and all(f.problem.severity in ("info", "warning") for f in across)
    sources = [f for f in across if f.problem.code == "FR054"]
    assert all(f.problem.severity == "info" for f in sources)
    said = {f.problem.message.split(" while ")[1].split(";")[0] for f in sources}
    # Thank-you timing: how-often's 48-hour wait against a thank-you within a day elsewhere.
    assert "how-often/wait-48h-thank-you warns thank_you_too_early" in said
    # Calls after email: comprehensive-guide's phone call against pro-tips' "no call after an email".
    assert "pro-tips/no-call-after-email warns call_after_email" in said
    call = next(f for f in sources if f.rules == ("comprehensive-guide/phone-call", "pro-tips/no-call-after-email"))
    assert call.regions[0]["messages.email_sent"] == "= true"
    assert call.regions[0]["draft.channel"] == "= phone_call"


def test_shipped_lint_cli_exits_0() -> None:
    result = CliRunner().invoke(cli, ["rulesets", "lint"])
    assert result.exit_code == 0, result.output
    assert " 0 errors, " in " " + result.stdout.splitlines()[-1]


# -- impossible rules: per-fact reasoning -------------------------------------------------------------

IMPOSSIBLE = [
    ([t("draft.paragraphs", "gt", 5), t("draft.paragraphs", "lt", 3)], "gt 5 and lt 3"),
    ([t("application.industry", "eq", "tech"), t("application.industry", "eq", "finance")], "eq a and eq b"),
    ([t("application.industry", "eq", "tech"), t("application.industry", "not_in", ["tech"])], "eq x and not_in [x]"),
    ([t("draft.present", "eq", True), t("draft.present", "eq", False)], "bool true and false"),
    ([t("draft.present", "eq", True), {"not": t("draft.present", "eq", True)}], "not pushed down"),
    ([t("draft.words", "gt", 3), t("draft.words", "lt", 4)], "no whole number between 3 and 4"),
    ([t("interview.hours_since_end", "gt", 3), t("interview.hours_since_end", "le", 3)], "open and closed bounds"),
    ([t("thank_you.hours_after_interview", "exists", False), t("thank_you.hours_after_interview", "lt", 5)],
     "null fails lt"),
    ([t("draft.paragraphs", "lt", 0)], "counts are never negative"),
    ([t("draft.present", "eq", False), t("draft.kind", "eq", "follow_up")], "no draft has no kind"),
    ([t("thank_you.sent", "eq", False), t("thank_you.count", "ge", 1)], "a thank-you count needs a thank-you"),
    ([t("follow_up.total", "eq", 0), t("follow_up.count", "ge", 1)], "count <= total"),
    ([t("thank_you.sent", "eq", False), t("follow_up.count", "eq", 1), t("outreach.count", "ge", 3)],
     "outreach = thank-you + follow-ups"),
    ([{"any": [{"all": [t("draft.words", "gt", 5), t("draft.words", "lt", 2)]},
               {"all": [t("draft.kind", "eq", "thank_you"), t("draft.kind", "eq", "follow_up")]}]}],
     "every branch impossible"),
    ([t("draft.present", "eq", True), t("draft.kind", "eq", "thank_you"),
      {"not": {"all": [t("draft.present", "eq", True), t("draft.kind", "eq", "thank_you")]}}],
     "not over all"),
]

POSSIBLE = [
    ([t("draft.paragraphs", "ge", 3), t("draft.paragraphs", "le", 3)], "closed bounds meet"),
    ([t("interview.hours_since_end", "gt", 3), t("interview.hours_since_end", "lt", 3.5)], "numbers between"),
    ([t("thank_you.hours_after_interview", "exists", False), t("thank_you.hours_after_interview", "ne", 5)],
     "null passes ne"),
    ([{"not": t("thank_you.hours_after_interview", "lt", 5)}, t("thank_you.sent", "eq", False)],
     "not lt holds for null"),
    ([{"any": [{"all": [t("draft.words", "gt", 5), t("draft.words", "lt", 2)]}, t("draft.words", "eq", 9)]}],
     "one branch is enough"),
    ([t("application.industry", "ne", "tech"), t("application.industry", "in", ["tech", "finance"])], "ne and in"),
]


@pytest.mark.parametrize("tests,why", IMPOSSIBLE, ids=[w for _, w in IMPOSSIBLE])
def test_impossible_rules_are_errors(tests: list[dict[str, Any]], why: str) -> None:
    findings = lint([ruleset([warn("r", *tests)])])
    assert codes(findings) == [("FR050", ("coach/r",))], why
    assert findings[0].problem.severity == "error"


@pytest.mark.parametrize("tests,why", POSSIBLE, ids=[w for _, w in POSSIBLE])
def test_satisfiable_rules_are_not_impossible(tests: list[dict[str, Any]], why: str) -> None:
    assert lint([ruleset([warn("r", *tests)])]) == [], why


def test_impossible_parameter_readings() -> None:
    params = {"strict": {"type": "bool", "default": True}}
    rule = warn("r", {"param": "strict", "op": "eq", "value": True}, {"param": "strict", "op": "eq", "value": False})
    assert codes(lint([ruleset([rule], parameters=params)])) == [("FR050", ("coach/r",))]


def test_a_parameter_reading_other_than_the_default_is_still_possible() -> None:
    params = {"strict": {"type": "bool", "default": True}}
    rule = warn("r", {"param": "strict", "op": "eq", "value": False}, t("draft.present", "eq", True))
    assert lint([ruleset([rule], parameters=params)]) == []


def test_impossible_any_lists_each_branch_reason() -> None:
    tests, _ = IMPOSSIBLE[13]
    message = lint([ruleset([warn("r", *tests)])])[0].problem.message
    assert "draft.words" in message and "draft.kind" in message


# -- shadowed rules ---------------------------------------------------------------------------------

def test_more_general_rule_with_same_outcome_shadows() -> None:
    rules = [warn("general", t("draft.paragraphs", "gt", 3)),
             warn("specific", t("draft.paragraphs", "gt", 5), t("draft.channel", "eq", "email"))]
    findings = lint([ruleset(rules)])
    assert codes(findings) == [("FR051", ("coach/specific", "coach/general"))]
    assert findings[0].regions == ({"draft.channel": "= email", "draft.paragraphs": ">= 6"},)


def test_rule_with_other_warning_or_more_content_is_not_shadowed() -> None:
    general = warn("general", t("draft.paragraphs", "gt", 3))
    other_code = warn("other", t("draft.paragraphs", "gt", 5), code="informal_language")
    assert lint([ruleset([general, other_code])]) == []
    send = {"id": "send", "when": {"all": [t("thank_you.sent", "eq", False)]},
            "then": {"action": "send_thank_you", "include": ["express_gratitude"]}}
    richer = {"id": "richer", "when": {"all": [t("thank_you.sent", "eq", False), t("interview.mode", "eq", "virtual")]},
              "then": {"action": "send_thank_you", "include": ["express_gratitude", "thank_for_virtual_format"]}}
    assert lint([ruleset([send, richer])]) == []


def test_identical_rules_report_only_the_later() -> None:
    rules = [warn("first", t("draft.paragraphs", "gt", 3)), warn("second", t("draft.paragraphs", "ge", 4))]
    assert codes(lint([ruleset(rules)])) == [("FR051", ("coach/second", "coach/first"))]


def test_shadowing_needs_the_same_window() -> None:
    def send(rid: str, closes: int, *tests: dict[str, Any]) -> dict[str, Any]:
        return {"id": rid, "when": {"all": list(tests)}, "then": {
            "action": "send_thank_you", "window": {"anchor": "interview_end", "unit": "days", "opens": 0,
                                                   "closes": closes}}}
    rules = [send("a", 1, t("thank_you.sent", "eq", False)),
             send("b", 2, t("thank_you.sent", "eq", False), t("interview.mode", "eq", "virtual"))]
    assert lint([ruleset(rules)]) == []


# -- contradictions -----------------------------------------------------------------------------------

def follow_up(rid: str, anchor: str, unit: str, opens: int, closes: int | None,
              *tests: dict[str, Any]) -> dict[str, Any]:
    window: dict[str, Any] = {"anchor": anchor, "unit": unit, "opens": opens}
    if closes is not None:
        window["closes"] = closes
    rule: dict[str, Any] = {"id": rid, "then": {"action": "send_follow_up", "window": window}}
    if tests:
        rule["when"] = {"all": list(tests)}
    return rule


EARLY = warn("too-early", t("draft.present", "eq", True), t("draft.kind", "eq", "follow_up"),
             t("draft.hours_after_interview", "lt", 48), code="follow_up_too_early")


def test_window_after_the_warning_does_not_contradict() -> None:
    rules = [follow_up("later", "interview_end", "hours", 48, 168, t("follow_up.total", "eq", 0)), EARLY]
    assert lint([ruleset(rules)]) == []


def test_window_overlapping_the_warning_contradicts_with_the_region() -> None:
    rules = [follow_up("soon", "interview_end", "hours", 24, 168, t("follow_up.total", "eq", 0)), EARLY]
    findings = lint([ruleset(rules)])
    assert codes(findings) == [("FR052", ("coach/soon", "coach/too-early"))]
    assert findings[0].regions[0]["draft.hours_after_interview"] == "in [24, 48)"


def test_across_sources_a_contradiction_is_information() -> None:
    a = ruleset([follow_up("soon", "interview_end", "hours", 24, 168)], "a", source="a.txt")
    b = ruleset([EARLY], "b", source="b.txt")
    findings = lint([a, b])
    assert [(f.problem.code, f.problem.severity, f.rules) for f in findings] == [
        ("FR054", "info", ("a/soon", "b/too-early"))]


def test_across_rulesets_of_one_source_a_contradiction_is_a_warning() -> None:
    a = ruleset([follow_up("soon", "interview_end", "hours", 24, 168)], "a", source="same.txt")
    b = ruleset([EARLY], "b", source="same.txt")
    assert [(f.problem.code, f.problem.severity) for f in lint([a, b])] == [("FR053", "warning")]


def test_calendar_day_window_against_elapsed_time_is_an_edge_warning() -> None:
    rules = [follow_up("week-later", "interview_end", "days", 7, None, t("follow_up.count", "eq", 0)),
             warn("elapsed", t("draft.present", "eq", True), t("draft.kind", "eq", "follow_up"),
                  t("draft.hours_after_interview", "lt", 168), code="follow_up_too_early")]
    findings = lint([ruleset(rules)])
    assert [(f.problem.code, f.problem.severity) for f in findings] == [("FR055", "warning")]
    assert findings[0].regions[0]["draft.hours_after_interview"] == "in (144, 168)"


def test_calendar_day_window_against_calendar_days_since_agrees() -> None:
    rules = [follow_up("week-later", "last_follow_up", "days", 7, None, t("follow_up.count", "eq", 1)),
             warn("dates", t("draft.present", "eq", True), t("draft.kind", "eq", "follow_up"),
                  t("draft.days_since_last_follow_up", "lt", 7), code="follow_up_too_early")]
    assert lint([ruleset(rules)]) == []


def test_a_warning_about_an_earlier_message_does_not_contradict_the_next() -> None:
    rules = [follow_up("second", "last_follow_up", "days", 7, 14, t("follow_up.total", "eq", 1)),
             warn("first-was-early", t("follow_up.total", "ge", 1), t("follow_up.first_days_after_interview", "lt", 7),
                  code="follow_up_too_early")]
    assert lint([ruleset(rules)]) == []


def test_recommending_a_follow_up_past_the_limit_contradicts() -> None:
    rules = [follow_up("again", "last_follow_up", "days", 7, None, t("follow_up.total", "ge", 2)),
             warn("too-many", t("follow_up.total", "ge", 3), code="too_many_follow_ups")]
    findings = lint([ruleset(rules)])
    assert codes(findings) == [("FR052", ("coach/again", "coach/too-many"))]
    assert findings[0].regions[0]["follow_up.total"] == ">= 3"


def test_industry_overlays_never_meet_each_other() -> None:
    def overlay(industry: str, rule: dict[str, Any]) -> Ruleset:
        data = {"id": f"o-{industry}", "version": "1.0.0", "title": "o",
                "source": {"file": f"{industry}.txt", "title": "t", "publisher": "p"},
                "applies_when": {"all": [t("application.industry", "eq", industry)]},
                "rules": [{"kind": "do", "strength": "should", "topic": "content", "says": "x", "quote": "x", **rule}]}
        return parse_ruleset(load_text(yaml.safe_dump(data), f"{industry}.yaml"))
    a = overlay("tech", follow_up("soon", "interview_end", "hours", 0, None))
    b = overlay("finance", EARLY)
    assert lint([a, b]) == []


# -- unused parameters and codes ----------------------------------------------------------------------

def test_parameters_used_in_windows_and_values_count_as_used() -> None:
    params = {"days": {"type": "int", "default": 7}, "limit": {"type": "int", "default": 3},
              "spare": {"type": "bool", "default": False}}
    rules = [follow_up("later", "interview_end", "days", 0, None),
             warn("long", t("draft.paragraphs", "gt", {"param": "limit"}))]
    rules[0]["then"]["window"]["opens"] = {"param": "days"}
    findings = lint([ruleset(rules, parameters=params)])
    assert [(f.problem.code, f.problem.message) for f in findings] == [
        ("FR056", "parameter 'spare' of coach is never used")]


def test_a_rule_too_complex_to_expand_is_skipped_with_information() -> None:
    # Eleven two-way choices expand to 2048 cases, over the 1024 lint reasons about.
    choices = [{"any": [t("draft.words", "gt", i), t("draft.paragraphs", "gt", i)]} for i in range(11)]
    findings = lint([ruleset([warn("huge", *choices), warn("small", t("draft.words", "gt", 3))])])
    assert [(f.problem.code, f.problem.severity, f.rules) for f in findings] == [
        ("FR057", "info", ("coach/huge",))]


def test_every_code_has_a_meaning() -> None:
    assert sorted(CODES) == [f"FR05{i}" for i in range(8)]
    assert all(CODES.values())


def test_whole_number_sets_normalise() -> None:
    open_span = Numbers.of((Span(2.5, 5, False, False),), whole=True)
    assert open_span.spans == (Span(3, 4),)
    assert Numbers.of((Span(0, 3), Span(4, 9)), whole=True).spans == (Span(0, 9),)
    assert Numbers.of((Span(3, 3.5, False, True),), whole=True).empty()
    inverted = Numbers.of((Span(1, 2),), whole=True).invert()
    assert inverted.null and inverted.describe() == "<= 0 or >= 3 or null"
