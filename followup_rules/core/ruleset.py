"""Rulesets: the typed model of a checked ruleset (rules, conditions, windows, parameters)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from followup_rules.core._yaml import Document


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
    #: The anchor whose moment the action is about (the date a reminder is for).
    about: str | None = None


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
