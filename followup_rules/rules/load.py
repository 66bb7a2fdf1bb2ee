"""Loading rulesets: a YAML document checked (schema, then semantics) and built into a `Ruleset`."""

from __future__ import annotations

import os
from typing import Any, Mapping

from followup_rules.core import _schema
from followup_rules.core._yaml import Document, load_file
from followup_rules.core.limits import RULESET_ITEMS, check_limits
from followup_rules.core.problems import Problem, UserError
from followup_rules.core.ruleset import Condition, Parameter, ParamRef, Rule, Ruleset, Style, Then, WindowDef, digest_of
from followup_rules.rules.semantics import check_ruleset


def load_ruleset(path: str | os.PathLike[str]) -> Ruleset:
    """Load a ruleset file; raises UserError listing every problem with its position."""
    return parse_ruleset(load_file(path))


def parse_ruleset(doc: Document) -> Ruleset:
    """Check and build a ruleset from a loaded document."""
    if not isinstance(doc.data, dict):
        raise UserError([Problem(doc.name, 1, 1, "FR006", "a ruleset must be a mapping with `id:`, "
                                 "`version:`, `title:` and `rules:`")])
    problems = check_limits(doc, RULESET_ITEMS) or _schema.validate(doc, "ruleset")
    if problems:
        raise UserError(problems)
    problems = check_ruleset(doc)
    if problems:
        raise UserError(problems)
    return build(doc)


def build(doc: Document, digest: str | None = None) -> Ruleset:
    """The Ruleset for a document that passed every check; `digest` when known (the disk cache keeps it)."""
    data = doc.data
    params = {name: Parameter(name, p["type"], p["default"], p.get("description", ""), p.get("reading", ""))
              for name, p in (data.get("parameters") or {}).items()}
    source = data.get("source") or {}
    rules = tuple(_rule(r, ("rules", i)) for i, r in enumerate(data.get("rules") or []))
    return Ruleset(
        id=data["id"], version=str(data["version"]), title=data["title"], rules=rules,
        parameters=params,
        applies_when=_condition(data["applies_when"], ("applies_when",)) if data.get("applies_when") else None,
        source_file=source.get("file"), source_title=source.get("title"), publisher=source.get("publisher"),
        extensions={k: tuple(v) for k, v in (data.get("vocabulary") or {}).items()},
        tests=tuple(data.get("tests") or ()), path=doc.name, digest=digest or digest_of(data),
        extends=data.get("extends"),
        overrides={rid: (o["reason"], _rule(o["rule"], ("overrides", rid, "rule")) if o.get("rule") else None)
                   for rid, o in (data.get("overrides") or {}).items()},
        chain=(f"{data['id']}@{data['version']}",), doc=doc,
    )


def _value(raw: Any) -> Any:
    if isinstance(raw, dict) and set(raw) == {"param"}:
        return ParamRef(raw["param"])
    return raw


def _condition(raw: Mapping[str, Any], path: tuple[Any, ...]) -> Condition:
    for group in ("all", "any"):
        if group in raw:
            return Condition(group, tuple(_condition(c, path + (group, i)) for i, c in enumerate(raw[group])),
                             path=path)
    if "not" in raw:
        return Condition("not", (_condition(raw["not"], path + ("not",)),), path=path)
    op = raw["op"]
    value = raw.get("value", True if op == "exists" else None)
    return Condition("test", fact=raw.get("fact"), param=raw.get("param"), op=op, value=_value(value),
                     path=path)


def _window(raw: Mapping[str, Any]) -> WindowDef:
    return WindowDef(anchor=raw["anchor"], unit=raw["unit"], opens=_value(raw.get("opens", 0)),
                     target=_value(raw.get("target")), closes=_value(raw.get("closes")))


def _then(raw: Mapping[str, Any]) -> Then:
    styles = tuple(Style(s) if isinstance(s, str) else Style(s["code"], s.get("max_paragraphs"))
                   for s in raw.get("style") or ())
    return Then(action=raw.get("action"), warning=raw.get("warning"), to=raw.get("to"),
                channel=raw.get("channel"), include=tuple(raw.get("include") or ()), style=styles,
                ordinal=raw.get("ordinal"), code=raw.get("code"),
                window=_window(raw["window"]) if raw.get("window") else None,
                late_warning=raw.get("late_warning"), severity=raw.get("severity", "warning"),
                evidence=tuple(raw.get("evidence") or ()), about=raw.get("about"))


def _rule(raw: Mapping[str, Any], path: tuple[Any, ...]) -> Rule:
    quote = raw["quote"]
    return Rule(id=raw["id"], kind=raw["kind"], says=raw["says"],
                quotes=(quote,) if isinstance(quote, str) else tuple(quote), then=_then(raw["then"]),
                when=_condition(raw["when"], path + ("when",)) if raw.get("when") else None,
                strength=raw.get("strength", "should"), topic=raw.get("topic", ""), line=raw.get("line"),
                priority=raw.get("priority", 100), path=path)
