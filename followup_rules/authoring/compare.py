"""Each source ruleset's position on each topic, side by side, computed from the rules' data.

Rules are grouped by their ``topic:``. A ruleset's position on a topic is its rules on it (kind,
what it says, its window with parameters read at their defaults, its quotes); a ruleset with no
rule on the topic is silent there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from followup_rules.core.problems import UserError, did_you_mean
from followup_rules.core.ruleset import ParamRef, Rule, Ruleset, WindowDef
from followup_rules.engine.compiler import compile_ruleset


@dataclass(frozen=True)
class WindowView:
    """A rule's window with parameters replaced by their default values."""

    anchor: str
    unit: str
    opens: float
    target: float | None
    closes: float | None
    params: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"anchor": self.anchor, "unit": self.unit, "opens": self.opens, "target": self.target,
                "closes": self.closes, "params": list(self.params), "text": self.text()}

    def text(self) -> str:
        """E.g. ``interview_end +0..48 hours (target 24)``."""
        end = _number(self.closes) if self.closes is not None else "∞"
        span = f"{self.anchor} +{_number(self.opens)}..{end} {self.unit}"
        if self.target is not None and self.opens != self.closes:  # a one-point window needs no target
            span += f" (target {_number(self.target)})"
        if self.params:
            span += " [" + ", ".join(self.params) + "]"
        return span


@dataclass(frozen=True)
class Stance:
    """One rule on a topic, as the comparison shows it."""

    rule: str
    kind: str
    strength: str
    says: str
    then: str
    window: WindowView | None
    readings: tuple[str, ...]
    by_default: bool
    quotes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "kind": self.kind, "strength": self.strength, "says": self.says,
                "then": self.then, "window": self.window.to_dict() if self.window else None,
                "readings": list(self.readings), "applies_by_default": self.by_default,
                "quote": list(self.quotes)}


@dataclass(frozen=True)
class Position:
    """A ruleset's rules on one topic; none means the ruleset is silent on it."""

    ruleset: str
    version: str
    source: str | None
    stances: tuple[Stance, ...]

    @property
    def silent(self) -> bool:
        return not self.stances

    def to_dict(self) -> dict[str, Any]:
        return {"ruleset": self.ruleset, "version": self.version, "source": self.source,
                "silent": self.silent, "rules": [s.to_dict() for s in self.stances]}


@dataclass(frozen=True)
class TopicComparison:
    """Every compared ruleset's position on one topic."""

    topic: str
    positions: tuple[Position, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "positions": [p.to_dict() for p in self.positions]}


def compare(rulesets: Sequence[Ruleset], topic: str | None = None) -> list[TopicComparison]:
    """The positions of `rulesets` on every topic they speak on (or on `topic` only).

    Topics come in the order they first appear, rulesets ordered by source file then id; a
    topic no ruleset speaks on is a UserError naming the known topics.
    """
    ordered = sorted(rulesets, key=lambda r: (r.source_file or "", r.id))
    topics = list(dict.fromkeys(rule.topic for r in ordered for rule in r.rules if rule.topic))
    if topic is not None:
        if topic not in topics:
            hint = did_you_mean(topic, topics)
            raise UserError(f"no rule has topic {topic!r}" + (f" ({hint})" if hint else "")
                            + f"; topics: {', '.join(sorted(topics))}")
        topics = [topic]
    return [TopicComparison(t, tuple(_position(r, t) for r in ordered)) for t in topics]


def _position(ruleset: Ruleset, topic: str) -> Position:
    live = {c.rule.id for c in compile_ruleset(ruleset).live}
    defaults = ruleset.param_values()
    stances = tuple(_stance(rule, defaults, rule.id in live) for rule in ruleset.rules if rule.topic == topic)
    return Position(ruleset.id, ruleset.version, ruleset.source_file, stances)


def _stance(rule: Rule, defaults: dict[str, Any], live: bool) -> Stance:
    then = rule.then.action or f"warning {rule.then.warning}"
    window = _window(rule.then.window, defaults) if rule.then.window else None
    readings: tuple[str, ...] = ()
    if rule.when is not None:
        readings = tuple(dict.fromkeys(
            f"{leaf.param} {leaf.op} {_value(leaf.value)} (default {_value(defaults.get(leaf.param))})"
            for leaf in rule.when.leaves() if leaf.param is not None))
    return Stance(rule.id, rule.kind, rule.strength, rule.says, then, window, readings, live, rule.quotes)


def _window(w: WindowDef, defaults: dict[str, Any]) -> WindowView:
    params = tuple(f"{v.name} = {_value(defaults[v.name])}" for v in (w.opens, w.target, w.closes)
                   if isinstance(v, ParamRef))

    def value(v: float | ParamRef | None) -> float | None:
        return defaults[v.name] if isinstance(v, ParamRef) else v

    opens = value(w.opens)
    return WindowView(w.anchor, w.unit, opens if opens is not None else 0, value(w.target), value(w.closes), params)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, ParamRef):
        return f"{{param: {value.name}}}"
    return str(value)


def text(comparisons: Sequence[TopicComparison]) -> str:
    """The comparison for a terminal: one block per topic, one entry per ruleset."""
    out: list[str] = []
    for comparison in comparisons:
        speaking = [p for p in comparison.positions if not p.silent]
        silent = [p.ruleset for p in comparison.positions if p.silent]
        out.append(f"{comparison.topic}  ({len(speaking)} speak, {len(silent)} silent)")
        for position in speaking:
            out.append(f"  {position.ruleset}  ({position.source or 'own rules'})")
            for s in position.stances:
                out.append(f"    {s.kind:<4} {s.rule} [{s.strength}] → {s.then}"
                           + ("" if s.by_default else "  (not under default parameters)"))
                out.append(f"         says   {s.says}")
                if s.window is not None:
                    out.append(f"         window {s.window.text()}")
                out.extend(f"         when   {reading}" for reading in s.readings)
                out.extend(f"         quote  “{quote}”" for quote in s.quotes)
        if silent:
            out.append("  silent: " + ", ".join(silent))
        out.append("")
    return "\n".join(out)


def markdown(comparisons: Sequence[TopicComparison]) -> str:
    """The comparison as Markdown: a section and a table per topic."""
    out: list[str] = []
    for comparison in comparisons:
        out += [f"## {comparison.topic}", "", "| Ruleset | Rule | Kind | Says | Window | Quote |",
                "|---|---|---|---|---|---|"]
        for position in comparison.positions:
            if position.silent:
                out.append(f"| {_cell(position.ruleset)} | — | silent | | | |")
            for s in position.stances:
                says = s.says + ("" if s.by_default else " *(not under default parameters)*")
                window = s.window.text() if s.window else "—"
                quotes = "<br>".join(f"“{q}”" for q in s.quotes)
                out.append(f"| {_cell(position.ruleset)} | {_cell(s.rule)} | {s.kind} | {_cell(says)} | "
                           f"{_cell(window)} | {_cell(quotes)} |")
        out.append("")
    return "\n".join(out)


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")
