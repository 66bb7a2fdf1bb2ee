"""The employer's follow-up instructions, applied to every action of every source before merging.

Instructions override the sources (000: "be sure to adhere to them"): no contact of any kind before
`no_contact_before`, windowed or not; the named contact for questions about the process; the named
channel. An action the instructions rule out entirely (a call when the employer asked for email) is
set aside with the reason.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import Case
from followup_rules.core.moments import days_later, start_of_day
from followup_rules.core.vocabulary import CONTACT_ACTIONS
from followup_rules.resolve.advice import Action, Override, SetAside, Window
from followup_rules.resolve.windows import DEFAULT_REASONABLE_DAYS

#: Actions about the process, which go to the contact the employer named.
PROCESS_ACTIONS = frozenset({"send_follow_up", "place_call", "send_materials", "notify_competing_offer",
                             "request_feedback"})
_CALLS = frozenset({"phone_call", "voicemail"})


def bind(action: Action, case: Case, at: datetime, calendar: BusinessCalendar) -> Action | SetAside:
    """`action` as the employer's instructions allow it, or set aside when they forbid it."""
    if action.action not in CONTACT_ACTIONS:
        return action
    channel = case.instructed_channel
    if channel and action.action == "place_call" and channel not in _CALLS:
        return SetAside(action, f"the employer asked to be contacted by {channel.replace('_', ' ')}, "
                                "not by phone", ())
    overrides: list[Override] = []
    window = action.window
    if case.no_contact_before is not None:
        moved = _after(window, case.no_contact_before, case, calendar)
        if moved is not None:
            window = moved
            overrides.append(Override("no_contact_before",
                                      f"no contact before {case.no_contact_before:%a %d %b %Y}"))
    to, new_channel = action.to, action.channel
    if case.instructed_contact and action.action in PROCESS_ACTIONS and to != (case.instructed_contact,):
        to = (case.instructed_contact,)
        overrides.append(Override("contact", f"contact {case.instructed_contact} only"))
    if channel and action.action in ("send_follow_up", "place_call") and new_channel != channel:
        new_channel = channel
        overrides.append(Override("channel", f"use {channel.replace('_', ' ')}"))
    if not overrides:
        return action
    state = window.state(at) if window is not None else action.state
    return replace(action, to=to, channel=new_channel, window=window, state=state,
                   overridden_by=action.overridden_by + tuple(overrides))


def _after(window: Window | None, day: date, case: Case, calendar: BusinessCalendar) -> Window | None:
    """The window moved to start no earlier than `day`, or None when it already does."""
    earliest = start_of_day(day, case.timezone)
    if window is not None and window.opens.timestamp() >= earliest.timestamp():
        return None
    target = calendar.working_moment(earliest) or earliest
    note = f"moved to {day:%Y-%m-%d} by the no-contact-before instruction"
    if window is None:
        closes = days_later(target, DEFAULT_REASONABLE_DAYS, case.timezone)
        return Window(earliest, target, closes, (note,), soft=True)
    if window.target.timestamp() > target.timestamp():
        target = window.target
    if window.closes is not None and window.closes.timestamp() > target.timestamp():
        return Window(earliest, target, window.closes, window.steps + (note,), window.soft)
    closes = days_later(target, DEFAULT_REASONABLE_DAYS, case.timezone)
    return Window(earliest, target, closes, window.steps + (note,), True)
