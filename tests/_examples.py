"""The shipped example cases, each advised at the moment its file names (`# at:`), for the tests
that draft, check and deliver their actions."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from followup_rules import api
from followup_rules.core.case import Case, load_case
from followup_rules.resolve.advice import Action, Advice

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {p.stem: p for p in sorted((ROOT / "examples").glob("*.yaml"))}


def moment_of(path: Path) -> str:
    """The moment an example case is meant to be advised at: its `# at:` header line."""
    match = re.search(r"^# at: (\S+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{path.name} has no '# at:' line"
    return match.group(1)


def example_at(stem: str) -> str:
    """The moment the example `stem` is meant to be advised at."""
    return moment_of(EXAMPLES[stem])


@cache
def situation(stem: str) -> tuple[Case, Advice]:
    """The example's case and its advice at its moment (computed once per test session)."""
    case = load_case(EXAMPLES[stem])
    return case, api.advise(case, example_at(stem))


def action_of(advice: Advice, name: str) -> tuple[int, Action]:
    """The first action called `name`, with its 1-based number."""
    return next((i, a) for i, a in enumerate(advice.actions, 1) if a.action == name)
