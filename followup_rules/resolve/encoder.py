"""Advice as JSON bytes: the one encoding `followup advise --format json`, `followup batch` and the
Python API share, so the same advice is the same bytes wherever it is written.

The JSON is compact (one line, UTF-8, keys in `Advice.to_dict` order) and made by orjson, which
is ten to twenty times faster than the standard library's encoder on advice; one line per case is
also what JSON Lines needs. With ``citations="ref"`` each citation names its rule but leaves out
the rule's quote and sentence, which `rules_table` gives once (advice repeats them for every
action, warning and source that cites the rule: most of its size).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Literal

import orjson

if TYPE_CHECKING:
    from followup_rules.core.ruleset import Ruleset
    from followup_rules.resolve.advice import Advice

Citations = Literal["full", "ref"]
CITATIONS: tuple[Citations, ...] = ("full", "ref")
#: What a citation loses with ``citations="ref"``: the rule's own text, the same in every citation.
_RULE_TEXT = ("quote", "says")


def advice_json(advice: Advice, citations: Citations = "full") -> bytes:
    """The advice as compact JSON bytes (no trailing newline); `citations` as the module says."""
    data = advice.to_dict()
    if citations == "ref":
        _strip_rule_text(data)
    elif citations != "full":
        raise ValueError(f"citations must be one of {', '.join(CITATIONS)}, not {citations!r}")
    return orjson.dumps(data)


def rules_table(rulesets: Iterable[Ruleset]) -> dict[str, dict[str, Any]]:
    """Every rule of `rulesets` by the id citations use: its source, quote and sentence."""
    from followup_rules.resolve.position import citation

    table: dict[str, dict[str, Any]] = {}
    for ruleset in rulesets:
        for rule in ruleset.rules:
            cited = citation(ruleset, rule)
            table[cited.rule] = {"source": cited.source, "quote": cited.quote, "says": cited.says}
    return dict(sorted(table.items()))


def _strip_rule_text(data: dict[str, Any]) -> None:
    for item in _cited(data):
        for cited in item["by"]:
            for key in _RULE_TEXT:
                del cited[key]


def _cited(data: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Every item of the advice that has citations (`by`): merged and per source, both sides of
    each conflict, and what was set aside with the rules that set it aside."""
    for part in (data, *data["per_source"]):
        for kind in ("actions", "warnings", "expectations"):
            yield from part[kind]
    for conflict in data["conflicts"]:
        yield from conflict["sides"]
    for entry in data["set_aside"]:
        yield entry["action"]
        yield entry
