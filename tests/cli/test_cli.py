"""The `followup` command end to end, on every shipped example: advice, explanations, rulesets, options."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator

from followup_rules.cli.main import cli
from followup_rules.core import vocabulary

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_RULESETS = sorted((ROOT / "rulesets" / "sources").glob("*.yaml"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def invoke(*args: str) -> Result:
    """Run the CLI in-process (output is not a TTY) and require success."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output + result.stderr
    return result


def advice_json(example: Any, *extra: str) -> dict[str, Any]:
    return json.loads(invoke("advise", example.arg, "--at", example.at, "--format", "json", *extra).stdout)


def explanation_json(example: Any, *extra: str) -> dict[str, Any]:
    return json.loads(invoke("explain", example.arg, "--at", example.at, "--format", "json", *extra).stdout)


def blocks(text: str) -> dict[str, str]:
    """Explanation text split into one block per rule, by the rule's key on the block's first line (the
    rules follow the merges, under "Every rule")."""
    found = {}
    rules = text.split("\nEvery rule\n", 1)[1] if "\nEvery rule\n" in text else text.split("\n\n", 1)[1]
    for block in rules.split("\n\n"):
        if block.strip():
            found[block.split()[0]] = block.strip("\n")
    return found


def schema_errors(validator: Any, data: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def shipped_ids() -> list[str]:
    return [yaml.safe_load(p.read_text(encoding="utf-8"))["id"] for p in SHIPPED_RULESETS]


# --- advise ---------------------------------------------------------------------------------------------

def test_advise_json_validates_and_is_byte_identical(example: Any, run_followup: Callable[..., Any],
                                                     advice_validator: Draft202012Validator) -> None:
    """Two processes with different hash seeds print the same bytes, and the advice fits the schema."""
    args = ("advise", example.arg, "--at", example.at, "--format", "json")
    first = run_followup(*args, hash_seed="0")
    second = run_followup(*args, hash_seed="4242")
    assert first.returncode == 0 and first.stderr == "", first.stderr
    assert first.stdout_bytes == second.stdout_bytes
    data = json.loads(first.stdout)
    assert schema_errors(advice_validator, data) == []
    assert datetime.fromisoformat(data["at"]) == datetime.fromisoformat(example.at)
    assert data["timezone"] == example.timezone


def test_advise_text_mentions_each_action_and_its_rules(example: Any) -> None:
    data = advice_json(example)
    text = invoke("advise", example.arg, "--at", example.at).stdout
    assert data["actions"], "every example is meant to produce advice"
    for action in data["actions"]:
        assert action["action"] in text
        for citation in action["by"]:
            assert citation["rule"] in text
    for warning in data["warnings"]:
        assert warning["code"] in text


def test_advise_markdown_has_a_row_per_action(example: Any) -> None:
    data = advice_json(example)
    text = invoke("advise", example.arg, "--at", example.at, "--format", "markdown").stdout
    assert text.startswith("# Advice for ")
    rows = [line for line in text.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert [row.split("|")[3].strip() for row in rows] == [a["sentence"] for a in data["actions"]]


@pytest.mark.parametrize("policy", ["strictest", "precedence"])
def test_policies_give_valid_advice(example: Any, policy: str, advice_validator: Draft202012Validator) -> None:
    data = advice_json(example, "--policy", policy)
    assert data["policy"] == policy
    assert schema_errors(advice_validator, data) == []


def test_precedence_order_can_be_given(examples: dict[str, Any], advice_validator: Draft202012Validator) -> None:
    example = examples["decision-date-passed"]
    ids = shipped_ids()
    data = advice_json(example, "--policy", "precedence", *[a for rid in reversed(ids) for a in ("--precedence", rid)])
    assert data["policy"] == "precedence"
    assert schema_errors(advice_validator, data) == []


def test_at_without_offset_is_read_in_the_candidates_timezone(example: Any) -> None:
    aware = datetime.fromisoformat(example.at).astimezone(ZoneInfo(example.timezone))
    naive = aware.replace(tzinfo=None).isoformat()
    from_naive = invoke("advise", example.arg, "--at", naive, "--format", "json").stdout
    from_aware = invoke("advise", example.arg, "--at", aware.isoformat(), "--format", "json").stdout
    at = datetime.fromisoformat(json.loads(from_naive)["at"])
    assert at == aware and at.utcoffset() == aware.utcoffset()
    assert from_naive == from_aware


@pytest.mark.parametrize("bad", ["yesterday", "2025-02-30T10:00", "2025-03-07T25:00", "07/03/2025"])
def test_bad_at_is_one_error_line(bad: str, run_followup: Callable[..., Any]) -> None:
    run = run_followup("advise", "examples/just-after-interview.yaml", "--at", bad)
    lines = run.stderr.splitlines()
    assert run.returncode == 2
    assert len(lines) == 1 and lines[0].startswith("error: ") and bad in lines[0], run.stderr
    assert "--at" in lines[0] and "Traceback" not in run.stderr and run.stdout == ""


# --- explain --------------------------------------------------------------------------------------------

def test_explain_shows_fired_rules_with_their_quotes(example: Any) -> None:
    rules = explanation_json(example)["rules"]
    fired = [r for r in rules if r["fired"] and r["quote"]]
    assert fired, "every example fires at least one quoted rule"
    text = blocks(invoke("explain", example.arg, "--at", example.at).stdout)
    assert set(text) == {r["rule"] for r in rules}
    for rule in fired:
        block = text[rule["rule"]]
        assert "FIRED" in block.splitlines()[0]
        for quote in rule["quote"]:
            assert f"“{quote}”" in block


def test_explain_why_not_shows_failing_conditions_and_actual_values(example: Any) -> None:
    rules = explanation_json(example)["rules"]
    not_fired = [r for r in rules if not r["fired"]]
    with_reasons = [r for r in not_fired if r["why_not"]]
    assert with_reasons, "every example has a rule that did not fire for a stated reason"
    text = blocks(invoke("explain", example.arg, "--at", example.at, "--why-not").stdout)
    assert set(text) == {r["rule"] for r in not_fired}
    for rule in with_reasons:
        block = text[rule["rule"]]
        assert "FIRED" not in block
        for item in rule["why_not"]:
            assert f"why not {item['condition']} (actual {json.dumps(item['actual'])})" in block
    only_not_fired = explanation_json(example, "--why-not")["rules"]
    assert only_not_fired and not any(r["fired"] for r in only_not_fired)


def test_explain_rule_filters(example: Any) -> None:
    rules = explanation_json(example)["rules"]
    key = rules[-1]["rule"]
    short = key.split("/", 1)[1]
    by_key = explanation_json(example, "--rule", key)["rules"]
    by_short = explanation_json(example, "--rule", short)["rules"]
    assert [r["rule"] for r in by_key] == [key]
    assert key in [r["rule"] for r in by_short]
    assert all(r["rule"].endswith("/" + short) for r in by_short)
    text = blocks(invoke("explain", example.arg, "--at", example.at, "--rule", key).stdout)
    assert list(text) == [key]


def test_explain_unknown_rule_is_one_error_line(run_followup: Callable[..., Any]) -> None:
    run = run_followup("explain", "examples/rejection.yaml", "--at", "2025-05-22T18:00", "--rule", "no-such-rule")
    lines = run.stderr.splitlines()
    assert run.returncode == 2 and len(lines) == 1 and "no-such-rule" in lines[0], run.stderr


def test_explain_json_and_markdown(example: Any) -> None:
    data = explanation_json(example)
    assert {"at", "case", "timezone", "rules", "facts"} <= set(data)
    assert datetime.fromisoformat(data["at"]) == datetime.fromisoformat(example.at)
    assert all({"rule", "fired", "quote", "conditions", "why_not"} <= set(r) for r in data["rules"])
    markdown = invoke("explain", example.arg, "--at", example.at, "--format", "markdown").stdout
    assert markdown.startswith("# Explanation for ")
    for rule in data["rules"]:
        assert f"## `{rule['rule']}` — {'fired' if rule['fired'] else 'not fired'}" in markdown


# --- colour ---------------------------------------------------------------------------------------------

def _run_on_tty(*args: str, env: dict[str, str] | None = None) -> str:
    """Stdout of `followup ARGS` written to a pseudo-terminal."""
    leader, follower = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "followup_rules", *args], cwd=ROOT, stdout=follower,
                            stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        assert ready, "no output from the CLI on a terminal within 30 s"
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode("utf-8")


@pytest.mark.parametrize("command", ["advise", "explain"])
def test_text_has_no_colour_when_piped_but_has_it_on_a_terminal(command: str, run_followup: Callable[..., Any]) -> None:
    args = (command, "examples/draft-with-problems.yaml", "--at", "2025-03-07T08:00:00-05:00")
    piped = run_followup(*args)
    assert piped.returncode == 0 and piped.stdout
    assert "\x1b[" not in piped.stdout
    assert ANSI.search(_run_on_tty(*args)), "the control run on a terminal should be coloured"


def test_no_color_turns_colour_off_on_a_terminal() -> None:
    args = ("advise", "examples/draft-with-problems.yaml", "--at", "2025-03-07T08:00:00-05:00")
    text = _run_on_tty(*args, env={**os.environ, "NO_COLOR": "1"})
    assert "Advice at" in text and "\x1b[" not in text


# --- conventions ----------------------------------------------------------------------------------------

def test_a_case_can_come_from_standard_input(examples: dict[str, Any]) -> None:
    example = examples["just-after-interview"]
    from_file = invoke("advise", example.arg, "--at", example.at, "--format", "json").stdout
    result = CliRunner().invoke(cli, ["advise", "-", "--at", example.at, "--format", "json"],
                                input=example.path.read_bytes(), catch_exceptions=False)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["actions"] == json.loads(from_file)["actions"]
    broken = subprocess.run([sys.executable, "-m", "followup_rules", "advise", "-"], input=b"candidate: 1\n",
                            cwd=ROOT, capture_output=True, timeout=60, check=False)
    assert broken.returncode == 2 and b"error: <stdin>:1:12: FR011" in broken.stderr


@pytest.mark.parametrize("args", [(), ("rulesets",)])
def test_a_bare_command_prints_its_help_and_no_error(args: tuple[str, ...], run_followup: Callable[..., Any]) -> None:
    done = run_followup(*args)
    assert done.returncode == 0 and done.stdout.startswith("Usage: followup") and "error" not in done.stderr.lower()


def test_help_points_at_the_docs_and_completion() -> None:
    text = " ".join(invoke("--help").stdout.split())
    assert "docs/problems.md" in text and "_FOLLOWUP_COMPLETE=bash_source followup" in text and "NO_COLOR" in text


def test_shell_completion_completes_commands_and_subcommands() -> None:
    def complete(words: str, index: int) -> str:
        env = {**os.environ, "_FOLLOWUP_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(index)}
        done = subprocess.run([sys.executable, "-m", "followup_rules"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60, check=False)
        return done.stdout

    assert "advise" in complete("followup adv", 1).split()[0]
    assert "validate" in complete("followup rulesets va", 2)


# --- rulesets -------------------------------------------------------------------------------------------

def test_rulesets_list() -> None:
    rows = json.loads(invoke("rulesets", "list", "--format", "json").stdout)
    listed = {r["id"]: r for r in rows}
    assert set(shipped_ids()) <= set(listed)
    text = invoke("rulesets", "list").stdout
    for rid in shipped_ids():
        assert re.search(rf"^{re.escape(rid)}\s+\d+\.\d+\.\d+\s+sources\s+{listed[rid]['rules']} rules", text,
                         re.MULTILINE)


@pytest.mark.parametrize("path", SHIPPED_RULESETS, ids=[p.stem for p in SHIPPED_RULESETS])
def test_rulesets_show(path: Path) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    data = json.loads(invoke("rulesets", "show", raw["id"], "--format", "json").stdout)
    assert (data["id"], data["version"]) == (raw["id"], raw["version"])
    assert [r["id"] for r in data["rules"]] == [r["id"] for r in raw["rules"]]
    text = invoke("rulesets", "show", f"{raw['id']}@{raw['version']}").stdout
    assert text.startswith(f"{raw['id']}@{raw['version']}")
    for rule in raw["rules"]:
        assert re.search(rf"^{re.escape(rule['id'])}  \[", text, re.MULTILINE)


def test_rulesets_show_unknown_id_is_one_error_line(run_followup: Callable[..., Any]) -> None:
    wanted = shipped_ids()[0]
    run = run_followup("rulesets", "show", wanted[:-1])
    lines = run.stderr.splitlines()
    assert run.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    assert f"did you mean {wanted!r}" in lines[0]


def test_rulesets_validate_accepts_the_shipped_rulesets() -> None:
    result = CliRunner().invoke(cli, ["rulesets", "validate"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "all rulesets valid"
    as_json = CliRunner().invoke(cli, ["rulesets", "validate", "--format", "json"], catch_exceptions=False)
    assert as_json.exit_code == 0 and json.loads(as_json.stdout) == []


def test_rulesets_vocabulary() -> None:
    data = json.loads(invoke("rulesets", "vocabulary", "--format", "json").stdout)
    assert set(data["facts"]) == set(vocabulary.FACTS)
    assert data["actions"] == list(vocabulary.ACTIONS)
    assert data["operators"] == list(vocabulary.OPS)
    text = invoke("rulesets", "vocabulary").stdout
    for name in vocabulary.FACTS:
        assert re.search(rf"^{re.escape(name)}\s", text, re.MULTILINE)
    assert "actions: " + ", ".join(vocabulary.ACTIONS) in text

