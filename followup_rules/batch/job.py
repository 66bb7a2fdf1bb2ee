"""A batch job: what every worker needs to advise a case exactly as `followup advise` would.

A job is small, plain and picklable: it travels to Dask workers and child processes as is, and
each process turns it into selections once (`selection`), never per case.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from followup_rules.pipeline import Choices
from followup_rules.resolve.encoder import Citations

if TYPE_CHECKING:
    from followup_rules.core.case import Case
    from followup_rules.pipeline import Selection

#: Seconds one case may take before its worker is taken to hang (and killed).
CASE_TIMEOUT = 60.0


@dataclass(frozen=True)
class Job:
    """The options of one run: the moment, the ruleset choices as the command line gives them, the
    folder the profile and lock are found from, and the citation form."""

    at: str
    citations: Citations = "full"
    choices: Choices = Choices()
    cwd: str = field(default_factory=os.getcwd)
    case_timeout: float = CASE_TIMEOUT

    def to_dict(self) -> dict[str, Any]:
        """Flat and JSON-ready, the choices' fields among the others (as `run.json` records it)."""
        data = {"at": self.at, "citations": self.citations, **asdict(self.choices), "cwd": self.cwd,
                "case_timeout": self.case_timeout}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        chosen = {f.name: values.pop(f.name) for f in fields(Choices) if f.name in values}
        return cls(**values, choices=Choices(**chosen))

    def selection(self, case: Case | None) -> Selection:
        """The selection `followup advise` makes for `case` in `cwd` (cached per industry)."""
        # Of a case, only its industry decides the selection: one entry per industry.
        key = (self, case.industry if case is not None else None)
        chosen = _SELECTIONS.get(key)
        if chosen is None:
            chosen = _SELECTIONS[key] = self.choices.select(case, search_from=Path(self.cwd))
        return chosen


_SELECTIONS: dict[tuple[Job, str | None], Selection] = {}
