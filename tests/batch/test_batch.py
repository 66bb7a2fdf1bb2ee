"""`followup batch`: the same bytes as `followup advise` per case, on Dask and without it; invalid,
crashing and hanging cases reported by id while the rest is advised; interrupted runs resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from followup_rules.cli.main import cli
from followup_rules.core.problems import UserError

ROOT = Path(__file__).resolve().parents[2]
AT = "2025-03-10T10:00:00-04:00"


Generated = Callable[..., "list[tuple[dict[str, Any], str]]"]


@pytest.fixture
def generated(case_generator: ModuleType) -> Generated:
    """Cases of bench/cases.py as case mappings with text timestamps, and the moment of each."""

    def make(count: int, seed: int = 11) -> list[tuple[dict[str, Any], str]]:
        return [(case_generator.as_json_data(data), at.isoformat()) for data, at in case_generator.generate_all(count, seed)]

    return make


def write_lines(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return path


def batch(*args: str) -> Any:
    result = CliRunner().invoke(cli, ["batch", *args], catch_exceptions=False)
    return result


def advise_bytes(case_file: str, at: str, *extra: str) -> bytes:
    result = CliRunner().invoke(cli, ["advise", case_file, "--at", at, "--format", "json", *extra],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def needs_dask() -> None:
    pytest.importorskip("distributed")


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_every_line_is_the_advise_json_of_its_case(in_tmp: Path, engine: str, generated: Generated) -> None:
    if engine == "dask":
        needs_dask()
    (in_tmp / "cases").mkdir()
    rows = []
    for i, (data, at) in enumerate(generated(300)):
        case_id = f"cases/c{i:04d}.json"
        (in_tmp / case_id).write_bytes(orjson.dumps(data))
        rows.append({"id": case_id, "at": at, **data})
    write_lines(in_tmp / "cases.jsonl", rows)
    done = batch("cases.jsonl", "--out", "out", "--engine", engine, "--workers", "2", "--partition-size", "40")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("300 cases: 300 advised, 0 errors, 0 quarantined;")
    lines = (in_tmp / "out" / "advice.jsonl").read_bytes().splitlines(keepends=True)
    assert len(lines) == 300
    for row, line in zip(rows, lines):
        assert line == advise_bytes(row["id"], row["at"]), row["id"]


def test_a_folder_of_case_files_gives_the_same_bytes_as_advise(in_tmp: Path) -> None:
    folder = in_tmp / "cases"
    folder.mkdir()
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    for path in examples:
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    done = batch("cases", "--out", "out", "--at", AT, "--engine", "local")
    assert done.exit_code == 0, done.output
    lines = (in_tmp / "out" / "advice.jsonl").read_bytes().splitlines(keepends=True)
    assert lines == [advise_bytes(f"cases/{path.name}", AT) for path in examples]


def test_citations_by_reference_leave_the_quotes_to_the_rules_table(in_tmp: Path, generated: Generated) -> None:
    (data, at), = generated(1, seed=3)
    write_lines(in_tmp / "one.jsonl", [{"id": "one", "at": at, **data}])
    assert batch("one.jsonl", "--out", "full", "--engine", "local").exit_code == 0
    assert batch("one.jsonl", "--out", "ref", "--engine", "local", "--citations", "ref").exit_code == 0
    full = json.loads((in_tmp / "full" / "advice.jsonl").read_bytes())
    ref = json.loads((in_tmp / "ref" / "advice.jsonl").read_bytes())
    table = json.loads((in_tmp / "ref" / "rules.json").read_bytes())
    cited = [c for item in full["actions"] + full["warnings"] for c in item["by"]]
    assert cited and len((in_tmp / "ref" / "advice.jsonl").read_bytes()) < len((in_tmp / "full" / "advice.jsonl").read_bytes())
    for item in ref["actions"] + ref["warnings"] + ref["expectations"]:
        assert all("quote" not in c and "says" not in c for c in item["by"])
    for c in cited:
        assert (table[c["rule"]]["quote"], table[c["rule"]]["says"], table[c["rule"]]["source"]) == (
            c["quote"], c["says"], c["source"])


CRASHING_PLUGIN = '''
import os
import time

from followup_rules.plugin.hookspecs import hookimpl


@hookimpl
def followup_enrich_facts(case, at, facts):
    if case.name == "poison":
        os._exit(3)
    if case.name == "sleeper":
        time.sleep(600)
    return None
'''


@pytest.fixture
def crashing_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An installed plugin whose fact hook kills its process on the case "poison" and hangs on
    "sleeper": visible to child processes and Dask workers (which take the parent's sys.path)."""
    from followup_rules import pipeline
    from followup_rules.plugin import manager

    site = tmp_path / "site"
    site.mkdir()
    (site / "fr_crasher.py").write_text(CRASHING_PLUGIN, encoding="utf-8")
    info = site / "fr_crasher-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crasher\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[followup_rules]\ncrasher = fr_crasher\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    yield
    manager.plugins.cache_clear()
    pipeline.default_library.cache_clear()


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_invalid_crashing_and_hanging_cases_are_reported_by_id_and_the_rest_advised(
        in_tmp: Path, crashing_plugin: None, engine: str, generated: Generated) -> None:
    if engine == "dask":
        needs_dask()
    cases = generated(60, seed=5)
    rows = [{"id": f"ok-{i}", "at": at, **data} for i, (data, at) in enumerate(cases)]
    rows[10]["id"] = "poison"
    rows[25]["id"] = "sleeper"
    rows[40] = {"id": "bad", "at": rows[40]["at"], **{**cases[40][0], "application": {
        **cases[40][0]["application"], "industry": "retail"}}}
    write_lines(in_tmp / "cases.jsonl", rows)
    done = batch("cases.jsonl", "--out", "out", "--engine", engine, "--workers", "2", "--partition-size", "20",
                 "--case-timeout", "3")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("60 cases: 57 advised, 1 errors, 2 quarantined;"), done.stdout
    out = in_tmp / "out"
    advised = [json.loads(line)["case"] for line in (out / "advice.jsonl").read_bytes().splitlines()]
    assert advised == [row["id"] for row in rows if row["id"] not in ("poison", "sleeper", "bad")]
    error, = (json.loads(line) for line in (out / "errors.jsonl").read_bytes().splitlines())
    problem, = error["problems"]
    assert (error["id"], problem["file"], problem["line"], problem["code"]) == ("bad", "cases.jsonl", 41, "FR013")
    line_41 = (in_tmp / "cases.jsonl").read_text(encoding="utf-8").splitlines()[40]
    assert line_41[problem["column"] - 1:].startswith('"retail"')
    quarantined = {q["id"]: q["reason"] for q in map(json.loads, (out / "quarantine.jsonl").read_bytes().splitlines())}
    assert quarantined == {"poison": "crashed its worker (exit code 3)", "sleeper": "hung: no result within 3 s"}


def test_an_interrupted_run_resumes_without_duplicates(in_tmp: Path, generated: Generated) -> None:
    rows = [{"id": f"c{i}", "at": at, **data} for i, (data, at) in enumerate(generated(240, seed=9))]
    write_lines(in_tmp / "cases.jsonl", rows)
    args = ["cases.jsonl", "--at", AT, "--engine", "local", "--partition-size", "10"]
    assert batch(*args, "--out", "whole").exit_code == 0
    process = subprocess.Popen([sys.executable, "-m", "followup_rules", "batch", *args, "--out", "cut"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    record = in_tmp / "cut" / "run.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if record.is_file() and _partitions(record) >= 3:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    cut_at = _partitions(record)
    assert 3 <= cut_at < 24, "the run was not cut in the middle"
    with open(in_tmp / "cut" / "advice.jsonl", "ab") as half_written:
        half_written.write(b'{"at": "a line an interrupted run never finished')
    again = batch(*args, "--out", "cut")
    assert again.exit_code == 0, again.output
    assert f"; {cut_at * 10:,} were done before this run" in again.stdout
    assert (in_tmp / "cut" / "advice.jsonl").read_bytes() == (in_tmp / "whole" / "advice.jsonl").read_bytes()
    assert batch(*args, "--out", "cut").stdout.startswith("240 cases: 240 advised")


def _partitions(record: Path) -> int:
    try:
        return int(json.loads(record.read_bytes())["done"]["partitions"])
    except (ValueError, KeyError):
        return 0


def test_a_folder_holding_another_run_is_not_touched(in_tmp: Path, generated: Generated) -> None:
    (data, at), = generated(1)
    write_lines(in_tmp / "one.jsonl", [{"id": "one", "at": at, **data}])
    assert batch("one.jsonl", "--out", "out", "--engine", "local").exit_code == 0
    before = (in_tmp / "out" / "advice.jsonl").read_bytes()
    other = CliRunner().invoke(cli, ["batch", "one.jsonl", "--out", "out", "--engine", "local", "--policy",
                                     "strictest"])
    assert isinstance(other.exception, UserError)
    assert "FR115" in str(other.exception) and "(policy)" in str(other.exception)
    assert (in_tmp / "out" / "advice.jsonl").read_bytes() == before


def test_a_line_without_an_id_or_json_is_an_error_at_its_line(in_tmp: Path, generated: Generated) -> None:
    (data, at), = generated(1)
    (in_tmp / "mixed.jsonl").write_text("\n".join([json.dumps({"at": at, **data}), "{not json",
                                                     json.dumps({"id": "fine", "at": at, **data})]) + "\n")
    done = batch("mixed.jsonl", "--out", "out", "--engine", "local")
    assert done.stdout.startswith("3 cases: 1 advised, 2 errors, 0 quarantined;")
    errors = [json.loads(line) for line in (in_tmp / "out" / "errors.jsonl").read_bytes().splitlines()]
    assert [(e["id"], e["line"], e["problems"][0]["code"]) for e in errors] == [(None, 1, "FR111"),
                                                                                 (None, 2, "FR110")]
