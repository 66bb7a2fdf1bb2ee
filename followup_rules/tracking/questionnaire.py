"""The questions `followup new` asks to build a case, each with a default, an example and a check.

Every answer is plain text read by the question's `read`, which returns the value for the case or
raises ValueError with a sentence saying what is wrong and how to write it, so a wrong answer is
asked again (interactively) or is one error line (with flags). `case_text` turns the answers into
the YAML of a valid case.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Callable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from followup_rules.core.problems import did_you_mean
from followup_rules.core.vocabulary import INDUSTRIES, MODES, ROLES

_NO = frozenset({"", "no", "n", "none", "-"})


@dataclass(frozen=True)
class Question:
    """One question: its answer's key, what is asked, an example, a default and how the answer is read."""

    key: str
    ask: str
    example: str
    read: Callable[[str], Any]
    default: Callable[[], str] = lambda: ""
    required: bool = True


def read_zone(text: str) -> str:
    """An IANA zone, also from a city ("new york" is America/New_York)."""
    name = text.strip()
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    city = _by_city().get(name.lower().replace("_", " "))
    if city:
        return city
    hint = did_you_mean(name, available_timezones())
    raise ValueError(f"{name!r} is not a timezone" + (f"; {hint}" if hint else "; write it as Europe/Berlin"))


@lru_cache(maxsize=1)
def _by_city() -> dict[str, str]:
    return {zone.rsplit("/", 1)[-1].lower().replace("_", " "): zone for zone in sorted(available_timezones())
            if "/" in zone}


def read_choice(values: Sequence[str]) -> Callable[[str], str]:
    """A reader of one of `values`, written with spaces or underscores, or by its start ("hiring")."""
    def read(text: str) -> str:
        word = "_".join(text.strip().lower().replace("-", " ").split())
        aliases = {"recruiter": "recruiter_hr", "hr": "recruiter_hr", "coordinator": "recruiter_hr",
                   "manager": "hiring_manager", "team": "team_member", "onsite": "in_person",
                   "video": "virtual", "remote": "virtual"}
        word = aliases.get(word, word)
        starting = [v for v in values if v.startswith(word)] if word else []
        if word in values or len(starting) == 1:
            return word if word in values else starting[0]
        raise ValueError(f"{text.strip()!r} is not one of {', '.join(values)}")
    return read


def read_moment(text: str) -> datetime:
    """A local date and time: "2025-03-06 14:00", "2025-03-06 2pm", "today 9:30", "yesterday 4:15pm"."""
    match = re.fullmatch(r"\s*(\S+)[\sT]+(\d{1,2})(?:[:.h](\d{2}))?\s*([ap]\.?m\.?)?\s*", text, re.IGNORECASE)
    if match is None:
        raise ValueError(f"{text.strip()!r} is not a date and time; write it as 2025-03-06 14:00 (or 2pm)")
    day = read_date(match.group(1))
    hour, minute = int(match.group(2)), int(match.group(3) or 0)
    half = (match.group(4) or "").lower().replace(".", "")
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text.strip()!r}: {hour}{half} is not an hour")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text.strip()!r}: {hour}:{minute:02d} is not a time of day")
    return datetime.combine(day, time(hour, minute))


def read_date(text: str) -> date:
    """A date: "2025-03-14", "today", "tomorrow" or "yesterday"."""
    word = text.strip().lower()
    relative = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if word in relative:
        return date.today() + timedelta(days=relative[word])
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a date; write it as 2025-03-14") from None


def read_optional(read: Callable[[str], Any]) -> Callable[[str], Any]:
    """`read`, except that an empty answer or "no" means none."""
    def optional(text: str) -> Any:
        return None if text.strip().lower() in _NO else read(text)
    return optional


def read_minutes(text: str) -> int:
    if not text.strip().isdigit() or not 5 <= int(text) <= 600:
        raise ValueError(f"{text.strip()!r} is not a number of minutes between 5 and 600")
    return int(text)


def read_text(text: str) -> str:
    words = " ".join(text.split())
    if not words:
        raise ValueError("an answer is needed here")
    return words


def read_country(text: str) -> str | None:
    from followup_rules.core.business_days import BusinessCalendar

    code = text.strip().upper()
    if code.lower() in _NO:
        return None
    try:
        BusinessCalendar(code, None)
    except ValueError as exc:
        raise ValueError(f"{text.strip()!r}: {exc}") from None
    return code


def read_email(text: str) -> str | None:
    address = text.strip()
    if address.lower() in _NO:
        return None
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        raise ValueError(f"{address!r} is not an email address; write it as pat@example.com")
    return address


def read_topics(text: str) -> list[str]:
    return [topic.strip() for topic in text.split(",") if topic.strip()]


def read_person(text: str) -> dict[str, Any]:
    """A person in one line, as scripts give it: "Pat Lee, hiring_manager, pat@example.com"."""
    parts = [part.strip() for part in re.split(r"[,;]", text)]
    if not parts or not parts[0]:
        raise ValueError(f"{text!r}: give a name, then optionally a role and an email: "
                         "\"Pat Lee, hiring_manager, pat@example.com\"")
    person: dict[str, Any] = {"name": read_text(parts[0])}
    if len(parts) > 1 and parts[1]:
        person["role"] = read_choice(ROLES)(parts[1])
    if len(parts) > 2 and parts[2]:
        person["email"] = read_email(parts[2])
    return person


def _local_zone() -> str:
    """This machine's IANA zone, if it can be told; else none."""
    import os
    from pathlib import Path

    named = os.environ.get("TZ", "").lstrip(":")
    if not named:
        link = Path("/etc/localtime")
        target = str(link.resolve()) if link.is_symlink() else ""
        named = target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else ""
    try:
        return read_zone(named) if named else ""
    except ValueError:
        return ""


#: The questions asked once, in order; people are asked for in a loop of PERSON questions.
QUESTIONS: tuple[Question, ...] = (
    Question("name", "Your name", "Alex Rivera", read_text),
    Question("timezone", "Your timezone (a city or an IANA name)", "America/New_York", read_zone,
             default=lambda: _local_zone()),
    Question("country", "Your country, for public holidays (two letters; empty for none)", "US",
             read_country, required=False),
    Question("company", "The company", "Northwind Analytics", read_text),
    Question("position", "The role you applied for", "Data Engineer", read_text),
    Question("industry", f"The industry ({', '.join(INDUSTRIES)})", "tech", read_choice(INDUSTRIES),
             default=lambda: "other"),
    Question("interview", "When the interview started (your local date and time)", "2025-03-06 14:00",
             read_moment),
    Question("minutes", "How long it lasted, in minutes", "60", read_minutes, default=lambda: "60"),
    Question("mode", f"How it took place ({', '.join(MODES)})", "virtual", read_choice(MODES),
             default=lambda: "in_person"),
    Question("topics", "Topics you discussed, separated by commas (empty for none)",
             "streaming pipeline migration, on-call rotation", read_topics, required=False),
    Question("decision_date", "The date they said they would decide by (empty if none was given)", "2025-03-14",
             read_optional(read_date), required=False),
    Question("thanked", "When you sent your thank-you (date and time; empty if not yet)", "2025-03-06 18:30",
             read_optional(read_moment), required=False),
)

#: Asked for each interviewer and each other contact.
PERSON: tuple[Question, ...] = (
    Question("name", "Name", "Pat Lee", read_text),
    Question("role", f"Role ({', '.join(ROLES)})", "hiring_manager", read_choice(ROLES), default=lambda: "other"),
    Question("email", "Email (empty if you do not have it)", "pat@example.com", read_email, required=False),
)


def person_id(name: str, taken: Sequence[str]) -> str:
    """A short id from a name ("Pat Lee" is pat; a second Pat is pat-lee)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain) or ["person"]
    for candidate in (words[0], "-".join(words)):
        if candidate not in taken:
            return candidate
    number = 2
    while f"{words[0]}{number}" in taken:
        number += 1
    return f"{words[0]}{number}"
