"""Rulesets: the typed model of a YAML ruleset, loaded with schema and semantic checks."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from followup_rules import _schema
from followup_rules._checks import check_ruleset
from followup_rules._yaml import Document, load_file
from followup_rules.problems import UserError


@dataclass(frozen=True)
class ParamRef:
    """A value taken from a ruleset parameter."""

    name: str


@dataclass(frozen=True)
class Condition:
    """A node of a condition tree: a group (`all`, `any`, `not`) or a test (`test`)."""

    kind: str
    children: tuple["Condition", ...] = ()
    fact: str | None = None
    param: str | None = None
    op: str = ""
    value: Any = None
    path: tuple[Any, ...] = ()
    implicit: bool = False

    def leaves(self) -> list["Condition"]:
        if self.kind == "test":
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]

    def describe(self) -> str:
        """The condition as one line of text."""
        if self.kind == "test":
            subject = self.fact if self.fact is not None else f"param {self.param}"
            value = f"{{param: {self.value.name}}}" if isinstance(self.value, ParamRef) else json.dumps(self.value)
            return f"{subject} {self.op} {value}"
        if self.kind == "not":
            return f"not ({self.children[0].describe()})"
        return f"{self.kind}(" + ", ".join(c.describe() for c in self.children) + ")"


@dataclass(frozen=True)
class Style:
    code: str
    max_paragraphs: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code} if self.max_paragraphs is None else {
            "code": self.code, "max_paragraphs": self.max_paragraphs}


@dataclass(frozen=True)
class WindowDef:
    anchor: str
    unit: str
    opens: float | ParamRef = 0
    target: float | ParamRef | None = None
    closes: float | ParamRef | None = None


@dataclass(frozen=True)
class Then:
    action: str | None = None
    warning: str | None = None
    to: str | None = None
    channel: str | None = None
    include: tuple[str, ...] = ()
    style: tuple[Style, ...] = ()
    ordinal: int | None = None
    code: str | None = None
    window: WindowDef | None = None
    late_warning: str | None = None
    severity: str = "warning"
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    says: str
    quotes: tuple[str, ...]
    then: Then
    when: Condition | None = None
    strength: str = "should"
    topic: str = ""
    line: int | None = None
    priority: int = 100
    path: tuple[Any, ...] = ()
    override_reason: str | None = None
    source: str | None = None
    chain: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any
    description: str = ""
    reading: str = ""


@dataclass(frozen=True, eq=False)
class Ruleset:
    """A loaded, checked ruleset (compared and hashed by identity: loads are cached)."""

    id: str
    version: str
    title: str
    rules: tuple[Rule, ...]
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    applies_when: Condition | None = None
    source_file: str | None = None
    source_title: str | None = None
    publisher: str | None = None
    extensions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    tests: tuple[Mapping[str, Any], ...] = ()
    path: str = "<memory>"
    digest: str = ""
    extends: str | None = None
    overrides: Mapping[str, tuple[str, Rule | None]] = field(default_factory=dict)
    chain: tuple[str, ...] = ()
    doc: Document | None = field(default=None, repr=False, compare=False)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def cite(self, rule: Rule) -> str:
        return f"{self.id}/{rule.id}"

    def source_of(self, rule: Rule) -> str | None:
        """The article a rule quotes: its own (inherited rules keep theirs) or the ruleset's."""
        return rule.source or self.source_file

    def param_values(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        values = {name: p.default for name, p in self.parameters.items()}
        values.update({k: v for k, v in (overrides or {}).items() if k in values})
        return values


def digest_of(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


def load_ruleset(path: str | os.PathLike[str]) -> Ruleset:
    """Load a ruleset file; raises UserError listing every problem with its position."""
    return parse_ruleset(load_file(path))


def parse_ruleset(doc: Document) -> Ruleset:
    """Check and build a ruleset from a loaded document."""
    if not isinstance(doc.data, dict):
        from followup_rules.problems import Problem

        raise UserError([Problem(doc.name, 1, 1, "FR006", "a ruleset must be a mapping with `id:`, "
                                 "`version:`, `title:` and `rules:`")])
    problems = _schema.validate(doc, "ruleset")
    if problems:
        raise UserError(problems)
    problems = check_ruleset(doc)
    if problems:
        raise UserError(problems)
    return build(doc)


def build(doc: Document) -> Ruleset:
    """The Ruleset for a document that passed every check."""
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
        tests=tuple(data.get("tests") or ()), path=doc.name, digest=digest_of(data),
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
                evidence=tuple(raw.get("evidence") or ()))


def _rule(raw: Mapping[str, Any], path: tuple[Any, ...]) -> Rule:
    quote = raw["quote"]
    return Rule(id=raw["id"], kind=raw["kind"], says=raw["says"],
                quotes=(quote,) if isinstance(quote, str) else tuple(quote), then=_then(raw["then"]),
                when=_condition(raw["when"], path + ("when",)) if raw.get("when") else None,
                strength=raw.get("strength", "should"), topic=raw.get("topic", ""), line=raw.get("line"),
                priority=raw.get("priority", 100), path=path)
