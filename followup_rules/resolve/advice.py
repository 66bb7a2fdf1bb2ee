"""The advice: typed results of an evaluation, with `.to_dict()` matching advice.schema.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from followup_rules.core.ruleset import Ruleset, Style

if TYPE_CHECKING:
    from followup_rules.resolve.evaluation import Evaluation


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class Window:
    opens: datetime
    target: datetime
    closes: datetime | None
    steps: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"opens": iso(self.opens), "target": iso(self.target), "closes": iso(self.closes)}

    def state(self, at: datetime) -> str:
        if at < self.opens:
            return "upcoming"
        return "overdue" if self.closes is not None and at >= self.closes else "open"

    def says(self) -> str:
        text = f"opens {self.opens:%Y-%m-%d %H:%M}"
        return text + (f", closes {self.closes:%Y-%m-%d %H:%M}" if self.closes else ", no close")


@dataclass(frozen=True)
class Citation:
    """Which rule backs an item, from which source, with its quote and its own window."""

    rule: str
    source: str | None
    quote: str
    says: str
    window: Window | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "source": self.source, "quote": self.quote, "says": self.says,
                "window": self.window.to_dict() if self.window else None}


@dataclass(frozen=True)
class Dissent:
    rule: str
    source: str | None
    says: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "source": self.source, "says": self.says}


@dataclass(frozen=True)
class Override:
    instruction: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"instruction": self.instruction, "detail": self.detail}


@dataclass(frozen=True)
class Action:
    action: str
    to: tuple[str, ...]
    channel: str | None
    window: Window | None
    state: str
    include: tuple[str, ...] = ()
    style: tuple[Style, ...] = ()
    ordinal: int | None = None
    code: str | None = None
    by: tuple[Citation, ...] = ()
    dissent: tuple[Dissent, ...] = ()
    overridden_by: tuple[Override, ...] = ()

    @property
    def key(self) -> tuple[str, int, str]:
        """What makes two sources' actions the same advice."""
        ordinal = self.ordinal or 1 if self.action == "send_follow_up" else 0
        return (self.action, ordinal, self.code or "")

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "to": list(self.to), "channel": self.channel,
                "window": self.window.to_dict() if self.window else None, "state": self.state,
                "include": list(self.include), "style": [s.to_dict() for s in self.style],
                "ordinal": self.ordinal, "code": self.code, "by": [c.to_dict() for c in self.by],
                "dissent": [d.to_dict() for d in self.dissent],
                "overridden_by": [o.to_dict() for o in self.overridden_by]}


@dataclass(frozen=True)
class Caution:
    code: str
    severity: str
    by: tuple[Citation, ...]
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "by": [c.to_dict() for c in self.by],
                "evidence": dict(sorted(self.evidence.items()))}


@dataclass(frozen=True)
class Expectation:
    code: str
    by: tuple[Citation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "by": [c.to_dict() for c in self.by]}


@dataclass(frozen=True)
class SourceResult:
    """One ruleset's own advice, before merging."""

    ruleset: str
    actions: tuple[Action, ...]
    warnings: tuple[Caution, ...]
    expectations: tuple[Expectation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"ruleset": self.ruleset, "actions": [a.to_dict() for a in self.actions],
                "warnings": [w.to_dict() for w in self.warnings],
                "expectations": [e.to_dict() for e in self.expectations]}


@dataclass(frozen=True)
class RulesetRef:
    """Which ruleset, exactly: id, version and the digest of its content."""

    id: str
    version: str
    digest: str
    source: str | None
    title: str

    @classmethod
    def of(cls, ruleset: Ruleset) -> RulesetRef:
        return cls(ruleset.id, ruleset.version, ruleset.digest, ruleset.source_file, ruleset.title)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "digest": self.digest, "source": self.source,
                "title": self.title}


@dataclass(frozen=True)
class Advice:
    """What to do now and next, merged across rulesets by `policy`, with per-source results."""

    at: datetime
    case: str
    timezone: str
    policy: str
    rulesets: tuple[RulesetRef, ...]
    actions: tuple[Action, ...]
    warnings: tuple[Caution, ...]
    expectations: tuple[Expectation, ...]
    per_source: tuple[SourceResult, ...]
    #: The evaluation the advice was resolved from (not part of the JSON): drafting reuses it.
    evaluation: Evaluation | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso(self.at), "case": self.case, "timezone": self.timezone, "policy": self.policy,
                "rulesets": [r.to_dict() for r in self.rulesets],
                "actions": [a.to_dict() for a in self.actions],
                "warnings": [w.to_dict() for w in self.warnings],
                "expectations": [e.to_dict() for e in self.expectations],
                "per_source": [s.to_dict() for s in self.per_source]}
