"""Timing: where the message following an advised action lies, in the facts of its draft.

A window counts hours, days or business days from its anchor, while draft facts measure elapsed hours,
elapsed days, calendar dates or business days apart; a message inside the window lies within the
span each measure gives it.
"""

from __future__ import annotations

from followup_rules.authoring.lint._fact_model import Relation
from followup_rules.authoring.lint.space import Box, Dnf
from followup_rules.authoring.lint.value_sets import (
    INF,
    TRUE,
    Choices,
    Numbers,
    Span,
    ValueSet,
    at_least,
    number_text,
    only,
)
from followup_rules.core.ruleset import ParamRef, Ruleset, Then, WindowDef
from followup_rules.core.vocabulary import FACTS

#: What a draft following an action is: its `draft.kind`, and its channels when the rule names none.
_DRAFT_OF: dict[str, tuple[str, tuple[str, ...]]] = {
    "send_follow_up": ("follow_up", ()),
    "place_call": ("follow_up", ("phone_call", "voicemail")),
    "send_thank_you": ("thank_you", ()),
    "notify_competing_offer": ("competing_offer_notice", ()),
}

#: Draft facts that measure time from a window's anchor, how each measures it (elapsed hours,
#: elapsed days as a number, calendar dates apart, business days apart), and whether the window
#: bounds it on both sides or only from below (facts counted from an earlier moment than the anchor:
#: messages are sent after the interview ends).
_TIMING: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "interview_end": (("draft.hours_after_interview", "hours", True), ("draft.days_after_interview", "dates", True)),
    "decision_date": (("draft.days_after_decision", "dates", True),
                      ("draft.business_days_after_decision", "business", True)),
    "last_follow_up": (("draft.days_since_last_follow_up", "dates", True),
                       ("draft.hours_after_interview", "hours", False), ("draft.days_after_interview", "dates", False)),
    "last_thank_you": (("draft.days_since_last_thank_you", "dates", True),
                       ("draft.hours_after_interview", "hours", False), ("draft.days_after_interview", "dates", False)),
}
#: Facts placing a window's anchor (at or after it, for the first of several messages) in a measure
#: a draft fact also uses: a draft inside the window lies the window's opening offset further.
_ANCHOR_AT: dict[str, tuple[tuple[str, str, str], ...]] = {
    "last_follow_up": (("follow_up.first_hours_after_interview", "draft.hours_after_interview", "hours"),
                       ("follow_up.first_days_after_interview", "draft.days_after_interview", "dates"),
                       ("follow_up.first_days_after_decision", "draft.days_after_decision", "dates")),
    "last_thank_you": (("thank_you.hours_after_interview", "draft.hours_after_interview", "hours"),),
}


def _offset(ruleset: Ruleset, value: float | ParamRef | None) -> float | None:
    if isinstance(value, ParamRef):
        return float(ruleset.parameters[value.name].default)
    return None if value is None else float(value)


def _timing_span(unit: str, measure: str, opens: float, closes: float | None, nominal: bool) -> Span | None:
    """When a message sent inside a window is, in `measure` (elapsed hours or days, calendar dates or
    business days apart); `nominal` counts a calendar day as 24 hours from the anchor."""
    end = INF if closes is None else closes
    if unit == "hours":
        scale = {"hours": 1.0, "days": 1 / 24}.get(measure)
        return None if scale is None else Span(opens * scale, end * scale, True, False)
    if (unit, measure) in (("days", "dates"), ("business_days", "business")):
        return Span(opens, end, True, closes is not None)
    if measure == "dates":
        return Span(opens, INF, True, False)
    if measure == "business":
        return None
    scale = 24.0 if measure == "hours" else 1.0
    hi = INF if closes is None or unit == "business_days" else (closes + 1) * scale
    return Span(opens * scale, hi, True, False) if nominal else Span((opens - 1) * scale, hi, False, False)


def follow_region(ruleset: Ruleset, then: Then, nominal: bool) -> Dnf:
    """The draft of a message following the action of `then`, sent inside its window."""
    assert then.action is not None
    kind, channels = _DRAFT_OF[then.action]
    sets: dict[str, ValueSet] = {"draft.present": TRUE, "draft.kind": only(kind)}
    if then.channel or channels:
        sets["draft.channel"] = Choices(frozenset((then.channel,) if then.channel else channels))
    window = then.window
    timed: dict[str, ValueSet] = {}
    relations: list[Relation] = []
    if window is not None:
        opens = _offset(ruleset, window.opens) or 0.0
        closes = _offset(ruleset, window.closes)
        # With one follow-up in the round, the first follow-up is the last one.
        anchor = "last_follow_up" if window.anchor == "first_follow_up" else window.anchor
        for fact, measure, bounded in _TIMING.get(anchor, ()):
            span = _timing_span(window.unit, measure, opens, closes, nominal)
            if span is not None:
                span = span if bounded else Span(span.lo, INF, span.lo_closed, False)
                timed[fact] = Numbers.of((span,), False, FACTS[fact].type == "int")
        for placed, fact, measure in _ANCHOR_AT.get(anchor, ()):
            span = _timing_span(window.unit, measure, opens, closes, nominal)
            if span is not None:
                relations.append(Relation("le", placed, (fact,), span.lo))
    reason = (f"following {then.action} {window_text(window)}",)
    boxes: tuple[Box, ...]
    if window is not None and window.anchor == "first_follow_up":
        boxes = (Box({**sets, **timed, "follow_up.count": only(1)}), Box({**sets, "follow_up.count": at_least(2)}))
    else:
        boxes = (Box({**sets, **timed}),)
    return Dnf(tuple(Box(b.sets, {k: reason for k in b.sets}, tuple(relations)) for b in boxes))


def window_text(window: WindowDef | None) -> str:
    """A window as messages show it: "from interview_end + 1 to 3 days"."""
    if window is None:
        return "at any time"
    closes = "no deadline" if window.closes is None else _param_text(window.closes)
    return f"from {window.anchor} + {_param_text(window.opens)} to {closes} {window.unit}"


def _param_text(value: float | ParamRef | None) -> str:
    return f"{{param: {value.name}}}" if isinstance(value, ParamRef) else number_text(value or 0)

