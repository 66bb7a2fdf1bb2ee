"""The advice: typed results of an evaluation, with `.to_dict()` matching advice.schema.json."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from followup_rules.core.ruleset import Ruleset, Style

if TYPE_CHECKING:
    from followup_rules.resolve.evaluation import Evaluation

#: How firmly a rule puts it, strongest first.
STRENGTHS: tuple[str, ...] = ("must", "should", "may")


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def strongest(strengths: Iterable[str]) -> str:
    """The strongest of some strengths (``should`` when there are none)."""
    found = [s for s in strengths if s in STRENGTHS]
    return min(found, key=STRENGTHS.index) if found else "should"


@dataclass(frozen=True)
class Window:
    """When to act: opens, the recommended moment, and the close (`soft` when no source gave one)."""

    opens: datetime
    target: datetime
    closes: datetime | None
    steps: tuple[str, ...] = ()
    soft: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"opens": iso(self.opens), "target": iso(self.target), "closes": iso(self.closes),
                "soft_close": self.soft}

    def state(self, at: datetime) -> str:
        """upcoming before it opens, overdue from its close, else open (compared as instants)."""
        moment = at.timestamp()
        if moment < self.opens.timestamp():
            return "upcoming"
        return "overdue" if self.closes is not None and moment >= self.closes.timestamp() else "open"

    def contains(self, moment: datetime) -> bool:
        stamp = moment.timestamp()
        return self.opens.timestamp() <= stamp and (self.closes is None or stamp < self.closes.timestamp())

    def says(self) -> str:
        text = f"opens {self.opens:%Y-%m-%d %H:%M}"
        if self.closes is None:
            return text + ", no close"
        return text + f", closes {self.closes:%Y-%m-%d %H:%M}" + (" (soft)" if self.soft else "")


@dataclass(frozen=True)
class Citation:
    """Which rule backs an item, from which source, how firmly, with its quote and its own window."""

    rule: str
    source: str | None
    quote: str
    says: str
    window: Window | None = None
    strength: str = "should"

    @property
    def ruleset(self) -> str:
        return self.rule.split("/", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "source": self.source, "quote": self.quote, "says": self.says,
                "strength": self.strength, "window": self.window.to_dict() if self.window else None}


@dataclass(frozen=True)
class Dissent:
    """A source that advises the action on other terms, and its own window."""

    rule: str
    source: str | None
    says: str
    window: Window | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "source": self.source, "says": self.says,
                "window": self.window.to_dict() if self.window else None}


@dataclass(frozen=True)
class Override:
    """An employer instruction or a source's don't that changed an action, and how."""

    instruction: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"instruction": self.instruction, "detail": self.detail}


@dataclass(frozen=True)
class Position:
    """One source's position on an action: its rules, its window and that window's state."""

    ruleset: str
    rules: tuple[str, ...]
    window: Window | None
    state: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"ruleset": self.ruleset, "rules": list(self.rules),
                "window": self.window.to_dict() if self.window else None, "state": self.state}


@dataclass(frozen=True)
class MergeTrace:
    """The reasoning behind one merged action."""

    policy: str
    positions: tuple[Position, ...]
    decision: str
    target: str
    backers: tuple[str, ...]
    dissent: tuple[tuple[str, str], ...]
    changes: tuple[str, ...] = ()

    def changed(self, *notes: str) -> MergeTrace:
        """The trace with more changes recorded (an instruction applied, a don't obeyed)."""
        return replace(self, changes=self.changes + notes)

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "positions": [p.to_dict() for p in self.positions],
                "decision": self.decision, "target": self.target, "backers": list(self.backers),
                "dissent": [{"ruleset": r, "why": why} for r, why in self.dissent],
                "changes": list(self.changes)}


@dataclass(frozen=True)
class Action:
    """Something to do, for whom, by which channel and when, and the rules behind it."""

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
    strength: str = "should"
    #: What must happen first when the step is projected ("after the thank-you").
    projected: str | None = None
    #: The date the action is about (the date a reminder is for), and what that date is.
    about: datetime | None = None
    about_name: str = ""
    names: tuple[str, ...] = ()
    sentence: str = ""
    trace: MergeTrace | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> tuple[str, int, str]:
        """What makes two sources' actions the same advice."""
        ordinal = self.ordinal or 1 if self.action == "send_follow_up" else 0
        return (self.action, ordinal, self.code or "")

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "sentence": self.sentence, "strength": self.strength,
                "to": list(self.to), "names": list(self.names), "channel": self.channel,
                "window": self.window.to_dict() if self.window else None, "state": self.state,
                "projected": self.projected, "about": iso(self.about),
                "include": list(self.include), "style": [s.to_dict() for s in self.style],
                "ordinal": self.ordinal, "code": self.code, "by": [c.to_dict() for c in self.by],
                "dissent": [d.to_dict() for d in self.dissent],
                "overridden_by": [o.to_dict() for o in self.overridden_by]}


@dataclass(frozen=True)
class Caution:
    """A warning: what a rule objects to, how serious it is, and the facts behind it."""

    code: str
    severity: str
    by: tuple[Citation, ...]
    evidence: dict[str, Any] = field(default_factory=dict)
    #: What raised it: the case's `draft`, its `history`, or the `plan` (an advised action).
    subject: str = "history"
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "subject": self.subject, "note": self.note,
                "by": [c.to_dict() for c in self.by], "evidence": dict(sorted(self.evidence.items()))}


@dataclass(frozen=True)
class Side:
    """One position in a conflict between sources, and the rules that take it."""

    says: str
    by: tuple[Citation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"says": self.says, "by": [c.to_dict() for c in self.by]}


@dataclass(frozen=True)
class Conflict:
    """Sources that contradict each other (or the advice) on one point, shown once with each side."""

    about: str
    sides: tuple[Side, ...]
    resolution: str
    #: The advised action the conflict is about, if it is about one.
    action: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"about": self.about, "action": self.action, "sides": [s.to_dict() for s in self.sides],
                "resolution": self.resolution}


@dataclass(frozen=True)
class SetAside:
    """An action some source advises that the plan does not keep, and why."""

    action: Action
    reason: str
    by: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action.to_dict(), "reason": self.reason, "by": [c.to_dict() for c in self.by]}


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
    #: Actions of this ruleset the employer's instructions rule out (reported with the merged advice).
    set_aside: tuple[SetAside, ...] = ()

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
    """What to do now and next, merged across rulesets by `policy`, with per-source results.

    Actions come in order of urgency: overdue first, then open by nearest close, then upcoming.
    """

    at: datetime
    case: str
    timezone: str
    policy: str
    rulesets: tuple[RulesetRef, ...]
    actions: tuple[Action, ...]
    warnings: tuple[Caution, ...]
    expectations: tuple[Expectation, ...]
    per_source: tuple[SourceResult, ...]
    conflicts: tuple[Conflict, ...] = ()
    set_aside: tuple[SetAside, ...] = ()
    #: The evaluation the advice was resolved from (not part of the JSON): drafting reuses it.
    evaluation: Evaluation | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso(self.at), "case": self.case, "timezone": self.timezone, "policy": self.policy,
                "rulesets": [r.to_dict() for r in self.rulesets],
                "actions": [a.to_dict() for a in self.actions],
                "warnings": [w.to_dict() for w in self.warnings],
                "conflicts": [c.to_dict() for c in self.conflicts],
                "set_aside": [s.to_dict() for s in self.set_aside],
                "expectations": [e.to_dict() for e in self.expectations],
                "per_source": [s.to_dict() for s in self.per_source]}
