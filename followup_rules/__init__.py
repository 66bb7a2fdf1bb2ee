"""Advice on following up after a job interview, as versioned rules that cite their sources."""

from followup_rules.core.advice import Action, Advice, Citation, Warning
from followup_rules.api import advise, explain
from followup_rules.core.case import Case, load_case
from followup_rules.resolve.explain import Explanation, Verdict
from followup_rules.core.problems import Problem, UserError
from followup_rules.core.ruleset import Ruleset
from followup_rules.rules.load import load_ruleset

__all__ = ["Action", "Advice", "Case", "Citation", "Explanation", "Problem", "Ruleset", "UserError",
           "Verdict", "Warning", "advise", "explain", "load_case", "load_ruleset"]
