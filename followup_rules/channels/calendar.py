"""The calendar channel: projected steps and single actions as iCalendar (RFC 5545) events.

Each step becomes a VEVENT from the moment the step is due (the window's target, or the moment of
evaluation once the target has passed) lasting 30 minutes, rather than a VTODO: calendar programs
show and remind of events everywhere, while to-do support varies (khal, for one, ignores VTODO).
The window's close is stated in the description. Each event has a display alarm an hour before it
and, when the window opens earlier than that, a second alarm at the opening.

UIDs are derived from the case identity (candidate, company, position), the action key
(action, ordinal, code) and the recipients, so re-exporting the same case updates the same
entries instead of adding new ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from followup_rules.core.problems import UserError
from followup_rules.plugin.hookspecs import hookimpl

if TYPE_CHECKING:
    from icalendar import Calendar, Event

    from followup_rules.core.artifact import Artifact
    from followup_rules.core.case import Case
    from followup_rules.projection import Timeline
    from followup_rules.resolve.advice import Action, Advice, Citation

CHANNEL = "calendar"
PRODID = "-//followup-rules//followup-rules//EN"
DURATION = timedelta(minutes=30)
REMIND_BEFORE = timedelta(hours=1)
MEDIA_TYPE = "text/calendar"
_NAMESPACE_NAME = "https://pypi.org/project/followup-rules/#calendar"


def uid(case: Case, action: Action) -> str:
    """The event UID for `action` of `case`: the same case and action always give the same UID."""
    import uuid  # with its platform probing, only when an event is made: every command loads this plugin

    name, ordinal, code = action.key
    parts = (case.candidate_name, case.company, case.position, name, str(ordinal), code, *sorted(action.to))
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, _NAMESPACE_NAME)
    return f"{uuid.uuid5(namespace, chr(31).join(parts))}@followup-rules"


def exported_here(data: bytes) -> bool:
    """Whether an iCalendar file holds nothing but what followup exports: a calendar whose every
    event has a followup UID (so `export --ics` may replace it without losing anyone's events)."""
    from icalendar import Calendar

    uid_end = "@followup-rules"
    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError, TypeError):
        return False
    if calendar.name != "VCALENDAR":
        return False
    for component in calendar.subcomponents:
        if component.name == "VTIMEZONE":
            continue
        if component.name != "VEVENT" or not str(component.get("uid", "")).endswith(uid_end):
            return False
    return True


def timeline_calendar(timeline: Timeline) -> Calendar:
    """The projected plan as a calendar: one event per step."""
    from followup_rules.resolve.wording import title

    calendar = _calendar(timeline.case)
    # Which rulesets and policy planned it, for anyone auditing the calendar later.
    calendar.add("x-followup-policy", timeline.policy)
    calendar.add("x-followup-rulesets", ",".join(f"{r.id}@{r.version}" for r in timeline.advice.rulesets))
    stamp = timeline.start
    for step in timeline.steps:
        closing = timeline.closing if step is timeline.steps[-1] else ()
        calendar.add_component(_event(timeline.case, step.action, title(step.action, step.names, step.final),
                                      step.at, stamp, step.channel, step.despite, closing))
    calendar.add_missing_timezones()
    return calendar


def action_calendar(action: Action, case: Case, advice: Advice) -> Calendar:
    """One action of the advice as a calendar with one event, due at its target (or now, if passed)."""
    from followup_rules.resolve.steps import channel_of
    from followup_rules.resolve.wording import names_of, title

    if action.window is None:
        raise UserError(f"{action.action} has no time window, so there is nothing to put in a calendar")
    calendar = _calendar(case)
    calendar.add_component(_event(case, action, title(action, names_of(case, action.to)),
                                  max(action.window.target, advice.at), advice.at, channel_of(action)))
    calendar.add_missing_timezones()
    return calendar


def _calendar(case: Case) -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Follow-up: {case.position} at {case.company}")
    return calendar


def _event(case: Case, action: Action, summary: str, start: datetime, stamp: datetime, channel: str,
           despite: Sequence[Citation] = (), closing: Sequence[Action] = ()) -> Event:
    from icalendar import Alarm, Event

    tz = case.timezone
    event = Event()
    event.add("uid", uid(case, action))
    # The evaluation moment, not the wall clock: the same export gives the same bytes.
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start.astimezone(tz))
    event.add("dtend", (start + DURATION).astimezone(tz))
    event.add("summary", f"{summary} ({case.company})")
    event.add("description", _description(case, action, summary, channel, despite, closing))
    event.add("categories", ["follow-up"])
    event.add("transp", "TRANSPARENT")
    reminders: list[tuple[str, Any]] = [(f"In an hour: {summary}", -REMIND_BEFORE)]
    window = action.window
    if window is not None and window.opens < start - REMIND_BEFORE:
        reminders.append((f"Window opens: {summary}", window.opens.astimezone(UTC)))
    for text, trigger in reminders:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", text)
        if isinstance(trigger, datetime):
            alarm.add("trigger", trigger, parameters={"VALUE": "DATE-TIME"})
        else:
            alarm.add("trigger", trigger)
        event.add_component(alarm)
    return event


def _description(case: Case, action: Action, summary: str, channel: str, despite: Sequence[Citation],
                 closing: Sequence[Action]) -> str:
    from followup_rules.core.moments import when

    tz = case.timezone
    lines = [f"{summary} by {channel}, about the {case.position} position at {case.company}."]
    window = action.window
    if window is not None:
        closes = when(window.closes, tz) if window.closes else "no deadline"
        lines.append(f"Window: opens {when(window.opens, tz)}, aim {when(window.target, tz)}, closes {closes}.")
    if action.include:
        lines.append("Include: " + ", ".join(action.include) + ".")
    if action.style:
        lines.append("Style: " + ", ".join(
            s.code + (f" (at most {s.max_paragraphs} paragraphs)" if s.max_paragraphs else "")
            for s in action.style) + ".")
    lines += ["", "Why (the rules behind this step):"]
    lines += _cited(action.by)
    if despite:
        lines += ["", "Outweighed (these rules already say stop):"]
        lines += _cited(despite)
    for after in closing:
        lines += ["", f"Afterwards: {after.action.replace('_', ' ')}."]
        lines += _cited(after.by)
    return "\n".join(lines)


def _cited(citations: Sequence[Citation]) -> list[str]:
    lines = []
    for c in citations:
        lines.append(f"- {c.rule} (source {c.source or 'own rule'}): {c.says}")
        lines.append(f"  “{c.quote}”")
    return lines


def _filename(summary: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", summary.lower()).strip("-") + ".ics"


@hookimpl
def followup_channels() -> Sequence[str]:
    return [CHANNEL]


@hookimpl
def followup_render(action: Action, case: Case, advice: Advice, channel: str) -> Artifact | None:
    """One action as a one-event .ics file."""
    if channel != CHANNEL:
        return None
    from followup_rules.core.artifact import Artifact
    from followup_rules.resolve.wording import names_of, title

    calendar = action_calendar(action, case, advice)
    event = calendar.walk("VEVENT")[0]
    summary = title(action, names_of(case, action.to))
    return Artifact(channel=CHANNEL, action=action.action, key=str(event["uid"]), to=action.to,
                    subject=str(event["summary"]), body=str(event["description"]), media_type=MEDIA_TYPE,
                    data=calendar.to_ical(), filename=_filename(summary),
                    meta={"uid": str(event["uid"]), "dtstart": event.decoded("dtstart").isoformat()})
