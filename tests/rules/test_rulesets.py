"""Every shipped ruleset's own YAML tests, one pytest item each, plus quote provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from followup_rules.authoring.testing import collect_paths, run_tests
from followup_rules.rules.validate import validate_paths

TESTS = collect_paths()


@pytest.mark.parametrize("rule_test", TESTS, ids=str)
def test_ruleset_case(rule_test) -> None:
    rule_test.check()


def test_every_shipped_rule_is_seen_firing_and_silent() -> None:
    report = run_tests(TESTS)
    assert report.percent() == 100.0, "\n".join(report.missing())


def test_shipped_rulesets_are_valid_and_quote_their_sources(sources_dir: Path) -> None:
    assert [str(p) for p in validate_paths([], str(sources_dir))] == []


def test_an_altered_quote_is_rejected_with_the_rule_and_the_closest_passage(tmp_path: Path, sources_dir: Path) -> None:
    from click.testing import CliRunner

    from followup_rules.cli.main import cli

    shipped = Path(__file__).resolve().parents[2] / "rulesets" / "sources" / "levo-5-things.yaml"
    original = "Thank every person who interviewed you."
    text = shipped.read_text(encoding="utf-8")
    assert original in text
    altered = tmp_path / "levo-5-things.yaml"
    altered.write_text(text.replace(original, "Thank every single person who interviewed you."), encoding="utf-8")
    result = CliRunner().invoke(cli, ["rulesets", "validate", str(altered), "--sources", str(sources_dir)])
    assert result.exit_code == 2
    assert "FR031 quote of rule 'thank-every-interviewer' is not in 001_e08dceeb9b726398.txt" in result.output
    assert f"closest passage: “{original}" in result.output
