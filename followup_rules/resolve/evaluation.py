"""An evaluation: a case at a moment, its facts, and which compiled rules fired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import Case
from followup_rules.engine.compiler import Compiled
from followup_rules.facts.derive import Facts


@dataclass(frozen=True, eq=False)
class Evaluation:
    """What the resolve stage starts from; `fired` holds rule keys (``ruleset/rule``)."""

    case: Case
    at: datetime
    compiled: tuple[Compiled, ...]
    facts: Facts
    fired: frozenset[str]
    calendar: BusinessCalendar
