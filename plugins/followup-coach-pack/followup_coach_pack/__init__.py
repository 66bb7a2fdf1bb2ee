"""A followup-rules rule pack: the `coach-pack` ruleset, found through the `followup_rulesets` hook."""

from .plugin import RULESET

__all__ = ["RULESET"]
