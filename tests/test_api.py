"""The Python API: advise and explain a case given as a path or a mapping, at a moment, with chosen rulesets."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from jsonschema import Draft202012Validator

import followup_rules
from followup_rules import api
from followup_rules.core.problems import UserError
from followup_rules.resolve.advice import Advice
from followup_rules.resolve.explanation import Explanation


class _TextTimestampLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as the text the case format expects."""


_TextTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

NEW_YORK = ZoneInfo("America/New_York")
SMALL_CASE: dict[str, Any] = {
    "candidate": {"name": "Ana Example", "timezone": "America/New_York", "country": "US"},
    "application": {"company": "Acme Analytics", "position": "Data Engineer"},
    "interviews": [{"start": "2025-03-06T14:00:00", "end": "2025-03-06T15:00:00",
                    "interviewers": [{"id": "rhernandez", "name": "Rosa Hernandez", "primary_contact": True}]}],
    "employer": {"decision_date": "2025-03-14"},
}


def as_mapping(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_TextTimestampLoader)


def without_case_name(data: dict[str, Any]) -> dict[str, Any]:
    """Advice or an explanation as a dict, minus the case's name (a path or ``<memory>``)."""
    return {k: v for k, v in data.items() if k != "case"}


def schema_errors(validator: Any, data: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def test_package_exports_advise_and_explain() -> None:
    assert followup_rules.advise is api.advise and followup_rules.explain is api.explain


def test_advise_from_a_path_validates(example: Any, advice_validator: Draft202012Validator) -> None:
    advice = api.advise(example.path, at=example.at)
    assert isinstance(advice, Advice)
    assert advice.at == datetime.fromisoformat(example.at)
    assert advice.actions
    assert schema_errors(advice_validator, advice.to_dict()) == []


def test_advise_from_a_mapping_equals_advice_from_the_file(example: Any) -> None:
    from_file = api.advise(example.path, at=example.at).to_dict()
    from_mapping = api.advise(as_mapping(example.path), at=example.at).to_dict()
    assert without_case_name(from_mapping) == without_case_name(from_file)


def test_a_small_mapping_is_a_case(advice_validator: Draft202012Validator) -> None:
    advice = api.advise(SMALL_CASE, at="2025-03-06T16:00:00-05:00")
    assert schema_errors(advice_validator, advice.to_dict()) == []
    thank_you = [a for a in advice.actions if a.action == "send_thank_you"]
    assert thank_you and thank_you[0].to == ("rhernandez",)
    assert advice.timezone == "America/New_York" and advice.case == "<memory>"


def test_rulesets_and_policy_are_used(example: Any, advice_validator: Draft202012Validator) -> None:
    advice = api.advise(example.path, at=example.at, rulesets=["levo-5-things", "how-often@^1"], policy="strictest")
    assert [r.id for r in advice.rulesets] == ["levo-5-things", "how-often"]
    assert [s.ruleset for s in advice.per_source] == ["levo-5-things", "how-often"]
    assert advice.policy == "strictest"
    cited = {c.rule.split("/")[0] for a in advice.actions for c in a.by}
    assert cited <= {"levo-5-things", "how-often"}
    assert schema_errors(advice_validator, advice.to_dict()) == []


def test_rulesets_may_be_given_as_loaded_rulesets() -> None:
    library = api.default_library()
    by_id = api.advise("examples/decision-date-passed.yaml", at="2025-02-25T09:00",
                       rulesets=["levo-5-things"], policy="precedence")
    by_object = api.advise("examples/decision-date-passed.yaml", at="2025-02-25T09:00",
                           rulesets=[library.get("levo-5-things")], policy="precedence")
    assert by_object.to_dict() == by_id.to_dict()


def test_naive_at_is_read_in_the_candidates_timezone(example: Any) -> None:
    aware = datetime.fromisoformat(example.at).astimezone(ZoneInfo(example.timezone))
    naive = aware.replace(tzinfo=None)
    from_datetime = api.advise(example.path, at=naive)
    from_text = api.advise(example.path, at=naive.isoformat())
    assert from_datetime.at == aware and from_datetime.at.utcoffset() == aware.utcoffset()
    assert from_datetime.to_dict() == from_text.to_dict() == api.advise(example.path, at=aware).to_dict()


def test_naive_at_in_the_small_case_is_new_york_time() -> None:
    advice = api.advise(SMALL_CASE, at=datetime(2025, 3, 6, 16, 0))
    assert advice.at == datetime(2025, 3, 6, 16, 0, tzinfo=NEW_YORK)
    assert advice.to_dict()["at"] == "2025-03-06T16:00:00-05:00"


def test_explain_returns_every_rules_verdict(example: Any) -> None:
    case = api.as_case(example.path)
    explanation = api.explain(example.path, at=example.at)
    assert isinstance(explanation, Explanation)
    expected = [f"{r.id}/{rule.id}" for r in api.selection(case).rulesets for rule in r.rules]
    assert [v.rule for v in explanation.verdicts] == expected
    fired = {v.rule for v in explanation.verdicts if v.fired}
    advice = api.advise(example.path, at=example.at)
    # A projected step waits on an earlier one, so its rules fire only once that step is done.
    current = [a for a in advice.actions if a.projected is None]
    backed = {c.rule for item in (*current, *advice.warnings, *advice.expectations) for c in item.by}
    assert backed <= fired


def test_explain_accepts_a_mapping_and_rulesets(example: Any) -> None:
    from_file = api.explain(example.path, at=example.at, rulesets=["how-often"])
    from_mapping = api.explain(as_mapping(example.path), at=example.at, rulesets=["how-often"])
    assert all(v.rule.startswith("how-often/") for v in from_file.verdicts)
    assert without_case_name(from_mapping.to_dict()) == without_case_name(from_file.to_dict())


def test_unknown_policy_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown policy 'loudest'"):
        api.advise(SMALL_CASE, at="2025-03-07T10:00", policy="loudest")


def test_bad_at_is_a_user_error() -> None:
    with pytest.raises(UserError, match="yesterday"):
        api.advise(SMALL_CASE, at="yesterday")


def test_bad_mapping_is_a_user_error_with_a_hint() -> None:
    bad = {**SMALL_CASE, "application": {**SMALL_CASE["application"], "posiiton": "Lead"}}
    with pytest.raises(UserError) as caught:
        api.advise(bad, at="2025-03-07T10:00")
    assert [p.code for p in caught.value.problems] == ["FR010"]
    assert "did you mean 'position'" in caught.value.problems[0].hint


def test_unknown_ruleset_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no ruleset 'levo-5-thing'.*did you mean 'levo-5-things'"):
        api.advise(SMALL_CASE, at="2025-03-07T10:00", rulesets=["levo-5-thing"])
