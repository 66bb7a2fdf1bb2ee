"""Advice on following up after a job interview, as versioned rules that cite their sources.

The names below load on first use (PEP 562), so `followup --help` does not pay for the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from followup_rules.api import advise, explain
    from followup_rules.core.case import Case, load_case
    from followup_rules.core.problems import Problem, UserError
    from followup_rules.core.ruleset import Ruleset
    from followup_rules.resolve.advice import Action, Advice, Caution, Citation
    from followup_rules.resolve.encoder import advice_json
    from followup_rules.resolve.explanation import Explanation, Verdict
    from followup_rules.rules.load import load_ruleset

__all__ = ["Action", "Advice", "Case", "Caution", "Citation", "Explanation", "Problem", "Ruleset", "UserError",
           "Verdict", "advice_json", "advise", "explain", "load_case", "load_ruleset"]

_HOMES = {
    "advise": "followup_rules.api", "explain": "followup_rules.api",
    "Action": "followup_rules.resolve.advice", "Advice": "followup_rules.resolve.advice",
    "Caution": "followup_rules.resolve.advice", "Citation": "followup_rules.resolve.advice",
    "Case": "followup_rules.core.case", "load_case": "followup_rules.core.case",
    "Problem": "followup_rules.core.problems", "UserError": "followup_rules.core.problems",
    "Ruleset": "followup_rules.core.ruleset", "load_ruleset": "followup_rules.rules.load",
    "advice_json": "followup_rules.resolve.encoder",
    "Explanation": "followup_rules.resolve.explanation", "Verdict": "followup_rules.resolve.explanation",
}


def __getattr__(name: str) -> Any:
    if name == "Warning":
        import warnings

        warnings.warn("followup_rules.Warning is deprecated: use followup_rules.Caution (the old name goes in 0.3.0)",
                      DeprecationWarning, stacklevel=2)
        name = "Caution"
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'followup_rules' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted(__all__)
