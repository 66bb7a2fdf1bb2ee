"""The fuzz suite's oracle: run `followup` in this process on a generated file, twice, and judge it.

A run is good when it exits 0, 1 or 2; prints no traceback; ends within 5 s; when it exits 2,
every error line names a place (`file:line:column: FRnnn`, or an option: `FR000 --at ...`), and
there is one (on stderr, or in a lint report on stdout); and a
second run, after the in-process caches are dropped so the disk cache is read warm, prints the
same bytes with the same exit code.
"""

from __future__ import annotations

import io
import re
import signal
import sys
import traceback
from collections import Counter
from dataclasses import dataclass, field
from types import FrameType
from typing import Sequence

from followup_rules.cli.main import main

SECONDS = 5
LOCATED = re.compile(r"^error: (.+):(\d+):(\d+): FR\d{3} |^error: FR000 --[a-z-]+")


class Hang(BaseException):
    """The run took longer than SECONDS (a BaseException, so nothing in the program swallows it)."""


@dataclass(frozen=True)
class Run:
    code: int | str  # an exit code, or "traceback" / "hang"
    out: bytes
    err: bytes
    detail: str = ""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang()


def run(args: Sequence[str], stdin: bytes = b"") -> Run:
    """`followup ARGS` in this process, with its output captured and a 5 s alarm."""
    saved = sys.stdin, sys.stdout, sys.stderr
    out, err = io.BytesIO(), io.BytesIO()
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS)
    code: int | str
    detail = ""
    try:
        main(list(args))
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except Hang:
        code, detail = "hang", " ".join(args)
    except BaseException:  # what a user would see as a traceback
        code, detail = "traceback", traceback.format_exc()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        sys.stdout.flush()
        sys.stderr.flush()
        printed, complained = out.getvalue(), err.getvalue()  # before the wrappers go and close them
        sys.stdin, sys.stdout, sys.stderr = saved
    return Run(code, printed, complained, detail)


def drop_memory_caches() -> None:
    """Forget what this process remembers, so the next run reads the disk cache (warm) instead."""
    from followup_rules import pipeline
    from followup_rules.engine import compiler
    from followup_rules.rules import library

    library._load.cache_clear()
    pipeline.default_library.cache_clear()
    pipeline.engine_for.cache_clear()
    compiler._compile.cache_clear()


@dataclass
class Tally:
    """Outcomes by kind, and the first few failures of each kind for the report."""

    counts: Counter[str] = field(default_factory=Counter)
    failures: dict[str, list[str]] = field(default_factory=dict)

    def judge(self, args: Sequence[str], stdin: bytes = b"", forget: bool = True) -> list[str]:
        """Run twice, count the outcome, and return the oracle's complaints (empty when good).

        With `forget`, what the process remembers of rulesets is dropped between the runs, so the
        second reads them from the disk cache the first filled (cases are never remembered).
        """
        first = run(args, stdin)
        if forget:
            drop_memory_caches()
        second = run(args, stdin)
        self.counts["tries"] += 1
        self.counts[f"exit {first.code}"] += 1
        complaints = []
        if first.code in ("traceback", "hang"):
            complaints.append(f"{first.code}: {first.detail}")
        elif first.code not in (0, 1, 2):
            complaints.append(f"exit code {first.code}")
        if first.code == 2:
            # Every error line is located, and there is one (a lint report prints its findings on stdout).
            errors = first.err.decode("utf-8", "replace").splitlines()
            report = first.out.decode("utf-8", "replace").splitlines()
            if not all(LOCATED.match(line) for line in errors) or not any(
                    LOCATED.match(line) for line in errors + report):
                complaints.append("unlocated: " + first.err.decode("utf-8", "replace")[:300])
        if (first.code, first.out, first.err) != (second.code, second.out, second.err):
            complaints.append("differs on a second run: " + repr((first.code, first.err[:200], second.code,
                                                                  second.err[:200])))
        for complaint in complaints:
            kind = complaint.split(":")[0]
            self.counts[kind] += 1
            self.failures.setdefault(kind, [])
            if len(self.failures[kind]) < 5:
                self.failures[kind].append(f"{' '.join(args)}\n{complaint}")
        return complaints
