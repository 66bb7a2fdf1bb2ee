"""Advice in plain words: who is who by name, one sentence per action, and the order of urgency."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any, Mapping, Sequence

from followup_rules.core.case import Case
from followup_rules.core.moments import local_date
from followup_rules.resolve.advice import Action

_STATE_RANK = {"overdue": 0, "open": 1, "upcoming": 2}
_CHANNEL_NOUN = {"email": "email", "note_hand_delivered": "handwritten note", "note_mailed": "note",
                 "letter": "letter", "linkedin": "LinkedIn message"}
_TITLES: Mapping[str, str] = {
    "send_thank_you": "Send thank-you to {who}",
    "place_call": "Call {who}",
    "send_materials": "Send materials to {who}",
    "share_resource": "Share a resource with {who}",
    "respond_to_rejection": "Reply to {who} about the rejection",
    "request_feedback": "Ask {who} for feedback",
    "notify_competing_offer": "Tell {who} about the competing offer",
}
#: What each action asks of the candidate, as the start of a sentence ({who}: names, {noun}: channel).
_SENTENCES: Mapping[str, str] = {
    "send_thank_you": "Send {who} a thank-you {noun}",
    "place_call": "Call {who}",
    "send_materials": "Send {who} the materials you owe them",
    "share_resource": "Share a relevant article or resource with {who}",
    "connect_linkedin": "Ask {who} to connect on LinkedIn (with a short personal note)",
    "continue_job_search": "Keep applying for other jobs while you wait",
    "stop_following_up": "Stop following up on this application and move on",
    "respond_to_rejection": "Reply graciously to {who} about the rejection",
    "request_feedback": "Ask {who} for feedback on your interview",
    "notify_competing_offer": "Tell {who} about your written offer from another company",
    "comply_with_instructions": "Follow the employer's instructions for following up",
    "ask_next_steps": "Before the interview ends, ask who will contact you and when",
    "set_reminder": "Note {about} in your calendar",
}


def names_of(case: Case, people: Sequence[str]) -> tuple[str, ...]:
    """People's names for ids (an unknown id stands for itself)."""
    return tuple(person.name if (person := case.person(p)) else p for p in people)


def joined(names: Sequence[str], empty: str = "the employer") -> str:
    """"A", "A and B", "A, B and C"."""
    if not names:
        return empty
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def title(action: Action, names: Sequence[str], final: bool = False) -> str:
    """A short imperative line for an action: ``Send follow-up #1 to Pat Lee``, ``Call Pat Lee``."""
    who = joined(names)
    if action.action == "send_follow_up":
        return f"Send {'final ' if final else ''}follow-up #{action.ordinal or 1} to {who}"
    if action.action in _TITLES:
        return _TITLES[action.action].format(who=who)
    return _what(action, names, action.about.tzinfo if action.about else None)


def day(moment: datetime, at: datetime, tz: tzinfo) -> str:
    """A day as a person says it from `at`: today, tomorrow, a weekday within the week, else the date."""
    days = (local_date(moment, tz) - local_date(at, tz)).days
    local = moment.astimezone(tz)
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if 1 < days < 7:
        return f"{local:%a}"
    return f"{local:%a} {local.day} {local:%b}"


def _date(moment: datetime, tz: tzinfo | None) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}"


def moment_text(moment: datetime, at: datetime, tz: tzinfo) -> str:
    """A day and time: "today 15:00", "tomorrow 09:00", "Fri 15:00", "Mon 17 Mar 10:00"."""
    return f"{day(moment, at, tz)} {moment.astimezone(tz):%H:%M}"


def _by(closes: datetime, at: datetime, tz: tzinfo) -> str:
    """A close as a deadline; a close at midnight is the end of the day before ("by the end of Fri")."""
    local = closes.astimezone(tz)
    if local.hour == 0 and local.minute == 0:
        return f"by the end of {day(closes - timedelta(minutes=1), at, tz)}"
    return f"by {moment_text(closes, at, tz)}"


def sentence(action: Action, names: Sequence[str], at: datetime, tz: tzinfo) -> str:
    """One plain sentence: what to do, for whom, and by when ("Send Rosa Hernandez a thank-you email
    today, by Fri 15:00.")."""
    what = _what(action, names, tz)
    when = _timing(action, at, tz)
    return f"{what}{' ' + when if when else ''}."


def _what(action: Action, names: Sequence[str], tz: tzinfo | None) -> str:
    """What to do, for whom, without the when: the start of the action's sentence."""
    noun = _CHANNEL_NOUN.get(action.channel or "email", "message")
    if action.action == "send_follow_up":
        final = "final " if (action.ordinal or 1) >= 2 else ""
        if action.channel in ("phone_call", "voicemail"):
            return f"Call {joined(names)} for a {final}follow-up (#{action.ordinal or 1}) about the decision"
        return f"Send {joined(names)} a {final}follow-up {noun} (#{action.ordinal or 1}) asking about the decision"
    about = f"{action.about_name}, {_date(action.about, tz or action.about.tzinfo)}," if action.about else "the date"
    template = _SENTENCES.get(action.action, action.action.replace("_", " ").capitalize())
    return template.format(who=joined(names), noun=noun, about=about)


def _timing(action: Action, at: datetime, tz: tzinfo) -> str:
    window = action.window
    if window is None:
        return ""
    closes = window.closes
    if action.projected:
        return f"{action.projected}, around {moment_text(window.target, at, tz)}"
    if action.state == "overdue":
        return f"as soon as you can (it was due {_by(closes, at, tz)})" if closes else "as soon as you can"
    if closes is None:
        return "" if action.state == "open" else f"from {moment_text(window.target, at, tz)}"
    if action.state == "upcoming":
        same_day = local_date(window.target, tz) == local_date(closes, tz) or _by(closes, at, tz).startswith(
            "by the end of " + day(window.target, at, tz))
        return f"on {moment_text(window.target, at, tz)}" + ("" if same_day else f", {_by(closes, at, tz)}")
    start = "today" if window.target.timestamp() <= at.timestamp() else moment_text(window.target, at, tz)
    deadline = _by(closes, at, tz)
    if deadline != "by the end of today":
        deadline = f"{start}, {deadline.replace('by today ', 'by ')}"
    # A soft close is a reasonable timeframe, not a source's deadline.
    return deadline.replace(" by ", " ideally by ", 1).replace("by the end", "ideally by the end", 1) if window.soft \
        else deadline


def urgency(action: Action) -> tuple[Any, ...]:
    """Sort key: overdue first, then open by nearest close, then upcoming by target; projected last."""
    window = action.window
    inf = float("inf")
    if window is None:
        return (_STATE_RANK.get(action.state, 3), 1, inf, inf, action.action)
    close = window.closes.timestamp() if window.closes else inf
    target = window.target.timestamp()
    first, second = (close, target) if action.state == "open" else (target, close)
    return (_STATE_RANK.get(action.state, 3), 1 if action.projected else 0, first, second, action.action,
            action.ordinal or 0)
