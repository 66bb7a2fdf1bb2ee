"""The pack's one hook: the path of its ruleset file, shipped inside the package."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from followup_rules.plugin.hookspecs import hookimpl

#: The packaged ruleset (its test cases are in ``cases/`` beside it, which the search path skips).
RULESET = Path(__file__).resolve().parent / "rulesets" / "coach-pack.yaml"


@hookimpl
def followup_rulesets() -> Sequence[str]:
    return [str(RULESET)]
