"""The docket: what is due across every application, most urgent first, and what waits on employers.

Each case is advised as `followup advise` would advise it (one selection per case, the pipeline's
own); each action becomes one `Item` with the company, the people by name, what to do and by when.
A case that fails to load is a `Broken` entry with its problems; the others are still advised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from followup_rules.core.case import Case, load_case
from followup_rules.core.moments import start_of_day
from followup_rules.core.problems import Problem, UserError
from followup_rules.pipeline import Selection, advise, moment
from followup_rules.resolve.advice import Action, Advice
from followup_rules.resolve.wording import names_of, title
from followup_rules.rules.profile import PROFILE_NAME

#: Urgency buckets, most urgent first.
URGENCIES: tuple[str, ...] = ("overdue", "today", "this week", "upcoming")
#: Days ahead (today included) that count as "this week".
WEEK = 7


def urgency(action: Action, at: datetime, tz: Any) -> str:
    """How urgent an action is at `at`, as the advice says it: overdue; today (open now, or planned
    for today); this week (planned within seven days, a projected step too); else upcoming.

    Within a bucket the agenda lists the nearest deadline first, as `advise` does.
    """
    if action.state == "overdue":
        return "overdue"
    if action.state == "open" and action.projected is None:
        return "today"
    window = action.window
    if window is None:
        return "upcoming"
    day = at.astimezone(tz).date()
    if window.target < start_of_day(day + timedelta(days=1), tz):
        return "today"
    if window.target < start_of_day(day + timedelta(days=WEEK), tz):
        return "this week"
    return "upcoming"


@dataclass(frozen=True)
class Item:
    """One action of one application, as the agenda lists it."""

    urgency: str
    due: datetime | None
    opens: datetime | None
    company: str
    position: str
    people: tuple[str, ...]
    action: str
    what: str
    state: str
    case: str
    number: int

    def to_dict(self) -> dict[str, Any]:
        return {"urgency": self.urgency, "due": _iso(self.due), "opens": _iso(self.opens), "company": self.company,
                "position": self.position, "people": list(self.people), "action": self.action, "what": self.what,
                "state": self.state, "case": self.case, "number": self.number}


@dataclass(frozen=True)
class Waiting:
    """An application where the next move is the employer's: why, and until when."""

    company: str
    position: str
    reason: str
    until: date | datetime | None
    case: str

    def to_dict(self) -> dict[str, Any]:
        return {"company": self.company, "position": self.position, "reason": self.reason,
                "until": _iso(self.until), "case": self.case}


@dataclass(frozen=True)
class Broken:
    """A case file that could not be advised, with its problems."""

    case: str
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case, "problems": [p.to_dict() for p in self.problems]}


@dataclass(frozen=True)
class Agenda:
    at: datetime
    items: tuple[Item, ...]
    waiting: tuple[Waiting, ...]
    broken: tuple[Broken, ...]
    cases: int

    @property
    def all_broken(self) -> bool:
        return bool(self.broken) and len(self.broken) == self.cases

    def to_dict(self) -> dict[str, Any]:
        return {"at": _iso(self.at), "cases": self.cases, "items": [i.to_dict() for i in self.items],
                "waiting": [w.to_dict() for w in self.waiting], "broken": [b.to_dict() for b in self.broken]}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def case_files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The case files named, and the .yaml, .yml and .json files directly inside the folders named
    (hidden files and the profile, followup.yaml, left out)."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
                            and not p.name.startswith(".") and p.name != PROFILE_NAME)
        else:
            files.append(path)
    return files


def build_agenda(files: Iterable[Path], at: datetime | str | None,
                 choose: Callable[[Case], Selection]) -> Agenda:
    """The agenda of the case files at `at` (None: now; naive: each candidate's own zone)."""
    items: list[Item] = []
    waiting: list[Waiting] = []
    broken: list[Broken] = []
    count = 0
    first_at: datetime | None = None
    for path in files:
        count += 1
        try:
            case = load_case(path)
            when = moment(at, case)
            advice = advise(case, when, choose(case))
        except UserError as exc:
            broken.append(Broken(str(path), tuple(exc.problems)))
            continue
        first_at = first_at or when
        items += _items(case, advice, str(path))
        reason = _waiting(case, advice)
        if reason is not None:
            waiting.append(Waiting(case.company, case.position, reason[0], reason[1], str(path)))
    rank = {name: i for i, name in enumerate(URGENCIES)}
    items.sort(key=lambda i: (rank[i.urgency], i.due.timestamp() if i.due else float("inf"), i.company, i.number))
    waiting.sort(key=lambda w: (str(w.until or "9999"), w.company))
    return Agenda(first_at or _now(at), tuple(items), tuple(waiting), tuple(broken), count)


def _now(at: datetime | str | None) -> datetime:
    from datetime import timezone

    return at if isinstance(at, datetime) else datetime.now(timezone.utc)


def _items(case: Case, advice: Advice, path: str) -> list[Item]:
    result = []
    for number, action in enumerate(advice.actions, 1):
        names = names_of(case, action.to)
        window = action.window
        # An open window without a close is due now, with no deadline to show.
        due = None if window is None else (window.closes or (window.target if action.state == "upcoming" else None))
        result.append(Item(urgency(action, advice.at, case.timezone), due, window.opens if window else None,
                           case.company, case.position, names, action.action,
                           title(action, names),
                           action.state, path, number))
    return result


def _waiting(case: Case, advice: Advice) -> tuple[str, date | datetime | None] | None:
    """Why the next move is the employer's, if it is: nothing to send now, and an answer pending."""
    evaluation = advice.evaluation
    if evaluation is None:
        return None
    facts = evaluation.facts
    if facts["rejection.received"] or facts["offer.received"]:
        return None
    to_employer = [a for a in advice.actions if a.to]
    if any(a.state in ("open", "overdue") and a.action in ("send_follow_up", "place_call") for a in to_employer):
        return None
    if facts["instructions.no_contact_active"]:
        return "they asked not to be contacted before then", case.no_contact_before
    decision = facts.anchors.get("decision_date")
    if isinstance(decision, date) and not facts["decision_date.passed"]:
        return "they said they would decide by then", decision
    upcoming = [a for a in to_employer if a.state == "upcoming" and a.window is not None]
    if upcoming:
        first = min(upcoming, key=lambda a: a.window.opens if a.window else advice.at)
        return "waiting for an answer; the next step opens then", first.window.opens if first.window else None
    return None
