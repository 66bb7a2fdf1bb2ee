"""docs/authoring.md, run as written: every command of the tutorial, in order, in an empty folder.

The tutorial is written so that it can be run (see its last section):
- a ```sh block holds commands, one a line: `followup …` (or `$ followup …`), `mkdir DIR`, `cp FROM TO`
  and `pip install PATH`; a trailing `# exits N` states the exit code (0 when absent);
- a ```text block right after a ```sh block is an excerpt of the output of that block's last command:
  its non-empty lines occur in the output in that order, once the folder's own path is taken out
  (runs of spaces count as one, so table columns may widen; `…` in a line stands for any text);
- a block whose first line is `# file: PATH` writes that file, that line included (so the line numbers
  in messages are those the reader counts); a ```diff block with that first line edits the file:
  each hunk (hunks are separated by `@@` lines) replaces its ` ` and `-` lines by its ` ` and `+` lines,
  and those must occur exactly once;
- a ```yaml block whose first line is `# excerpt of PATH` shows lines that file holds, in order.

`pip install PATH` is run for real, as `pip install --no-deps --target SITE PATH` (a build that takes a
few seconds), and the commands after it see SITE; the packaged hook is then also called directly.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from followup_rules.rules.load import load_ruleset

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "authoring.md"
PIP_SECONDS = 120  # the build fetches its backend from the package index: a few seconds, minutes at worst

_FENCE = re.compile(r"^```(\S*)\s*$")
_EXITS = re.compile(r"\s+#\s*exits\s+(\d+)\s*$")
_FILE = re.compile(r"^# file: (\S+)\s*$")
_EXCERPT_OF = re.compile(r"^# excerpt of (\S+)\s*$")
_ELISION = {"...", "…"}
_SPACES = re.compile(r"[ \t]+")


class DocError(ValueError):
    """The tutorial breaks one of the conventions that let it be run."""


@dataclass(frozen=True)
class Block:
    """One fenced block: its language, the doc line of its first content line, and its lines."""

    lang: str
    line: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Command:
    """A shell line of the tutorial, the exit code it states, and the output excerpt shown after it."""

    line: int
    argv: tuple[str, ...]
    exits: int = 0
    excerpt: tuple[str, ...] = ()


@dataclass(frozen=True)
class WriteFile:
    """A file the reader creates with the content shown."""

    line: int
    path: str
    text: str


@dataclass(frozen=True)
class EditFile:
    """An edit shown as a diff: each hunk's old text (exactly once in the file) and its new text."""

    line: int
    path: str
    hunks: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FileExcerpt:
    """Lines the tutorial quotes from a file the reader has at that point."""

    line: int
    path: str
    lines: tuple[str, ...]


Step = Command | WriteFile | EditFile | FileExcerpt


def blocks(markdown: str) -> list[Block]:
    """The fenced blocks of `markdown`, in order."""
    found: list[Block] = []
    lang: str | None = None
    start, body = 0, []
    for number, text in enumerate(markdown.splitlines(), 1):
        fence = _FENCE.match(text)
        if lang is None and fence:
            lang, start, body = fence.group(1), number + 1, []
        elif lang is not None and text.rstrip() == "```":
            found.append(Block(lang, start, tuple(body)))
            lang = None
        elif lang is not None:
            body.append(text)
    if lang is not None:
        raise DocError(f"line {start - 1}: a ``` block is never closed")
    return found


def command(text: str, line: int) -> Command:
    """One shell line: `followup …`, `mkdir`, `cp` or `pip install`, with its `# exits N`."""
    text = text.strip().removeprefix("$ ")
    exits = 0
    stated = _EXITS.search(text)
    if stated:
        exits, text = int(stated.group(1)), text[:stated.start()]
    argv = tuple(shlex.split(text, comments=True))
    known = (argv[:1] == ("followup",) or (argv[:1] == ("mkdir",) and len(argv) > 1)
             or (argv[:1] == ("cp",) and len(argv) == 3) or (argv[:2] == ("pip", "install") and len(argv) == 3))
    if not known:
        raise DocError(f"line {line}: not a command the tutorial test can run: {text!r}")
    return Command(line, argv, exits)


def _hunks(block: Block) -> tuple[tuple[str, str], ...]:
    hunks, old, new = [], [], []
    for number, text in enumerate(block.lines[1:], block.line + 1):
        if text.startswith("@@"):
            hunks.append((old, new))
            old, new = [], []
            continue
        mark, rest = text[:1], text[1:]
        if mark not in (" ", "-", "+") and text:
            raise DocError(f"line {number}: a diff line starts with ' ', '-' or '+'")
        if mark in (" ", "-", ""):
            old.append(rest)
        if mark in (" ", "+", ""):
            new.append(rest)
    hunks.append((old, new))
    if any(not o for o, _ in hunks):
        raise DocError(f"line {block.line}: each diff hunk needs a ' ' or '-' line to find its place")
    return tuple(("\n".join(o) + "\n", "\n".join(n) + "\n") for o, n in hunks)


def steps(markdown: str) -> list[Step]:
    """What a reader does, in order: commands (with their excerpts), files written, edited and quoted."""
    found: list[Step] = []
    commands_before = 0  # commands found before the last ```sh block: an excerpt needs one from that block
    previous: Block | None = None
    for block in blocks(markdown):
        first = block.lines[0] if block.lines else ""
        if block.lang == "sh":
            commands_before = len(found)
            for number, text in enumerate(block.lines, block.line):
                if text.strip() and not text.lstrip().startswith("#"):
                    found.append(command(text, number))
        elif block.lang == "text":
            if previous is None or previous.lang != "sh" or len(found) == commands_before:
                raise DocError(f"line {block.line}: an output excerpt must follow a ```sh block")
            last = found[-1]
            assert isinstance(last, Command)
            found[-1] = replace(last, excerpt=tuple(t.rstrip() for t in block.lines
                                                         if t.strip() and t.strip() not in _ELISION))
        elif _FILE.match(first) and block.lang == "diff":
            found.append(EditFile(block.line, _FILE.match(first).group(1), _hunks(block)))
        elif _FILE.match(first):
            found.append(WriteFile(block.line, _FILE.match(first).group(1), "\n".join(block.lines) + "\n"))
        elif _EXCERPT_OF.match(first):
            found.append(FileExcerpt(block.line, _EXCERPT_OF.match(first).group(1),
                                     tuple(t.rstrip() for t in block.lines[1:] if t.strip() not in _ELISION)))
        elif block.lang in ("yaml", "diff", "toml", "python", "json"):
            raise DocError(f"line {block.line}: a ```{block.lang} block starts with '# file: PATH' or "
                           "'# excerpt of PATH', so the test can use it")
        previous = block
    return found


def in_order(wanted: tuple[str, ...], text: str) -> str | None:
    """The first of `wanted` not found in `text` after the one before it, or None when all are.

    Runs of spaces count as one, so that a wider column elsewhere in a table does not break an excerpt,
    and `…` inside a line stands for any text on that line (a digest, the rest of a long list).
    """
    at, text = 0, _SPACES.sub(" ", text)
    for line in wanted:
        pattern = "[^\n]*?".join(re.escape(part) for part in _SPACES.sub(" ", line).split("…"))
        found = re.compile(pattern).search(text, at)
        if found is None:
            return line
        at = found.end()
    return None


class Tutorial:
    """A reader's folder, and the commands of the tutorial run in it."""

    def __init__(self, base: Path) -> None:
        self.folder = base / "tutorial"
        self.site = base / "site"
        self.folder.mkdir()
        self.env = {k: v for k, v in os.environ.items() if k != "FOLLOWUP_RULES_PATH"}
        self.env["FOLLOWUP_RULES_CACHE"] = str(base / "cache")
        self.env["PYTHONPATH"] = str(ROOT)  # this checkout, whatever is installed
        self.installed = False

    def where(self, line: int) -> str:
        return f"{DOC.relative_to(ROOT)}:{line}"

    def path(self, name: str) -> Path:
        path = (self.folder / name).resolve()
        assert path.is_relative_to(self.folder.resolve()), f"{name} leaves the tutorial's folder"
        return path

    def normalise(self, output: str) -> str:
        for prefix in {str(self.folder.resolve()), str(self.folder)}:
            output = output.replace(prefix + os.sep, "").replace(prefix, ".")
        return output

    def do(self, step: Step) -> None:
        if isinstance(step, Command):
            self.run(step)
        elif isinstance(step, WriteFile):
            target = self.path(step.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.text, encoding="utf-8")
        elif isinstance(step, EditFile):
            target = self.path(step.path)
            text = target.read_text(encoding="utf-8")
            for old, new in step.hunks:
                count = text.count(old)
                assert count == 1, f"{self.where(step.line)}: the diff's old lines occur {count} times in " \
                                   f"{step.path}:\n{old}"
                text = text.replace(old, new)
            target.write_text(text, encoding="utf-8")
        else:
            text = self.path(step.path).read_text(encoding="utf-8")
            missing = in_order(step.lines, text)
            assert missing is None, f"{self.where(step.line)}: {step.path} has no line {missing!r} here"

    def run(self, step: Command) -> None:
        name, *args = step.argv
        if name == "mkdir":
            for folder in args:
                if folder != "-p":
                    self.path(folder).mkdir(parents=True, exist_ok=True)
            return
        if name == "cp":
            source, target = self.path(args[0]), self.path(args[1])
            shutil.copy(source, target / source.name if target.is_dir() else target)
            return
        if name == "pip":
            self.pip_install(step)
            return
        done = subprocess.run([sys.executable, "-m", "followup_rules", *args], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=120, check=False)
        output = self.normalise(done.stdout + done.stderr)
        shown = f"{self.where(step.line)}: {shlex.join(step.argv)}"
        assert done.returncode == step.exits, f"{shown} exited {done.returncode}, the doc says {step.exits}:\n{output}"
        missing = in_order(step.excerpt, output)
        assert missing is None, f"{shown}: the excerpt line {missing!r} is not in the output (in order):\n{output}"

    def pip_install(self, step: Command) -> None:
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check",
                               "--target", str(self.site), step.argv[2]], cwd=self.folder, capture_output=True,
                              text=True, timeout=PIP_SECONDS, check=False)
        assert done.returncode == 0, f"{self.where(step.line)}: pip install failed:\n{done.stdout}{done.stderr}"
        self.env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(self.site)])
        self.installed = True

    def hooks(self) -> dict[str, list[str]]:
        """Each installed `followup_rules` entry point's `followup_rulesets()`, called directly."""
        from importlib.metadata import distributions

        found = {}
        for dist in distributions(path=[str(self.site)]):
            for point in dist.entry_points.select(group="followup_rules"):
                base = self.site.joinpath(*point.module.split("."))
                file = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
                spec = importlib.util.spec_from_file_location(f"tutorial_{point.module}", file)
                assert spec is not None and spec.loader is not None, f"{point.value} is not in {self.site}"
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                found[point.name] = list(module.followup_rulesets())
        return found


def test_every_command_of_the_tutorial_runs_as_shown(tmp_path: Path) -> None:
    tutorial = Tutorial(tmp_path)
    for step in steps(DOC.read_text(encoding="utf-8")):
        tutorial.do(step)
    assert tutorial.installed, "the tutorial publishes with `pip install`"
    published = tutorial.hooks()
    assert list(published) == ["my-coaching"]
    [packaged] = published["my-coaching"]
    assert Path(packaged).is_relative_to(tutorial.site)  # package data, not the reader's folder
    assert Path(packaged).read_bytes() == (tutorial.folder / "rules" / "my-coaching.yaml").read_bytes()
    assert load_ruleset(packaged).version == "2.0.0"


def test_the_tutorial_walks_through_every_authoring_tool() -> None:
    commands = [shlex.join(s.argv) for s in steps(DOC.read_text(encoding="utf-8")) if isinstance(s, Command)]
    wanted = [r"^followup rulesets new ", r"^followup rulesets test .*--min-coverage 100",
              r"^followup rulesets validate ", r"^followup rulesets lint ", r"^followup advise .*--rules-path",
              r"^followup explain .*--rules-path", r"--ruleset 'my-coaching@\^1'", r"--ruleset 'my-coaching@\^2'",
              r"^followup rulesets diff .*--format markdown", r"^followup rulesets lock ", r"^pip install "]
    assert [w for w in wanted if not any(re.search(w, c) for c in commands)] == []
    failing = [s for s in steps(DOC.read_text(encoding="utf-8")) if isinstance(s, Command) and s.exits]
    assert {s.argv[2] for s in failing} >= {"test", "validate"}  # the reader sees both fail, then fixes them
    assert all(s.excerpt for s in failing), "a failing command shows what it printed"


DEMO = """\
```sh
$ followup rulesets new demo   # writes demo.yaml
followup rulesets validate demo.yaml  # exits 2
```

```text
demo.yaml:3:1: FR012
```

```yaml
# file: rules/a.yaml
id: a
```

```diff
# file: rules/a.yaml
-id: a
+id: b
@@
 id: b
+version: 1.0.0
```
"""


def test_commands_excerpts_files_and_edits_are_read_in_order() -> None:
    assert steps(DEMO) == [
        Command(2, ("followup", "rulesets", "new", "demo")),
        Command(3, ("followup", "rulesets", "validate", "demo.yaml"), 2, ("demo.yaml:3:1: FR012",)),
        WriteFile(11, "rules/a.yaml", "# file: rules/a.yaml\nid: a\n"),
        EditFile(16, "rules/a.yaml", (("id: a\n", "id: b\n"), ("id: b\n", "id: b\nversion: 1.0.0\n"))),
    ]


@pytest.mark.parametrize("doc, problem", [
    ("```sh\nrm -rf rules\n```\n", "not a command the tutorial test can run"),
    ("```text\nok\n```\n", "must follow a ```sh block"),
    ("```sh\n# nothing to run\n```\n```text\nok\n```\n", "must follow a ```sh block"),
    ("```yaml\nid: x\n```\n", "starts with '# file: PATH'"),
    ("```sh\nfollowup --version\n", "never closed"),
    ("```diff\n# file: a.yaml\n+id: a\n```\n", "needs a ' ' or '-' line"),
])
def test_what_the_test_cannot_run_is_refused(doc: str, problem: str) -> None:
    with pytest.raises(DocError, match=re.escape(problem)):
        steps(doc)


def test_an_excerpt_must_match_line_by_line_in_order() -> None:
    output = "ok   a\nFAIL b\n       closes expected X, got Y\n"
    assert in_order(("FAIL b", "closes expected X"), output) is None
    assert in_order(("closes expected X", "FAIL b"), output) == "FAIL b"
    assert in_order(("closes expected Z",), output) == "closes expected Z"
    assert in_order(("FAIL   b",), output) is None  # a column's width is not part of the excerpt
    assert in_order(("closes … got Y",), output) is None
    assert in_order(("FAIL … expected",), output) == "FAIL … expected"  # `…` stays within one line


def test_a_wrong_exit_code_or_output_fails_the_step(tmp_path: Path) -> None:
    tutorial = Tutorial(tmp_path)
    with pytest.raises(AssertionError, match="exited 2, the doc says 0"):
        tutorial.do(Command(1, ("followup", "rulesets", "validate", "missing.yaml")))
    with pytest.raises(AssertionError, match="is not in the output"):
        tutorial.do(Command(1, ("followup", "rulesets", "new", "demo"), 0, ("wrote other.yaml",)))
    tutorial.do(Command(1, ("followup", "rulesets", "validate", "demo.yaml"), 0, ("all rulesets valid",)))
