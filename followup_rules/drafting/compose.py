"""Drafts of the messages actions ask for, filled from the case by sandboxed Jinja2 templates.

A template is plain text; a first line ``Subject: ...`` becomes the subject. Besides the case's
data (see ``_context``) a template calls ``say(code, ...)`` for the sentences of the content codes
the action includes, ``line(code)`` for a sentence it always wants, ``covered(code, ...)`` for codes
its own text already says, and ``rest()`` for the included codes it did not place. A code without
a sentence, or whose sentence would break the message's style, is left out, never printed raw.
Templates shipped in ``followup_rules/drafting/templates`` and template strings from rulesets or plugins
run in the same ``ImmutableSandboxedEnvironment``: no attribute of Python internals, no file
outside the shipped templates, no unbounded repetition."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from followup_rules.core.problems import UserError
from followup_rules.drafting.kinds import (
    CASE_KINDS,
    INDIVIDUAL_KINDS,
    KINDS,
    ONE_CONTACT_KINDS,
    THANK_YOU_KINDS,
    kind_of,
)
from followup_rules.drafting.sandbox import render
from followup_rules.drafting.sentences import Speaker
from followup_rules.facts.draft_text import analyse

if TYPE_CHECKING:
    from followup_rules.core.artifact import Artifact
    from followup_rules.core.case import Case, Person
    from followup_rules.facts.derive import Facts
    from followup_rules.resolve.advice import Action, Advice

#: LinkedIn's limit on a connection request's note, in characters.
LINKEDIN_LIMIT = 300
#: Paragraphs a ``concise`` style allows when the rule gives no number (ARCHITECTURE.md).
CONCISE_PARAGRAPHS = 3
#: Paragraphs a ``brief_and_pleasant`` style allows.
BRIEF_PARAGRAPHS = 2

_TEMPLATE_FILES: Mapping[str, str] = {kind: f"{kind}.txt.j2" for kind in KINDS}
_TITLES = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "mx"})
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


@dataclass(frozen=True)
class Composition:
    """A message ready to send: for whom, its subject and body, and the template it came from."""

    kind: str
    to: tuple[str, ...]
    names: tuple[str, ...]
    subject: str
    body: str
    template: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "to": list(self.to), "names": list(self.names), "subject": self.subject,
                "body": self.body, "template": self.template}


def facts_for(case: "Case", advice: "Advice") -> "Facts":
    """The facts drafting reads: those of the advice's own evaluation, so drafting evaluates nothing again."""
    evaluation = advice.evaluation
    if evaluation is not None and evaluation.at == advice.at and evaluation.case == case:
        return evaluation.facts
    from followup_rules.pipeline import facts_of

    return facts_of(case, advice.at)[0]


def _recipients(action: "Action", case: "Case", advice: "Advice", kind: str) -> tuple[str, ...]:
    people = facts_for(case, advice).people
    primary = people["primary_contact"][0]
    to = _addressees(action, case, advice, kind)
    if kind == "thank_you_group_lead":
        lead = people["lead_interviewer"][0]
        return (lead,) if lead in to else to[:1]
    if kind in ONE_CONTACT_KINDS:
        return (primary,) if primary in to else to[:1]
    if kind in INDIVIDUAL_KINDS:
        return to[:1]
    return to


def _addressees(action: "Action", case: "Case", advice: "Advice", kind: str) -> tuple[str, ...]:
    """The action's people who may receive a message of `kind`; without any, the one it goes to by default.

    Thanks are for the interview: only the people who were in it receive them, never a contact."""
    people = facts_for(case, advice).people
    if kind in THANK_YOU_KINDS:
        interviewers = people["all_interviewers"]
        return tuple(p for p in action.to if p in interviewers) or people["lead_interviewer"]
    return action.to or people["primary_contact"]


def messages(action: "Action", case: "Case", advice: "Advice", kind: str | None = None) -> tuple["Action", ...]:
    """The action as the messages to send: one per person for individual notes, one to the primary
    contact for status messages, else the action itself. Each has the recipients `compose` will use."""
    kind = kind or kind_of(action)
    to = _addressees(action, case, advice, kind)
    if kind in INDIVIDUAL_KINDS and len(to) > 1:
        return tuple(replace(action, to=(person,)) for person in to)
    return (replace(action, to=_recipients(action, case, advice, kind)),)


def long_date(day: date) -> str:
    """A date as in a letter: "Thursday, March 6"."""
    return f"{_WEEKDAYS[day.weekday()]}, {_MONTHS[day.month - 1]} {day.day}"


def _names(names: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _person(person: "Person") -> dict[str, Any]:
    words = person.name.split()
    titled = len(words) > 2 and words[0].rstrip(".").lower() in _TITLES
    first = words[1] if titled else words[0]
    addressed = f"{words[0]} {words[-1]}" if titled else first
    return {"id": person.id, "name": person.name, "first_name": first, "addressed": addressed,
            "role": person.role, "email": person.email or "", "phone": person.phone or ""}


def _pending_materials(case: "Case", to: Sequence[str], at: datetime) -> list[str]:
    items = [m.item for m in case.materials
             if (m.sent_at is None or m.sent_at > at) and (m.party is None or m.party in to)]
    return list(dict.fromkeys([*items, *case.instructed_materials]))


def _context(case: "Case", advice: "Advice", kind: str, to: Sequence[str]) -> dict[str, Any]:
    from followup_rules.core.moments import local_date

    at = advice.at
    facts = facts_for(case, advice)
    interview = case.interview
    people: dict[str, Person] = {p.id: p for p in interview.interviewers}
    for i in case.interviews:
        for p in i.interviewers:
            people.setdefault(p.id, p)
    for contact in case.contacts:
        people.setdefault(contact.id, contact)
    recipients = [_person(people[pid]) for pid in to if pid in people]
    others = [p.name for p in interview.interviewers if p.id not in to]
    topics = [t.strip().strip(".,;:!?") for t in interview.topics if t.strip()]
    decision = facts.anchors.get("decision_date")
    materials = _pending_materials(case, to, at)
    first = case.candidate_name.split()[0]
    return {
        "kind": kind,
        "candidate": {"name": case.candidate_name, "first_name": first},
        "company": case.company,
        "position": case.position,
        "industry": case.industry,
        "culture": case.culture,
        "interview": {"date": long_date(local_date(interview.start, case.timezone)), "mode": interview.mode,
                      "format": interview.format, "technical_issues": interview.technical_issues,
                      "topics": topics, "verb": "meet" if interview.mode == "in_person" else "speak"},
        "topic": topics[0] if topics else "",
        "decision_date": long_date(decision) if isinstance(decision, date) else "",
        "decision_passed": bool(facts["decision_date.passed"]),
        "recipient": recipients[0] if recipients else {"name": "", "first_name": "", "addressed": ""},
        "recipients": recipients,
        "salutation": "Dear " + _names([r["addressed"] for r in recipients]) + "," if recipients else "Hello,",
        "others": _names(others),
        "offer_status": case.competing_offer_status,
        "materials": materials,
        "materials_text": _names(materials) if materials else "the materials we discussed",
    }


def _tidy(text: str) -> str:
    """Trailing spaces and doubled spaces gone, at most one blank line between blocks, one final newline."""
    lines = [re.sub(r"(?<=\S) {2,}", " ", line).strip() if line.strip() else "" for line in text.split("\n")]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return joined + "\n"


def _split_subject(text: str) -> tuple[str, str]:
    first, _, rest = text.lstrip("\n").partition("\n")
    if first.startswith("Subject:"):
        return first[len("Subject:"):].strip(), rest
    return "", text


def _max_paragraphs(action: "Action") -> int | None:
    limits = [s.max_paragraphs or CONCISE_PARAGRAPHS for s in action.style if s.code == "concise"]
    limits += [BRIEF_PARAGRAPHS for s in action.style if s.code == "brief_and_pleasant"]
    return min(limits) if limits else None


def _fit_paragraphs(body: str, limit: int) -> str:
    """Merge the shortest neighbouring paragraphs until the body has at most `limit` (as the rules count)."""
    while analyse(body, spelling=False).paragraphs > limit:
        blocks = body.rstrip("\n").split("\n\n")
        # The greeting is the first block and the sign-off the last; only the content between merges.
        inner = list(range(1, len(blocks) - 1))
        if len(inner) < 2:
            break
        pairs = [(len(blocks[i]) + len(blocks[i + 1]), i) for i in inner[:-1]]
        _, i = min(pairs)
        blocks[i:i + 2] = [blocks[i] + " " + blocks[i + 1].replace("\n", " ")]
        body = "\n\n".join(blocks) + "\n"
    return body


def _shorten(fill: Callable[[frozenset[str]], tuple[str, str, "Speaker"]], limit: int,
             label: str) -> tuple[str, str]:
    """Subject and body within `limit` characters: optional sentences go, those from `rest()` first and
    the last placed first; then each dropped one that fits again comes back, the most important first."""
    dropped: list[str] = []
    subject, body, speaker = fill(frozenset())
    while len(body.rstrip("\n")) > limit:
        optional = [c for c in speaker.said if c in speaker.from_rest] or speaker.said
        if not optional:
            raise UserError(f"{label} is {len(body.rstrip())} characters with only its fixed text left "
                            f"(the interview reference), over the limit of {limit}")
        dropped.append(optional[-1])
        subject, body, speaker = fill(frozenset(dropped))
    for code in reversed(list(dropped)):
        trial_subject, trial_body, _ = fill(frozenset(dropped) - {code})
        if len(trial_body.rstrip("\n")) <= limit:
            dropped.remove(code)
            subject, body = trial_subject, trial_body
    return subject, body.rstrip("\n")


def compose(action: "Action", index: int, case: "Case", advice: "Advice", kind: str | None = None, *,
            template: str | None = None) -> Composition:
    """The draft of one message for `action` (the `index`-th of `advice.actions`).

    `kind` defaults to the action's (see `kind_of`). Individual notes go to the action's first
    recipient and status messages to the primary contact; `messages` splits an action into all of
    its messages. `template` replaces the shipped template with a template string (from a ruleset
    or plugin), rendered in the same sandbox. A LinkedIn note is cut to LinkedIn's limit by dropping
    optional sentences, never the interview reference.
    """
    kind = kind or kind_of(action, index)
    if kind not in KINDS:
        raise UserError(f"unknown draft kind {kind!r}; use one of {', '.join(KINDS)}")
    to = _recipients(action, case, advice, kind)
    context = _context(case, advice, kind, to)
    name = "<template>" if template is not None else _TEMPLATE_FILES[kind]
    professional = any(s.code == "professional_tone" for s in action.style)
    limit = LINKEDIN_LIMIT if kind == "linkedin_note" else None

    # A first pass learns which codes the template places itself, so `rest()` may come anywhere.
    probe = Speaker(context, action.include, professional)
    render(template, name, {**context, **probe.functions()})

    def fill(dropped: frozenset[str]) -> tuple[str, str, Speaker]:
        speaker = Speaker(context, action.include, professional, dropped, frozenset(probe.named))
        subject, body = _split_subject(render(template, name, {**context, **speaker.functions()}))
        return subject, _tidy(body), speaker

    if limit is None:
        subject, body, _ = fill(frozenset())
    else:
        subject, body = _shorten(fill, limit, f"action {index}: the {kind.replace('_', ' ')}")
    max_paragraphs = _max_paragraphs(action)
    if max_paragraphs is not None:
        body = _fit_paragraphs(body, max_paragraphs)
    names = tuple(r["name"] for r in context["recipients"])
    return Composition(kind, tuple(to), names, " ".join(subject.split()), body, name)


def case_draft(draft: Composition, channel: str, at: datetime | None = None) -> dict[str, Any]:
    """The draft as the `draft:` mapping of a case (case channel names), for checking it."""
    data: dict[str, Any] = {"kind": CASE_KINDS[draft.kind], "channel": channel, "to": list(draft.to),
                            "body": draft.body}
    if at is not None:
        data["at"] = at.isoformat()
    return data


def artifact_key(case: "Case", action: "Action", channel: str, to: Sequence[str]) -> str:
    """A stable key of one message: the case, the action (with its ordinal), the channel, the people."""
    label = action.action + (f"#{action.ordinal}" if action.ordinal else "")
    return f"{case.name}:{label}:{channel}:{','.join(to)}"


def text_artifact(draft: Composition, action: "Action", case: "Case", channel: str, notes: Sequence[str] = (),
                  meta: Mapping[str, Any] | None = None) -> "Artifact":
    """A draft as a plain-text artifact (the fallback when no plugin renders the channel)."""
    from followup_rules.core.artifact import Artifact

    return Artifact(channel=channel, action=action.action, key=artifact_key(case, action, channel, draft.to),
                    to=draft.to, subject=draft.subject, body=draft.body, media_type="text/plain",
                    filename=f"{draft.kind}-{'-'.join(draft.to) or 'draft'}.txt", notes=tuple(notes),
                    meta={"kind": draft.kind, "names": list(draft.names), "template": draft.template,
                          **(meta or {})})
