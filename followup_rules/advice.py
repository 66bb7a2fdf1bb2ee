"""Moved to `followup_rules.resolve.advice`; this path keeps working until 0.3.0."""

from followup_rules._moved import forward

__getattr__ = forward(__name__, "followup_rules.resolve.advice")
