"""`followup rulesets diff OLD NEW`: rules added, removed and changed, and test cases whose advice changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from followup_rules.authoring.diff import diff_paths, markdown, text
from followup_rules.cli.main import cli, main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "rulesets" / "sources" / "levo-5-things.yaml"

NEW_RULE = {
    "id": "no-emoji", "kind": "dont", "strength": "should", "topic": "tone",
    "says": "Leave emojis out of a follow-up.", "quote": "Be professional.",
    "when": {"all": [{"fact": "draft.present", "op": "eq", "value": True},
                     {"fact": "draft.emoji_count", "op": "gt", "value": 0}]},
    "then": {"warning": "informal_language"},
}


def edited_copy(tmp_path: Path, edit: Any) -> Path:
    """A copy of the shipped levo ruleset beside a copy of its cases, with `edit` applied to its data."""
    (tmp_path / "sources").mkdir()
    shutil.copytree(ROOT / "rulesets" / "sources" / "cases", tmp_path / "sources" / "cases")
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    edit(data)
    target = tmp_path / "sources" / "levo-5-things.yaml"
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rule_id)


def four_edits(data: dict[str, Any]) -> None:
    data["version"] = "1.2.0"
    rule(data, "final-follow-up")["then"]["window"].update(opens=10, target=10)
    data["rules"] = [r for r in data["rules"] if r["id"] != "move-on"]
    data["rules"].append(NEW_RULE)
    rule(data, "keep-looking")["quote"] = "Keep looking for other job opportunities."


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return edited_copy(tmp_path_factory.mktemp("diff"), four_edits)


def test_diff_names_each_change(edited: Path) -> None:
    d = diff_paths(str(SHIPPED), str(edited))
    assert [r.id for r in d.added] == ["no-emoji"]
    assert [r.id for r in d.removed] == ["move-on"]
    changed = {c.rule: {f.field: (f.before, f.after) for f in c.changes} for c in d.changed}
    assert changed == {
        "final-follow-up": {"window": ("last_follow_up + 7..14 days (target 7)",
                                       "last_follow_up + 10..14 days (target 10)")},
        "keep-looking": {"quote": ("“Meanwhile, keep looking for other job opportunities while you’re waiting”",
                                   "“Keep looking for other job opportunities.”")},
    }
    assert [(c.field, c.before, c.after) for c in d.ruleset] == [("version", "1.1.0", "1.2.0")]


def test_diff_names_the_test_cases_whose_advice_changed(edited: Path) -> None:
    d = diff_paths(str(SHIPPED), str(edited))
    changes = {a.test: a.changes() for a in d.advice}
    # The final follow-up now opens on day 10 after the first one instead of day 7.
    window = changes["final-follow-up-window-after-first"]
    assert window[0][0] == "actions"
    assert window[0][1] == ("send_follow_up (open) opens 2025-05-21T00:00:00-04:00, "
                            "target 2025-05-21T10:00:00-04:00, closes 2025-05-29T00:00:00-04:00",)
    assert window[0][2] == ("send_follow_up (upcoming) opens 2025-05-24T00:00:00-04:00, "
                            "target 2025-05-24T10:00:00-04:00, closes 2025-05-29T00:00:00-04:00",)
    # Without move-on, an unanswered final follow-up no longer says stop.
    moved = dict((part, (gone, came)) for part, gone, came in changes["final-follow-up-unanswered-move-on"])
    assert moved["fired"] == (("move-on",), ())
    assert moved["actions"] == (("stop_following_up (open)",), ())
    assert d.not_run == []
    assert set(d.same_advice).isdisjoint(changes) and len(d.same_advice) + len(d.advice) == len(d.new.tests)


def test_text_and_markdown_show_before_and_after(edited: Path) -> None:
    d = diff_paths(str(SHIPPED), str(edited))
    shown = text(d)
    assert "  + no-emoji [dont] informal_language" in shown
    assert "  - move-on [do] stop_following_up" in shown
    assert ("before  last_follow_up + 7..14 days (target 7)\n"
            "        after   last_follow_up + 10..14 days (target 10)") in shown
    assert "  ! final-follow-up-unanswered-move-on\n      fired  - move-on" in shown
    changelog = markdown(d)
    assert changelog.startswith("## levo-5-things 1.2.0\n\nChanges from levo-5-things 1.1.0.\n")
    assert "### Added\n\n- `no-emoji` (dont, informal_language): Leave emojis out of a follow-up." in changelog
    assert "### Removed\n\n- `move-on` (do, stop_following_up):" in changelog
    assert ("- `final-follow-up`\n  - window: `last_follow_up + 7..14 days (target 7)` → "
            "`last_follow_up + 10..14 days (target 10)`") in changelog
    assert "- `final-follow-up-unanswered-move-on`\n  - fired: no longer `move-on`" in changelog


def test_diff_cli_formats(edited: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["rulesets", "diff", str(SHIPPED), str(edited), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["old"]["version"], data["new"]["version"]) == ("1.1.0", "1.2.0")
    assert [r["id"] for r in data["added"]] == ["no-emoji"] and [r["id"] for r in data["removed"]] == ["move-on"]
    assert {c["rule"] for c in data["changed"]} == {"final-follow-up", "keep-looking"}
    assert "final-follow-up-unanswered-move-on" in {a["test"] for a in data["tests"]["different_advice"]}
    markdown_out = runner.invoke(cli, ["rulesets", "diff", str(SHIPPED), str(edited), "--format", "markdown"])
    assert markdown_out.exit_code == 0 and markdown_out.stdout.startswith("## levo-5-things 1.2.0")


def test_identical_versions_have_no_differences() -> None:
    d = diff_paths(str(SHIPPED), str(SHIPPED))
    assert d.empty and d.advice == [] and len(d.same_advice) == len(d.new.tests)
    assert text(d).endswith("no differences\n")


def test_a_test_added_in_new_and_its_case_missing_are_reported(tmp_path: Path) -> None:
    def add_test(data: dict[str, Any]) -> None:
        first = dict(data["tests"][0])
        data["tests"].append({**first, "name": "brand-new-test"})
        data["tests"].append({**first, "name": "lost-case", "case": "cases/no-such-case.yaml"})

    d = diff_paths(str(SHIPPED), str(edited_copy(tmp_path, add_test)))
    assert d.tests_added == ["brand-new-test", "lost-case"]
    assert [name for name, _ in d.not_run] == ["lost-case"] and "FR001" in d.not_run[0][1]
    assert d.advice == [] and "brand-new-test" in d.same_advice


def test_diff_of_a_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["rulesets", "diff", str(SHIPPED), "no-such-ruleset.yaml"])
    assert stopped.value.code == 2
    assert "no-such-ruleset.yaml:1:1: FR001 cannot read file" in capsys.readouterr().err
