"""A stranger's ruleset cannot make any command print or read a file outside its allowed folders:
`source.file` stays in the `--sources` folder, a test's `case:` in the ruleset's own folder, by
`..`, an absolute path or a symbolic link alike."""

from __future__ import annotations

import builtins
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from followup_rules.cli.main import cli

SECRET = "hunter2 is the password of the private account"
BASE = {
    "id": "stranger", "version": "1.0.0", "title": "A stranger's rules",
    "rules": [{"id": "thank", "kind": "do", "strength": "should", "topic": "thank-you-timing", "says": "Thank them.",
               "quote": "hunter2 is the password", "when": {"fact": "interview.ended", "op": "eq", "value": True},
               "then": {"action": "send_thank_you", "to": "all_interviewers"}}],
    "tests": [{"name": "t", "case": "cases/base.yaml", "at": "2025-03-06T18:00:00-05:00", "expect": {"silent": []}}],
}
CASE = {"candidate": {"name": "Sam Doe", "timezone": "America/New_York"},
        "application": {"company": "Example Corp", "position": "Analyst"},
        "interviews": [{"start": "2025-03-06T14:00:00", "end": "2025-03-06T15:00:00",
                        "interviewers": [{"id": "pat", "name": "Pat Lee"}]}]}


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """A private folder with a secret (a text file and a case), a sources folder, a ruleset folder."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "creds.txt").write_text(SECRET + "\n", encoding="utf-8")
    (private / "case.yaml").write_text(yaml.safe_dump(CASE), encoding="utf-8")
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "article.txt").write_text("Thank them.\n", encoding="utf-8")
    (sources / "link.txt").symlink_to(private / "creds.txt")
    rules = tmp_path / "rules"
    (rules / "cases").mkdir(parents=True)
    (rules / "cases" / "base.yaml").write_text(yaml.safe_dump(CASE), encoding="utf-8")
    (rules / "cases" / "link.yaml").symlink_to(private / "case.yaml")
    return {"private": private, "sources": sources, "rules": rules}


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Every path the command opens, however it opens it."""
    seen: list[Path] = []
    real_os_open, real_io_open = os.open, io.open

    def os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        seen.append(Path(os.fsdecode(path)).resolve())
        return real_os_open(path, *args, **kwargs)

    def io_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, bytes, os.PathLike)):
            seen.append(Path(os.fsdecode(file)).resolve())
        return real_io_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr(builtins, "open", io_open)
    yield seen


def write_ruleset(folder: Path, file: str = "stranger.yaml", **changes: Any) -> Path:
    data = {**BASE, **changes}
    path = folder / file
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def outside(layout: dict[str, Path], opened: list[Path]) -> list[Path]:
    private = layout["private"].resolve()
    return [p for p in opened if p.is_relative_to(private)]


@pytest.mark.parametrize("how", ["traversal", "absolute", "symlink"])
def test_source_file_cannot_leave_the_sources_folder(how: str, layout: dict[str, Path], opened: list[Path]) -> None:
    name = {"traversal": "../private/creds.txt", "absolute": str(layout["private"] / "creds.txt"),
            "symlink": "link.txt"}[how]
    ruleset = write_ruleset(layout["rules"], source={"file": name, "title": "An article", "publisher": "Someone"},
                            tests=[])
    result = CliRunner().invoke(cli, ["rulesets", "validate", str(ruleset), "--sources", str(layout["sources"]),
                                      "--format", "json"])
    assert result.exit_code == 2
    assert "FR008" in result.output and "hunter2 is the password of" not in result.output
    assert outside(layout, opened) == [], "nothing outside the sources folder is opened"


@pytest.mark.parametrize("how", ["traversal", "absolute", "symlink", "device"])
@pytest.mark.parametrize("command", ["test", "diff"])
def test_a_test_case_cannot_leave_the_rulesets_folder(how: str, command: str, layout: dict[str, Path],
                                                      opened: list[Path]) -> None:
    name = {"traversal": "../private/case.yaml", "absolute": str(layout["private"] / "case.yaml"),
            "symlink": "cases/link.yaml", "device": "/dev/zero"}[how]
    tests = [{**BASE["tests"][0], "case": name}]
    ruleset = write_ruleset(layout["rules"], tests=tests)
    older = write_ruleset(layout["rules"], "older.yaml", version="0.9.0", tests=tests)
    args = ["rulesets", "test", str(ruleset)] if command == "test" else ["rulesets", "diff", str(older), str(ruleset)]
    result = CliRunner().invoke(cli, args)
    assert "FR008" in result.output, result.output
    assert "Sam Doe" not in result.output
    assert outside(layout, opened) == [] and Path("/dev/zero") not in opened


def test_a_case_inside_the_folder_is_read(layout: dict[str, Path]) -> None:
    ruleset = write_ruleset(layout["rules"])
    result = CliRunner().invoke(cli, ["rulesets", "test", str(ruleset)])
    assert result.exit_code == 0, result.output
