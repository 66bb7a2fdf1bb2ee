"""The cases of a batch, in input order: lines of JSON Lines files and files of case folders.

Each case stays text until a worker parses it (text ships between processes far cheaper than
parsed mappings), with the file and line it came from, so an error can point at it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Iterator, Sequence

import orjson

from followup_rules.core.problems import Problem, UserError

#: Case files a folder may hold.
CASE_SUFFIXES = (".yaml", ".yml", ".json")
#: JSON Lines files.
LINES_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class Item:
    """One case: from a line of a JSON Lines file (`kind` "line") or a whole case file ("file")."""

    file: str
    line: int
    text: str
    kind: str

    def case_id(self) -> str | None:
        """The case's id: a line's ``id`` (None when it has none), a case file's path."""
        if self.kind == "file":
            return self.file
        try:
            data = orjson.loads(self.text)
        except orjson.JSONDecodeError:
            return None
        found = data.get("id") if isinstance(data, dict) else None
        return found if isinstance(found, str) else None

    def to_list(self) -> list[Any]:
        return [self.file, self.line, self.text, self.kind]


def pack(items: Sequence[Item]) -> bytes:
    """Items as one blob: what travels to a worker."""
    return orjson.dumps([item.to_list() for item in items])


def unpack(blob: bytes) -> list[Item]:
    return [Item(*fields) for fields in orjson.loads(blob)]


def sources(inputs: Sequence[str]) -> list[Path]:
    """The files the inputs name, in order: JSON Lines files as given, case folders' files sorted."""
    found: list[Path] = []
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in CASE_SUFFIXES and p.is_file())
        elif path.is_file():
            if path.suffix not in LINES_SUFFIXES:
                raise UserError([Problem(given, 1, 1, "FR110", "not a JSON Lines file",
                                         "give .jsonl files (one case per line) or folders of case files")])
            found.append(path)
        else:
            raise UserError([Problem(given, 1, 1, "FR001", "no such file or folder")])
    return found


def count(files: Sequence[Path]) -> int:
    """How many cases the files hold (non-blank lines; one per case file)."""
    total = 0
    for path in files:
        if path.suffix in LINES_SUFFIXES:
            with open(path, "rb") as handle:
                total += sum(1 for line in handle if line.strip())
        else:
            total += 1
    return total


def read(files: Sequence[Path]) -> Iterator[Item]:
    """Every case of the files, in order; blank lines are skipped."""
    for path in files:
        name = os.fspath(path)
        try:
            if path.suffix in LINES_SUFFIXES:
                with open(path, encoding="utf-8") as handle:
                    for number, line in enumerate(handle, 1):
                        if line.strip():
                            yield Item(name, number, line.rstrip("\r\n"), "line")
            else:
                yield Item(name, 1, path.read_text(encoding="utf-8"), "file")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 text: {exc.reason}"
            raise UserError([Problem(name, 1, 1, "FR001", f"cannot read file: {reason}")]) from None


def partitions(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    """Consecutive groups of `size` items (the last may be shorter)."""
    while chunk := list(islice(items, size)):
        yield chunk
