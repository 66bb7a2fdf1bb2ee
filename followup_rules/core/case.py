"""A candidate's follow-up situation, loaded and checked from YAML or JSON."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from followup_rules.core import _schema
from followup_rules.core._cache import cached
from followup_rules.core._reading import STDIN, read_text
from followup_rules.core._yaml import Document, load_file, load_text
from followup_rules.core.limits import CASE_ITEMS, CASE_TEXT, calendar_hint, check_limits, within_calendar
from followup_rules.core.moments import parse_moment
from followup_rules.core.problems import Problem, UserError, did_you_mean


@dataclass(frozen=True)
class Person:
    """Someone at the employer the candidate may write to: an interviewer or another contact."""

    id: str
    name: str
    role: str = "other"
    email: str | None = None
    phone: str | None = None
    primary_contact: bool = False
    preferred_channel: str = "none"
    linkedin_connected: bool = False


@dataclass(frozen=True)
class Interviewer(Person):
    """A person who interviewed the candidate: the only people a thank-you is for."""

    lead: bool = False
    known_well: bool = False
    rapport: bool = False


@dataclass(frozen=True)
class Contact(Person):
    """A person at the employer who did not interview the candidate (a recruiter, a coordinator)."""


@dataclass(frozen=True)
class Interview:
    start: datetime
    end: datetime
    interviewers: tuple[Interviewer, ...]
    mode: str = "in_person"
    format: str = "one_on_one"
    technical_issues: bool = False
    self_assessment: str = "unknown"
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Message:
    at: datetime
    direction: str
    kind: str
    channel: str
    party: str | None = None
    body: str | None = None
    decision_date: date | None = None


@dataclass(frozen=True)
class Material:
    item: str
    origin: str
    requested_at: datetime | None = None
    sent_at: datetime | None = None
    party: str | None = None


@dataclass(frozen=True)
class Draft:
    kind: str
    channel: str
    to: tuple[str, ...]
    body: str
    at: datetime | None = None


@dataclass(frozen=True)
class Case:
    """A validated case. Times are aware; naive input times were read in `timezone`."""

    name: str
    candidate_name: str
    timezone: tzinfo
    timezone_name: str
    country: str | None
    subdivision: str | None
    job_search_active: bool
    company: str
    position: str
    industry: str
    culture: str
    internal: bool
    personal_touch: bool
    interviews: tuple[Interview, ...]
    decision_date: date | None
    no_contact_before: date | None
    instructed_contact: str | None
    instructed_channel: str | None
    instructed_materials: tuple[str, ...]
    messages: tuple[Message, ...]
    materials: tuple[Material, ...]
    competing_offer_status: str = "none"
    competing_offer_at: datetime | None = None
    competing_offer_company: str | None = None
    competing_offer_respond_by: date | None = None
    preferred: bool = False
    contacts: tuple[Contact, ...] = ()
    draft: Draft | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def interview(self) -> Interview:
        """The latest interview: the one follow-up is about."""
        return max(self.interviews, key=lambda i: i.end)

    def person(self, person_id: str) -> Person | None:
        """The interviewer or contact with this id."""
        for interview in self.interviews:
            for person in interview.interviewers:
                if person.id == person_id:
                    return person
        return next((c for c in self.contacts if c.id == person_id), None)

    def with_sent(self, sent: Sequence[Message], materials_at: datetime | None = None) -> Case:
        """The case as if `sent` (outgoing messages) had gone out, and, with `materials_at`, every
        pending material sent then: a projection, built without re-reading the case."""
        materials = self.materials if materials_at is None else tuple(
            replace(m, sent_at=materials_at) if m.sent_at is None else m for m in self.materials)
        return replace(self, messages=tuple(sorted((*self.messages, *sent), key=lambda m: m.at.timestamp())),
                       materials=materials)


def load_case(path: str | os.PathLike[str]) -> Case:
    """Load, validate and parse a case file (`-`: standard input); raises UserError with positions.

    A file whose exact bytes passed every check before is read from the disk cache, already parsed
    and checked: loading and checking cost more than the rest of advising one case, and cases are
    re-checked daily, rarely changed. Only a case that passed is cached, so a bad one is always
    read again and its problems reported at their places."""
    if str(path) == STDIN:
        return parse_case(load_file(path))
    name = str(path)
    text = read_text(path)
    checked: list[Case] = []

    def check() -> Any:
        doc = load_text(text, name)
        checked.append(parse_case(doc))
        return doc.data

    # The limits and checks of this version are part of the key: a case an older version passed is checked again.
    blob = text.encode() + json.dumps(_schema.schema("case"), sort_keys=True).encode() + b"limits-2"
    data = cached(f"case-{hashlib.sha256(blob).hexdigest()}.json", check)
    if checked:
        return checked[0]
    return parse_case(Document(name, data, reread=lambda: load_text(text, name)), schema_checked=True)


def _schema_check(doc: Document) -> bool:
    problems = _schema.validate(doc, "case") if isinstance(doc.data, dict) else []
    if problems:
        raise UserError(problems)
    return True


def case_from_mapping(data: Mapping[str, Any], name: str = "<memory>") -> Case:
    """Validate and parse a case given as a mapping (for the Python API); dates may be objects."""
    doc = Document(name, _as_text(dict(data)))
    return parse_case(doc)


def _as_text(value: Any) -> Any:
    """The mapping with date and datetime objects (as `yaml.safe_load` makes them) in ISO form."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    return value


def case_from_text(text: str, name: str = "<input>") -> Case:
    return parse_case(load_text(text, name))


def parse_case(doc: Document, schema_checked: bool = False) -> Case:
    """Check and build a case from a loaded document."""
    if not isinstance(doc.data, dict):
        raise UserError([doc.problem((), "FR006", "a case must be a mapping with `candidate:`, "
                                     "`application:` and `interviews:`")])
    problems = check_limits(doc, CASE_ITEMS, CASE_TEXT)
    if problems:
        raise UserError(problems)
    if not schema_checked:
        _schema_check(doc)
    return _Parser(doc).case()


class _Parser:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.tz: tzinfo = ZoneInfo("UTC")

    def case(self) -> Case:
        data = self.doc.data
        cand = data["candidate"]
        self.tz = self._zone(cand["timezone"])
        app = data["application"]
        interviews = tuple(self._interview(i, raw) for i, raw in enumerate(data["interviews"]))
        contacts = tuple(Contact(**c) for c in data.get("contacts") or ())
        ids = self._check_ids(interviews, contacts)
        employer = data.get("employer") or {}
        instr = employer.get("instructions") or {}
        messages = tuple(self._message(i, m, ids) for i, m in enumerate(data.get("messages") or []))
        materials = tuple(self._material(i, m, ids) for i, m in enumerate(data.get("materials") or []))
        offer = data.get("competing_offer") or {}
        contact = instr.get("contact")
        if contact is not None and contact not in ids:
            self._unknown_person(("employer", "instructions", "contact"), contact, ids)
        country = cand.get("country")
        if country:
            self._check_country(country, cand.get("subdivision"))
        elif cand.get("subdivision"):
            self.problems.append(self.doc.problem(("candidate", "subdivision"), "FR045",
                                                  f"subdivision {cand['subdivision']!r} without a country",
                                                  "add `country:` (e.g. US for the subdivision CA), or remove it"))
        case = Case(
            name=self.doc.name,
            candidate_name=cand["name"],
            timezone=self.tz,
            timezone_name=cand["timezone"],
            country=country,
            subdivision=cand.get("subdivision"),
            job_search_active=cand.get("job_search_active", True),
            company=app["company"],
            position=app["position"],
            industry=app.get("industry", "other"),
            culture=app.get("culture", "unknown"),
            internal=app.get("internal", False),
            personal_touch=app.get("personal_touch", False),
            interviews=interviews,
            decision_date=self._date(("employer", "decision_date"), employer.get("decision_date")),
            no_contact_before=self._date(("employer", "instructions", "no_contact_before"),
                                         instr.get("no_contact_before")),
            instructed_contact=contact,
            instructed_channel=instr.get("channel"),
            instructed_materials=tuple(instr.get("materials") or ()),
            messages=tuple(sorted(messages, key=lambda m: m.at)),
            materials=materials,
            competing_offer_status=offer.get("status", "none"),
            competing_offer_at=self._moment(("competing_offer", "received_at"), offer.get("received_at")),
            competing_offer_company=offer.get("company"),
            competing_offer_respond_by=self._date(("competing_offer", "respond_by"), offer.get("respond_by")),
            preferred=app.get("preferred", False),
            contacts=contacts,
            draft=self._draft(data.get("draft"), ids),
            raw=data,
        )
        if self.problems:
            raise UserError(self.problems)
        return case

    def _zone(self, name: str) -> tzinfo:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
            self.problems.append(self.doc.problem(("candidate", "timezone"), "FR041",
                                                  f"unknown timezone {name!r}",
                                                  did_you_mean(name, available_timezones())
                                                  or "use an IANA name such as 'America/New_York'"))
            return ZoneInfo("UTC")

    def _check_country(self, country: str, subdivision: str | None) -> None:
        from followup_rules.core.business_days import BusinessCalendar

        try:
            BusinessCalendar(country, subdivision)  # checks the codes; holidays load only when needed
        except ValueError as exc:
            self.problems.append(self.doc.problem(("candidate", "country"), "FR045", str(exc)))

    def _moment(self, path: tuple[Any, ...], text: str | None) -> datetime | None:
        if text is None:
            return None
        try:
            moment: datetime | None = parse_moment(str(text), self.tz)
        except OverflowError:  # at an end of Python's calendar, read in the timezone
            moment = None
        except ValueError as exc:
            self.problems.append(self.doc.problem(path, "FR040", f"bad timestamp {text!r}: {exc}",
                                                  "use ISO 8601, e.g. 2025-03-06T14:00:00-05:00"))
            return datetime(1970, 1, 1, tzinfo=self.tz)
        if moment is None or not within_calendar(moment):
            self.problems.append(self.doc.problem(path, "FR040", f"timestamp {text!r} is outside the supported "
                                                  "calendar", calendar_hint()))
            return datetime(1970, 1, 1, tzinfo=self.tz)
        return moment

    def _date(self, path: tuple[Any, ...], text: str | None) -> date | None:
        if text is None:
            return None
        try:
            day = date.fromisoformat(str(text))
        except ValueError:
            self.problems.append(self.doc.problem(path, "FR040", f"bad date {text!r}",
                                                  "use YYYY-MM-DD, e.g. 2025-03-14"))
            return None
        if not within_calendar(day):
            self.problems.append(self.doc.problem(path, "FR040", f"date {text!r} is outside the supported calendar",
                                                  calendar_hint()))
            return None
        return day

    def _interview(self, index: int, raw: Mapping[str, Any]) -> Interview:
        path = ("interviews", index)
        known = len(self.problems)
        start = self._moment(path + ("start",), raw["start"])
        end = self._moment(path + ("end",), raw["end"])
        assert start is not None and end is not None
        if end < start and len(self.problems) == known:  # a bad time is its own problem, not this one
            self.problems.append(self.doc.problem(path + ("end",), "FR043",
                                                  "the interview ends before it starts"))
        people = tuple(Interviewer(**p) for p in raw["interviewers"])
        fmt = raw.get("format") or ("one_on_one" if len(people) == 1 else "multiple")
        return Interview(start=start, end=end, interviewers=people, mode=raw.get("mode", "in_person"),
                         format=fmt, technical_issues=raw.get("technical_issues", False),
                         self_assessment=raw.get("self_assessment", "unknown"),
                         topics=tuple(raw.get("topics") or ()))

    def _check_ids(self, interviews: tuple[Interview, ...], contacts: tuple[Contact, ...]) -> list[str]:
        seen: dict[str, Person] = {}
        places: list[tuple[tuple[Any, ...], Person]] = [
            (("interviews", i, "interviewers", j, "id"), person)
            for i, interview in enumerate(interviews) for j, person in enumerate(interview.interviewers)]
        places += [(("contacts", k, "id"), contact) for k, contact in enumerate(contacts)]
        for path, person in places:
            if person.id in seen and seen[person.id] != person:
                self.problems.append(self.doc.problem(path, "FR044", f"id {person.id!r} is used for two "
                                                      "different people", "an interviewer and a contact "
                                                      "need ids of their own"))
            seen[person.id] = person
        return list(seen)

    def _unknown_person(self, path: tuple[Any, ...], person: str, ids: list[str]) -> None:
        self.problems.append(self.doc.problem(path, "FR042", f"no interviewer or contact has id {person!r}",
                                              did_you_mean(person, ids) or "known ids: " + ", ".join(ids)))

    def _message(self, index: int, raw: Mapping[str, Any], ids: list[str]) -> Message:
        path = ("messages", index)
        party = raw.get("party")
        if party is not None and party not in ids:
            self._unknown_person(path + ("party",), party, ids)
        at = self._moment(path + ("at",), raw["at"])
        assert at is not None
        return Message(at=at, direction=raw["direction"], kind=raw["kind"], channel=raw["channel"],
                       party=party, body=raw.get("body"),
                       decision_date=self._date(path + ("decision_date",), raw.get("decision_date")))

    def _material(self, index: int, raw: Mapping[str, Any], ids: list[str]) -> Material:
        path = ("materials", index)
        party = raw.get("party")
        if party is not None and party not in ids:
            self._unknown_person(path + ("party",), party, ids)
        return Material(item=raw["item"], origin=raw["origin"],
                        requested_at=self._moment(path + ("requested_at",), raw.get("requested_at")),
                        sent_at=self._moment(path + ("sent_at",), raw.get("sent_at")), party=party)

    def _draft(self, raw: Mapping[str, Any] | None, ids: list[str]) -> Draft | None:
        if raw is None:
            return None
        to = tuple(raw.get("to") or ())
        for i, person in enumerate(to):
            if person not in ids:
                self._unknown_person(("draft", "to", i), person, ids)
        return Draft(kind=raw.get("kind", "follow_up"), channel=raw.get("channel", "email"), to=to,
                     body=raw.get("body", ""), at=self._moment(("draft", "at"), raw.get("at")))
