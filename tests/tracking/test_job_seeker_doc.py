"""docs/job-seeker.md, run as written: each ```sh line in order, in an empty folder.

A ```text block whose first line is `# file: NAME` writes that file (without that line); any other
```text block after a ```sh block is an excerpt of the last command's output: each non-empty line
occurs in it (runs of spaces count as one; `…` stands for any text). `# exits N` ends a command
whose exit code is N (0 when absent)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup_rules.cli.main import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "job-seeker.md"


def blocks() -> list[tuple[str, list[str]]]:
    found = re.findall(r"^```(\w+)\n(.*?)^```$", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    return [(lang, body.splitlines()) for lang, body in found]


def test_every_command_of_the_page_runs_and_prints_what_it_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("FOLLOWUP_SMTP_HOST", "FOLLOWUP_JOURNAL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FOLLOWUP_FROM", "Alex Rivera <alex@example.com>")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    output, ran = "", 0
    for lang, lines in blocks():
        if lang == "sh":
            for line in lines:
                command, _, exits = line.partition("# exits ")
                args = shlex.split(command)
                assert args[0] == "followup", line
                result = CliRunner().invoke(cli, args[1:], catch_exceptions=False)
                assert result.exit_code == int(exits or 0), (line, result.output)
                output, ran = result.output, ran + 1
        elif lang == "text" and lines and lines[0].startswith("# file: "):
            Path(lines[0][len("# file: "):]).write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")
        elif lang == "text":
            seen = " ".join(output.split())
            for want in filter(str.strip, lines):
                pattern = ".*?".join(re.escape(" ".join(part.split())) for part in want.split("…"))
                assert re.search(pattern, seen), (want, output)
    assert ran == 9
    assert "kind: timeline_update" in (tmp_path / "northwind.yaml").read_text(encoding="utf-8")
