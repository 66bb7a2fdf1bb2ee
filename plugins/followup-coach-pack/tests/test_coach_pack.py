"""The coach pack: its ruleset validates and passes its own tests, extends levo-5-things through an
override with a reason, and, once installed, shows up in `followup rulesets list`, `advise` and `explain`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from followup_coach_pack import RULESET
from followup_coach_pack import plugin as coach_plugin

import followup_rules
from followup_rules.api import default_library
from followup_rules.authoring.testing import run_paths
from followup_rules.rules.validate import validate_paths

CASE = str(RULESET.parent / "cases" / "coach-base.yaml")
EVENING = "2025-05-06T18:00:00-04:00"  # three hours after the interview ended, nothing sent yet
REASON = "My clients thank the same day, within 24 hours of the interview, while the conversation is fresh."
OWN_RULES = ["connect-on-linkedin-after-thanks", "no-emoji-in-follow-ups"]


def test_the_hook_gives_the_packaged_ruleset_file() -> None:
    assert coach_plugin.followup_rulesets() == [str(RULESET)]
    assert RULESET.is_file() and RULESET.parent.parent.name == "followup_coach_pack"


def test_the_ruleset_validates() -> None:
    assert validate_paths([str(RULESET)]) == []


def test_its_yaml_tests_pass_and_cover_every_outcome() -> None:
    report = run_paths([str(RULESET)])
    assert report.failed == 0, report.text()
    assert len(report.results) == 8
    assert report.coverage_percent() == 100.0, report.missing()


def test_it_extends_levo_with_one_override_and_two_rules_of_its_own(followup_plugins) -> None:
    followup_plugins(coach_plugin)
    library = default_library()
    coach, parent = library.get("coach-pack"), library.get("levo-5-things")
    assert [r.id for r in coach.rules] == [r.id for r in parent.rules] + OWN_RULES
    replaced = coach.rule("thank-you-day-of-or-next")
    assert replaced.override_reason == REASON and replaced.then.window.unit == "hours"
    assert replaced.chain == ("levo-5-things@1.1.0", f"coach-pack@1.0.0 overrides: {REASON}")
    assert coach.rule("move-on").source == parent.source_file  # inherited rules keep their source
    assert coach.rule("no-emoji-in-follow-ups").chain == ("coach-pack@1.0.0",)
    assert coach.source_file is None  # the coach's own words, no published source


def test_advise_and_explain_use_the_coach_timing(followup_plugins) -> None:
    followup_plugins(coach_plugin)
    advice = followup_rules.advise(CASE, at=EVENING, rulesets=["coach-pack"])
    thank = next(a for a in advice.actions if a.action == "send_thank_you")
    assert [c.rule for c in thank.by] == ["coach-pack/thank-you-day-of-or-next"]
    assert thank.window.closes == datetime.fromisoformat("2025-05-07T15:00:00-04:00")  # 24 h, not "day after"
    verdicts = {v.rule: v for v in followup_rules.explain(CASE, at=EVENING, rulesets=["coach-pack"]).verdicts}
    assert verdicts["coach-pack/thank-you-day-of-or-next"].chain == ("levo-5-things@1.1.0",
                                                                     f"coach-pack@1.0.0 overrides: {REASON}")
    assert {f"coach-pack/{r}" for r in OWN_RULES} <= set(verdicts)


def _installed() -> None:
    names = {ep.name for ep in entry_points(group="followup_rules")}
    assert "coach-pack" in names, "followup-coach-pack is not installed: pip install ./plugins/followup-coach-pack"


def _followup(tmp_path: Path, *args: str) -> str:
    # From an empty folder, so the installed package is used, not this source tree.
    done = subprocess.run([sys.executable, "-m", "followup_rules", *args], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_installed_it_is_listed_as_a_plugin_and_a_ruleset(tmp_path: Path) -> None:
    _installed()
    plugins = json.loads(_followup(tmp_path, "plugins", "--format", "json"))["plugins"]
    row = next(p for p in plugins if p["name"] == "coach-pack")
    assert row["hooks"] == ["followup_rulesets"] and row["origin"] == "followup-coach-pack (followup_coach_pack.plugin)"
    rulesets = json.loads(_followup(tmp_path, "rulesets", "list", "--format", "json"))
    coach = next(r for r in rulesets if r["id"] == "coach-pack")
    assert coach["version"] == "1.0.0" and coach["rules"] == 20 and coach["extends"] == "levo-5-things@^1"
    assert "site-packages" in coach["path"] or "dist-packages" in coach["path"]


def test_installed_its_rules_appear_in_advise_and_explain(tmp_path: Path) -> None:
    _installed()
    advice = json.loads(_followup(tmp_path, "advise", CASE, "--ruleset", "coach-pack", "--at", EVENING,
                                  "--format", "json"))
    cited = {c["rule"] for a in advice["actions"] for c in a["by"]}
    assert "coach-pack/thank-you-day-of-or-next" in cited
    assert [r["id"] for r in advice["rulesets"]] == ["coach-pack"]
    explained = json.loads(_followup(tmp_path, "explain", CASE, "--ruleset", "coach-pack", "--at", EVENING,
                                     "--format", "json"))
    verdicts = {v["rule"]: v for v in explained["rules"]}
    assert verdicts["coach-pack/thank-you-day-of-or-next"]["chain"] == ["levo-5-things@1.1.0",
                                                                        f"coach-pack@1.0.0 overrides: {REASON}"]
    assert verdicts["coach-pack/no-emoji-in-follow-ups"]["chain"] == ["coach-pack@1.0.0"]
    text = _followup(tmp_path, "explain", CASE, "--ruleset", "coach-pack", "--at", EVENING,
                     "--rule", "coach-pack/thank-you-day-of-or-next")
    assert f"coach-pack@1.0.0 overrides: {REASON}" in text


@pytest.mark.parametrize("rule", OWN_RULES)
def test_installed_explain_shows_its_own_rules(rule: str, tmp_path: Path) -> None:
    _installed()
    text = _followup(tmp_path, "explain", CASE, "--ruleset", "coach-pack", "--at", EVENING, "--rule", rule)
    assert f"coach-pack/{rule}" in text
