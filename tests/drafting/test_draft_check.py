"""`followup check`: a draft's problems, each with its rule, its quote and where it is in the text."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from _examples import moment_of
from click.testing import CliRunner, Result

from followup_rules import api
from followup_rules.cli.main import cli, main
from followup_rules.core.case import load_case
from followup_rules.drafting.draft_check import FINDING_KINDS, check_draft, with_draft

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "examples" / "draft-with-problems.yaml"
AT = moment_of(CASE)
PROBLEM_BODY = yaml.safe_load(CASE.read_text(encoding="utf-8"))["draft"]["body"]
# After the decision date (2025-03-14) plus a week, three weeks after the interview.
CLEAN_AT = "2025-03-24T10:00:00-04:00"
CLEAN_BODY = """Dear Thomas,

Thank you again for Monday's conversation about the warehouse automation rollout. I enjoyed
hearing how the team plans to phase it in over the spring.

I remain very interested in the Operations Manager role and would be glad to share anything
else that helps your decision.

Best regards,
Grace Kim
"""


def where(body: str, words: str) -> tuple[int, int]:
    """The 1-based line and column where `words` first occur in `body`."""
    offset = body.index(words)
    line = body.count("\n", 0, offset) + 1
    return line, offset - (body.rfind("\n", 0, offset) + 1) + 1


def quotes(rule: str) -> tuple[str, ...]:
    ruleset, rule_id = rule.split("/")
    return api.default_library().get(ruleset).rule(rule_id).quotes


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)


@pytest.fixture()
def problem_draft(tmp_path: Path) -> Path:
    path = tmp_path / "draft.txt"
    path.write_text(PROBLEM_BODY, encoding="utf-8")
    return path


@pytest.fixture()
def clean_draft(tmp_path: Path) -> Path:
    path = tmp_path / "clean.txt"
    path.write_text(CLEAN_BODY, encoding="utf-8")
    return path


def test_problem_draft_reports_each_problem_with_rule_quote_and_place(problem_draft: Path) -> None:
    result = run(str(problem_draft), "--case", str(CASE), "--at", AT)
    assert result.exit_code == 1, result.output
    out = result.stdout
    d = str(problem_draft)
    # one line per place, naming every rule (of every source) that objects to it
    expected = {
        ("remotejobscape-dos-donts/no-emoji-slang", "informal_language", "😊"),
        ("remotejobscape-dos-donts/no-emoji-slang", "informal_language", "🙏"),
        ("remotejobscape-dos-donts/no-emoji-slang", "informal_language", "🚀"),
        ("remotejobscape-dos-donts/proofread", "not_proofread", "[Interviewer's Name]"),
        ("comprehensive-guide/not-pushy, how-often/no-overstepping, levo-5-things/careful-language, "
         "remotejobscape-dos-donts/not-desperate-pushy", "pushy_language", "I need an answer ASAP"),
        ("remotejobscape-dos-donts/no-exclamation-runs", "informal_language", "!!!"),
    }
    for rules, code, words in expected:
        line, column = where(PROBLEM_BODY, words)
        assert f'{d}:{line}:{column}: {code} {rules} — "{words}"\n' in out
        assert out.count(f"{d}:{line}:{column}: ") == 1
        for rule in rules.split(", "):
            for quote in quotes(rule):
                assert out.count(f"    “{quote}”\n") == 1
    assert (f"{d}:1:1: message_too_long comprehensive-guide/max-3-paragraphs — "
            f"5 paragraphs; the rule allows at most 3\n") in out
    assert f"{d}:1:1: message_too_long pro-tips/follow-up-length — 5 paragraphs; the rule allows at most 2\n" in out
    assert (f"{d}:1:1: generic_message comprehensive-guide/no-generic, how-often/no-generic-or-mistimed — "
            "names none of the interview's topics "
            f"(warehouse automation rollout, vendor scorecards)\n") in out
    assert out.endswith("of them don'ts\n")


def test_clean_short_draft_exits_0(clean_draft: Path) -> None:
    result = run(str(clean_draft), "--case", str(CASE), "--at", CLEAN_AT)
    assert result.exit_code == 0, result.output
    assert result.stdout == "no rule found a problem in the draft\n"


def test_clean_draft_sent_too_early_is_a_timing_problem(clean_draft: Path) -> None:
    result = run(str(clean_draft), "--case", str(CASE), "--at", AT, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["failed"] is True
    codes = {p["code"] for p in data["problems"]}
    assert codes == {"follow_up_too_early"}
    levo = next(p for p in data["problems"] if p["rule"] == "levo-5-things/first-follow-up-not-before-a-week")
    assert levo["locations"] == [{"line": 1, "column": 1, "fact": "draft.days_after_interview", "text": "",
                                  "detail": "draft.days_after_interview is 4; the rule fires when it is < 7",
                                  "fix": ""}]


def test_json_locates_every_finding_of_a_rule(problem_draft: Path) -> None:
    result = run(str(problem_draft), "--case", str(CASE), "--at", AT, "--format", "json",
                 "--ruleset", "levo-5-things")
    data = json.loads(result.stdout)
    assert [r["id"] for r in data["rulesets"]] == ["levo-5-things"]
    careful = next(p for p in data["problems"] if p["rule"] == "levo-5-things/careful-language")
    assert careful["kind"] == "dont" and careful["code"] == "pushy_language"
    assert careful["quote"] == list(quotes("levo-5-things/careful-language"))
    pushy = api.explain(load_case(CASE), AT, ["levo-5-things"]).facts["draft.pushy_count"]
    assert pushy == data["analysis"]["pushy_count"] > 1
    # pressing phrases of one sentence are one place, quoting the sentence from the first to the last
    assert 1 < len(careful["locations"]) < pushy
    for loc in careful["locations"]:
        assert loc["fact"] == "draft.pushy_count"
        assert PROBLEM_BODY.split("\n")[loc["line"] - 1][loc["column"] - 1:].startswith(loc["text"].split("\n")[0])
    # levo has no rule on emojis or placeholders: they are findings no rule claimed
    unclaimed = {(f["kind"], f["text"]) for f in data["unclaimed_findings"]}
    assert {("emoji", "😊"), ("placeholder", "[Interviewer's Name]")} <= unclaimed


def test_rule_fired_by_the_case_history_alone_is_not_a_draft_problem() -> None:
    case = load_case(CASE)
    # the thank-you went out 6.75 hours after the interview: how-often's reading A objects to that
    fired = {v.rule for v in api.explain(with_draft(case, PROBLEM_BODY), AT).verdicts if v.fired}
    assert "how-often/wait-48h-thank-you" in fired
    result = check_draft(case, PROBLEM_BODY, "draft.txt", AT)
    reported = {p.rule for p in result.problems}
    assert "how-often/wait-48h-thank-you" not in reported
    assert "remotejobscape-dos-donts/no-emoji-slang" in reported


def test_every_location_of_a_counted_fact_is_a_finding_of_its_kind() -> None:
    result = check_draft(load_case(CASE), PROBLEM_BODY, "draft.txt", AT)
    for problem in result.problems:
        for loc in problem.locations:
            if loc.text:
                assert loc.detail == FINDING_KINDS[loc.fact]
                assert PROBLEM_BODY.split("\n")[loc.line - 1][loc.column - 1:].startswith(loc.text.split("\n")[0])
            else:
                assert (loc.line, loc.column) == (1, 1) and loc.detail
    assert result.failed


def test_with_draft_takes_defaults_from_the_case_draft() -> None:
    case = load_case(CASE)
    drafted = with_draft(case, "Hello")
    assert drafted.draft is not None and case.draft is not None
    assert (drafted.draft.kind, drafted.draft.channel, drafted.draft.to, drafted.draft.at) == (
        case.draft.kind, case.draft.channel, case.draft.to, case.draft.at)
    assert drafted.draft.body == "Hello"
    other = with_draft(case, "Hello", channel="linkedin", kind="thank_you")
    assert other.draft is not None and (other.draft.channel, other.draft.kind) == ("linkedin", "thank_you")
    bare = with_draft(load_case(ROOT / "examples" / "just-after-interview.yaml"), "Hi")
    assert bare.draft is not None
    assert (bare.draft.kind, bare.draft.channel, bare.draft.to, bare.draft.at) == ("follow_up", "email", (), None)


def test_explicit_at_is_when_the_draft_is_sent(clean_draft: Path) -> None:
    # the case's draft is planned for 2025-03-07; checked at CLEAN_AT, that plan must not count
    result = check_draft(load_case(CASE), CLEAN_BODY, "clean.txt", CLEAN_AT)
    assert result.problems == ()
    assert not result.failed


@pytest.mark.parametrize("content, message", [
    (None, "FR001 cannot read file"),
    ("  \n\n", "FR004 the draft is empty"),
    (b"\xff\xfe", "FR001 not UTF-8 text"),
])
def test_bad_draft_file_is_one_error_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      content: str | bytes | None, message: str) -> None:
    path = tmp_path / "draft.txt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(path), "--case", str(CASE)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: {path}:1:1: {message}")


def test_unknown_ruleset_is_exit_2(problem_draft: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(problem_draft), "--case", str(CASE), "--ruleset", "levo-5-thing"])
    assert exit_.value.code == 2
    assert "levo-5-things" in capsys.readouterr().err


def test_a_negated_test_locates_like_its_positive_form() -> None:
    from followup_rules.core.ruleset import Condition
    from followup_rules.drafting._located import locate
    from followup_rules.engine.conditions import evaluate
    from followup_rules.facts.draft_text import analyse

    condition = Condition("all", (
        Condition("test", fact="draft.present", op="eq", value=True),
        Condition("any", (
            Condition("test", fact="thank_you.sent", op="eq", value=True),
            Condition("not", (Condition("test", fact="draft.paragraphs", op="le", value=3),)),
        )),
    ))
    analysis = analyse(PROBLEM_BODY)
    outcome = evaluate(condition, {"draft.present": True, "thank_you.sent": False, "draft.paragraphs": 5}, {})
    assert outcome.passed
    support = outcome.supporting()
    assert [(s.condition.fact, s.negated) for s in support] == [("draft.present", False), ("draft.paragraphs", True)]
    (location,) = locate(support, analysis, ())
    assert (location.line, location.column, location.detail) == (1, 1, "5 paragraphs; the rule allows at most 3")


ASSISTANT_DRAFT = """Dear Thomas,

I am super pumped about the Operations Manager role. I definately want to recieve good news about
the warehouse automation rollout. So when will I hear back??

My wife and I just got back from a family trip to Lisbon, which was lovely.

Best regards,
Grace Kim
"""


def test_the_writing_assistant_reports_typos_pressure_oversharing_and_slang_once_each_with_sources(
        tmp_path: Path) -> None:
    path = tmp_path / "draft.txt"
    path.write_text(ASSISTANT_DRAFT, encoding="utf-8")
    result = run(str(path), "--case", str(CASE), "--at", CLEAN_AT, "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    by_text = {f["text"].replace("\n", " "): f for f in findings if f["text"]}
    expected = {
        "super pumped": ("slang", {"remotejobscape-dos-donts/no-emoji-slang"}),
        "definately": ("misspelling", {"remotejobscape-dos-donts/proofread"}),
        "recieve": ("misspelling", {"remotejobscape-dos-donts/proofread"}),
        "So when will I hear back??": ("pushy", {"levo-5-things/careful-language", "comprehensive-guide/not-pushy",
                                                 "remotejobscape-dos-donts/not-desperate-pushy"}),
        "My wife and I just got back from a family trip": ("overshare", {"remotejobscape-dos-donts/no-oversharing"}),
    }
    assert set(by_text) == set(expected)
    for words, (kind, rules) in expected.items():
        finding = by_text[words]
        line, column = where(ASSISTANT_DRAFT, words.split(" ")[0])
        assert (finding["detail"], finding["line"], finding["column"]) == (kind, line, column)
        assert rules <= {r["rule"] for r in finding["rules"]}
        assert all(r["quote"] and r["source"] for r in finding["rules"])
    assert by_text["definately"]["fix"] == "definitely" and by_text["recieve"]["fix"] == "receive"
    text = run(str(path), "--case", str(CASE), "--at", CLEAN_AT).stdout
    assert text.count('— "definately" (did you mean "definitely"?)') == 1


def test_no_name_company_or_topic_of_a_case_is_a_misspelling(example: Any) -> None:
    """The example's own draft, the shipped draft beside it, and every message drafted for its advice."""
    from followup_rules.drafting import compose, kinds
    from followup_rules.facts.derive import case_words

    case = load_case(example.path)
    drafts = [case.draft.body] if case.draft else []
    if example.path.stem == "draft-with-problems":
        drafts.append((ROOT / "examples" / "draft-five-paragraphs.txt").read_text(encoding="utf-8"))
    advice = api.advise(case, example.at)
    for index, action in enumerate(advice.actions, 1):
        if kinds.is_message(action):
            drafts += [compose.compose(m, index, case, advice).body for m in compose.messages(action, case, advice)]
    own = {w.lower() for phrase in case_words(case) for w in re.findall(r"[^\W\d_]+", phrase)}
    assert len(drafts) > 1
    for body in drafts:
        result = check_draft(case, body, "draft.txt", advice.at)
        typos = [f.text.lower() for f in result.analysis.findings if f.kind == "misspelling"]
        assert not set(typos) & own, (example.path.name, typos)
        assert typos == [], (example.path.name, typos)
