"""The agenda in the forms people read it: text for the terminal and the mail digest, Markdown for
notes, iCalendar for a calendar program."""

from __future__ import annotations

import uuid
from datetime import timedelta, timezone
from typing import Any

from followup_rules.tracking.docket import URGENCIES, Agenda, Item

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pypi.org/project/followup-rules/#agenda")
_HEADINGS = {"overdue": "Overdue", "today": "Due today", "this week": "This week", "upcoming": "Upcoming"}


def _by(item: Item) -> str:
    """By when: "closed …" when overdue, "opens …" before the window opens, "by …", or "now"."""
    due = f"{item.due:%a %Y-%m-%d %H:%M}" if item.due else ""
    if item.urgency == "overdue":
        return f"closed {due}"
    if item.state == "upcoming" and item.opens is not None:
        return f"opens {item.opens:%a %Y-%m-%d %H:%M}" + (f", by {due}" if due else "")
    return f"by {due}" if due else "now, no deadline"


def _who(item: Item) -> str:
    return ", ".join(item.people) if item.people else "you"


def text(agenda: Agenda) -> str:
    """One line per action under its urgency, then what waits on employers, then broken files."""
    lines = [f"Agenda at {agenda.at:%a %Y-%m-%d %H:%M %Z} — {agenda.cases} application(s)"]
    for bucket in URGENCIES:
        items = [i for i in agenda.items if i.urgency == bucket]
        if not items:
            continue
        lines += ["", f"{_HEADINGS[bucket]} ({len(items)})"]
        lines += [f"  {i.company}: {i.what} — {_by(i)}  ({i.case} #{i.number})" for i in items]
    if agenda.waiting:
        lines += ["", f"Waiting on the employer ({len(agenda.waiting)})"]
        lines += [f"  {w.company}: {w.reason}" + (f" ({w.until:%Y-%m-%d})" if w.until else "")
                  for w in agenda.waiting]
    if agenda.broken:
        lines += ["", f"Could not read ({len(agenda.broken)})"]
        lines += [f"  {problem}" for b in agenda.broken for problem in b.problems]
    if not agenda.items and not agenda.broken:
        lines += ["", "Nothing to do."]
    return "\n".join(lines) + "\n"


def markdown(agenda: Agenda) -> str:
    """The agenda as Markdown tables, one per urgency."""
    lines = [f"# Agenda at {agenda.at:%Y-%m-%d %H:%M %Z}", ""]
    for bucket in URGENCIES:
        items = [i for i in agenda.items if i.urgency == bucket]
        if not items:
            continue
        lines += [f"## {_HEADINGS[bucket]}", "", "| company | who | what | by when | case |", "|---|---|---|---|---|"]
        lines += [f"| {_cell(i.company)} | {_cell(_who(i))} | {_cell(i.what)} | {_by(i)} | `{i.case}` #{i.number} |"
                  for i in items]
        lines.append("")
    if agenda.waiting:
        lines += ["## Waiting on the employer", ""]
        lines += [f"- **{_cell(w.company)}**: {w.reason}" + (f" ({w.until:%Y-%m-%d})" if w.until else "")
                  for w in agenda.waiting]
        lines.append("")
    if agenda.broken:
        lines += ["## Could not read", ""] + [f"- `{p}`" for b in agenda.broken for p in b.problems] + [""]
    return "\n".join(lines)


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def ics(agenda: Agenda) -> bytes:
    """Each action as a 30-minute event when its window opens (now, once that has passed), with its deadline."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//followup-rules//agenda//EN")
    calendar.add("version", "2.0")
    now = agenda.at.astimezone(timezone.utc)
    for item in agenda.items:
        event = Event()
        start = max(item.opens or now, now)
        event.add("uid", _uid(item))
        event.add("dtstamp", now)
        event.add("dtstart", start.astimezone(timezone.utc))
        event.add("dtend", start.astimezone(timezone.utc) + timedelta(minutes=30))
        event.add("summary", f"{item.company}: {item.what}")
        event.add("description", f"{_HEADINGS[item.urgency]}; {_by(item)}. {item.position}. "
                                 f"Case {item.case}, action {item.number}.")
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def _uid(item: Item) -> str:
    parts: tuple[Any, ...] = (item.case, item.company, item.position, item.action, *item.people)
    return f"{uuid.uuid5(_NAMESPACE, chr(31).join(str(p) for p in parts))}@followup-rules"


def subject(agenda: Agenda) -> str:
    """The digest mail's subject: what is due, in a few words."""
    counts = {bucket: sum(1 for i in agenda.items if i.urgency == bucket) for bucket in URGENCIES}
    said = [f"{counts[b]} {_HEADINGS[b].lower()}" for b in ("overdue", "today", "this week") if counts[b]]
    return f"Follow-up agenda for {agenda.at:%a %Y-%m-%d}: " + (", ".join(said) or "nothing due")
