"""Problems found in user input, as sortable values, and the error that carries them."""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from typing import Iterable


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a file: where, a stable code, a message and a hint."""

    file: str
    line: int
    column: int
    code: str
    message: str
    hint: str = ""
    severity: str = field(default="error", compare=False)

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}:{self.column}: " if self.file else ""
        text = f"{place}{self.code} {self.message}"
        return printable(f"{text} ({self.hint})" if self.hint else text)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def github(self) -> str:
        """The problem as a GitHub Actions annotation."""
        level = "error" if self.severity == "error" else "warning"
        return printable(f"::{level} file={self.file},line={self.line},col={self.column},"
                         f"title={self.code}::{self.message}{' (' + self.hint + ')' if self.hint else ''}")


def printable(text: str) -> str:
    """`text` on one line, with line breaks, escapes and other invisible characters (which may come from
    a stranger's file, as a key or a value quoted in a message) written out as `\\n`, `\\x1b`, `\\u202e`."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class UserError(Exception):
    """Bad input from the user: shown as one clear line per problem, exit code 2."""

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", 0, 0, "FR000", problems)]
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A hint naming the closest known identifiers, or an empty string."""
    close = difflib.get_close_matches(str(name), list(known), n=3, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"
