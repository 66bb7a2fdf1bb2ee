"""Advice on following up after a job interview, as versioned rules that cite their sources."""

from .advice import Action, Advice, Citation, Warning
from .api import advise, explain
from .case import Case, load_case
from .explain import Explanation, Verdict
from .problems import Problem, UserError
from .ruleset import Ruleset, load_ruleset

__all__ = ["Action", "Advice", "Case", "Citation", "Explanation", "Problem", "Ruleset", "UserError",
           "Verdict", "Warning", "advise", "explain", "load_case", "load_ruleset"]
