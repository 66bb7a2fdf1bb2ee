"""The README shows what the commands do: the first example's first line, and every command of the
tour runs as written (from a folder holding the examples, so `export` writes nowhere else)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block_after(heading: str, lang: str) -> str:
    rest = README.split(heading, 1)[1]
    return rest.split(f"```{lang}\n", 1)[1].split("```", 1)[0]


def _tour() -> list[str]:
    text = _block_after("## A five-minute tour", "sh").replace("\\\n", " ")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    words = shlex.split(command)
    env = dict(os.environ)
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    assert words[0] == "followup", command
    return subprocess.run([sys.executable, "-m", "followup_rules", *words[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_first_example_leads_with_the_line_the_readme_shows() -> None:
    command = README.split("```sh\n", 1)[1].split("\n", 1)[0].split("&& .venv/bin/", 2)[2]
    shown = _block_after("it leads with what to do now:", "text").strip("\n")
    done = _run(command, ROOT)
    assert done.returncode == 0, done.stderr
    first = next(line for line in done.stdout.splitlines() if line.startswith(" 1. "))
    assert re.sub(r"\s+", " ", shown.strip()) == re.sub(r"\s+", " ", first.strip())


@pytest.mark.parametrize("command", _tour())
def test_every_tour_command_runs_as_written(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    if "../shared/" in command:  # written for the project folder, with ../shared beside it
        shared = request.getfixturevalue("sources_dir").parent
        command = command.replace("../shared/", f"{shared}/")
    done = _run(command, tmp_path)
    expected = 1 if command.startswith("followup check") else 0  # a draft with problems exits 1
    assert done.returncode == expected, f"{command}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
