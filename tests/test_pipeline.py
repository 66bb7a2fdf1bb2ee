"""One pipeline: every evaluating command selects the same rulesets and policy, and action N is the
same action wherever a command takes `--action N`; drafting a message evaluates the case once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
from icalendar import Calendar

from followup_rules.core.problems import UserError
from followup_rules.engine.durable import Engine
from followup_rules.pipeline import find_upward, select

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "just-after-interview.yaml"
AT = "2025-03-06T16:00:00-05:00"
DRAFT = "Dear Rosa,\n\nThank you for meeting me today about the analyst role.\n\nBest regards,\nMaya Goldberg\n"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(followup_in_process: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """`followup ARGS` in this process, from folder `cwd`: (exit code, stdout, stderr)."""
    monkeypatch.setenv("FOLLOWUP_FROM", "Maya Goldberg <maya@example.com>")

    def followup(cwd: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        return followup_in_process(*args)

    return followup


def _ids(rulesets: list[dict[str, Any]]) -> list[str]:
    return [f"{r['id']}@{r['version']}" for r in rulesets]


def _everything(run: Run, cwd: Path, case: Path, *extra: str) -> dict[str, Any]:
    """What each evaluating command says it evaluated: rulesets and policy, and action N where it applies."""
    def json_of(*args: str) -> Any:
        code, out, err = run(cwd, *args)
        assert code in (0, 1), err
        return json.loads(out)

    seen: dict[str, Any] = {}
    advice = json_of("advise", str(case), "--at", AT, *extra, "--format", "json")
    seen["advise"] = (_ids(advice["rulesets"]), advice["policy"])
    explanation = json_of("explain", str(case), "--at", AT, *extra, "--format", "json")
    seen["explain"] = (_ids(explanation["rulesets"]), explanation["policy"])
    timeline = json_of("timeline", str(case), "--at", AT, *extra, "--format", "json")
    seen["timeline"] = (_ids(timeline["rulesets"]), timeline["policy"])
    code, _, err = run(cwd, "export", str(case), "--at", AT, *extra, "--ics", str(cwd / "plan.ics"))
    assert code == 0, err
    calendar = Calendar.from_ical((cwd / "plan.ics").read_bytes())
    seen["export"] = (str(calendar["x-followup-rulesets"]).split(","), str(calendar["x-followup-policy"]))
    (cwd / "draft.txt").write_text(DRAFT, encoding="utf-8")
    checked = json_of("check", str(cwd / "draft.txt"), "--case", str(case), "--at", AT, *extra, "--format", "json")
    seen["check"] = ([f"{r['id']}@{r['version']}" for r in checked["rulesets"]], checked["policy"])
    index = next(n for n, a in enumerate(advice["actions"], 1) if a["action"] == "send_thank_you")
    drafted = json_of("draft", str(case), "--at", AT, "--action", str(index), *extra, "--format", "json")
    seen["draft"] = (_ids(drafted["rulesets"]), drafted["policy"])
    sent = json_of("send", str(case), "--at", AT, "--action", str(index), *extra, "--format", "json")
    seen["send"] = (_ids(sent["rulesets"]), sent["policy"])
    assert drafted["advised"] == sent["advised"] == advice["actions"][index - 1]
    return seen


def _same_everywhere(seen: dict[str, Any]) -> tuple[list[str], str]:
    first = seen["advise"]
    assert {command: first for command in seen} == seen
    return first  # type: ignore[no-any-return]


def test_a_profile_in_a_parent_folder_is_used_by_every_command(run: Run, tmp_path: Path) -> None:
    (tmp_path / "followup.yaml").write_text(
        "rulesets: [how-often@^1, levo-5-things@^1]\npolicy: strictest\n", encoding="utf-8")
    deeper = tmp_path / "applications" / "hudson"
    deeper.mkdir(parents=True)
    case = shutil.copy(EXAMPLE, deeper / "case.yaml")
    rulesets, policy = _same_everywhere(_everything(run, deeper, Path(case)))
    assert [r.split("@")[0] for r in rulesets] == ["how-often", "levo-5-things"] and policy == "strictest"


def test_a_lock_pins_the_rulesets_of_every_command(run: Run, tmp_path: Path) -> None:
    (tmp_path / "followup.yaml").write_text(
        "rulesets: [pro-tips@^1, levo-5-things@^1]\npolicy: precedence\nprecedence: [levo-5-things, pro-tips]\n",
        encoding="utf-8")
    code, out, err = run(tmp_path, "rulesets", "lock")
    assert code == 0 and (tmp_path / "followup.lock").is_file(), err
    # The profile now asks for other rulesets: the lock still decides which are used.
    (tmp_path / "followup.yaml").write_text(
        "rulesets: [how-often@^1]\npolicy: precedence\nprecedence: [levo-5-things, pro-tips]\n", encoding="utf-8")
    case = shutil.copy(EXAMPLE, tmp_path / "case.yaml")
    rulesets, policy = _same_everywhere(_everything(run, tmp_path, Path(case)))
    assert [r.split("@")[0] for r in rulesets] == ["pro-tips", "levo-5-things"] and policy == "precedence"


def test_industry_with_a_ruleset_adds_that_overlay_everywhere(run: Run, tmp_path: Path) -> None:
    case = shutil.copy(EXAMPLE, tmp_path / "case.yaml")
    rulesets, policy = _same_everywhere(
        _everything(run, tmp_path, Path(case), "--ruleset", "how-often", "--industry", "tech"))
    assert [r.split("@")[0] for r in rulesets] == ["how-often", "industry-tech"] and policy == "agreement"


@pytest.mark.parametrize(("args", "words"), [
    (("--ruleset", "how-often", "--precedence", "how-often"), "--precedence orders rulesets for --policy precedence"),
    (("--ruleset", "how-often", "--policy", "precedence", "--precedence", "pro-tips"), "precedence names 'pro-tips'"),
    (("--ruleset", "industry-finance", "--industry", "tech"), "two industry overlays"),
    (("--ruleset", "how-often", "--lock", "followup.lock"), "give one of them"),
    (("--industry", "space"), "no ruleset 'industry-space'"),
])
def test_a_choice_that_cannot_be_honoured_is_one_error(run: Run, tmp_path: Path, args: tuple[str, ...],
                                                       words: str) -> None:
    if "--lock" in args:
        (tmp_path / "followup.lock").write_text('{"lock_version": 1, "rulesets": []}\n', encoding="utf-8")
    code, out, err = run(tmp_path, "advise", str(EXAMPLE), "--at", AT, *args)
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and words in err, err


def test_a_lock_cannot_take_another_industry(run: Run, tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "rulesets", "lock", "--industry", "finance")
    assert code == 0, err
    code, _, err = run(tmp_path, "advise", str(EXAMPLE), "--at", AT, "--industry", "tech")
    assert code == 2 and "pins industry-finance" in err


def test_the_profile_is_found_upwards_and_the_nearest_wins(tmp_path: Path) -> None:
    (tmp_path / "followup.yaml").write_text("policy: strictest\n", encoding="utf-8")
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    assert find_upward("followup.yaml", inner) == tmp_path / "followup.yaml"
    (tmp_path / "a" / "followup.yaml").write_text("policy: precedence\n", encoding="utf-8")
    assert find_upward("followup.yaml", inner) == tmp_path / "a" / "followup.yaml"
    assert select(None, search_from=inner).policy == "precedence"
    assert select(None).policy == "agreement"  # the Python API looks for no file unless given one


def test_an_explicit_profile_wins_over_the_one_found(tmp_path: Path) -> None:
    (tmp_path / "followup.yaml").write_text("policy: strictest\n", encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text("policy: precedence\n", encoding="utf-8")
    assert select(None, profile=other, search_from=tmp_path).policy == "precedence"
    with pytest.raises(UserError, match="unknown policy"):
        select(None, policy="loudest")


@pytest.mark.parametrize(("stem", "name"), [
    ("panel-multiple-interviewers", "send_thank_you"), ("panel-multiple-interviewers", "send_follow_up"),
    ("phone-preferred", "place_call"), ("panel-multiple-interviewers", "connect_linkedin")])
def test_drafting_one_message_evaluates_the_case_once(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     stem: str, name: str) -> None:
    case = ROOT / "examples" / f"{stem}.yaml"
    at = next(line.split()[2] for line in case.read_text(encoding="utf-8").splitlines() if line.startswith("# at:"))
    code, out, err = run(tmp_path, "advise", str(case), "--at", at, "--format", "json")
    index = next(n for n, a in enumerate(json.loads(out)["actions"], 1) if a["action"] == name)
    calls = []
    fire = Engine.fire

    def counted(self: Engine, facts: Any) -> set[str]:
        calls.append(1)
        return fire(self, facts)

    monkeypatch.setattr(Engine, "fire", counted)
    code, out, err = run(tmp_path, "draft", str(case), "--at", at, "--action", str(index), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["messages"] and len(calls) == 1
