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
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from jinja2 import DictLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from followup_rules.facts.draft_text import analyse
from followup_rules.core.problems import Problem, UserError

if TYPE_CHECKING:
    from followup_rules.core.advice import Action, Advice
    from followup_rules.core.artifact import Artifact
    from followup_rules.core.case import Case, Interviewer
    from followup_rules.facts.derive import Facts
    from followup_rules.rules.library import Library
    from followup_rules.core.ruleset import Ruleset
    from followup_rules.core.calendar import BusinessCalendar

KINDS: tuple[str, ...] = (
    "thank_you", "thank_you_group_lead", "follow_up", "final_follow_up", "materials", "rejection_reply",
    "feedback_request", "competing_offer", "linkedin_note", "call_script",
)

#: The case's ``draft.kind`` (vocabulary OUT_KINDS) each draft kind is checked as.
CASE_KINDS: Mapping[str, str] = {
    "thank_you": "thank_you", "thank_you_group_lead": "thank_you", "follow_up": "follow_up",
    "final_follow_up": "follow_up", "materials": "materials", "rejection_reply": "rejection_response",
    "feedback_request": "feedback_request", "competing_offer": "competing_offer_notice",
    "linkedin_note": "linkedin_request", "call_script": "follow_up",
}

#: Kinds sent to each recipient on their own (the sources ask for one note per interviewer).
INDIVIDUAL_KINDS = frozenset({"thank_you", "linkedin_note"})
#: Kinds about the status, which the sources want sent to one person: the primary contact.
ONE_CONTACT_KINDS = frozenset({"follow_up", "final_follow_up", "call_script"})

#: LinkedIn's limit on a connection request's note, in characters.
LINKEDIN_LIMIT = 300
#: Paragraphs a ``concise`` style allows when the rule gives no number (ARCHITECTURE.md).
CONCISE_PARAGRAPHS = 3
#: Paragraphs a ``brief_and_pleasant`` style allows.
BRIEF_PARAGRAPHS = 2

_ACTION_KINDS: Mapping[str, str] = {
    "send_materials": "materials", "connect_linkedin": "linkedin_note", "respond_to_rejection": "rejection_reply",
    "request_feedback": "feedback_request", "notify_competing_offer": "competing_offer", "place_call": "call_script",
}

#: Channel names of the channel plugins, by the case channel an action names.
CHANNEL_OF: Mapping[str, str] = {
    "email": "email", "phone_call": "phone", "voicemail": "phone", "linkedin": "linkedin", "letter": "letter",
    "note_hand_delivered": "letter", "note_mailed": "letter",
}

_TEMPLATE_FILES: Mapping[str, str] = {kind: f"{kind}.txt.j2" for kind in KINDS}

# One sentence per content code, as Jinja source over the same context as the templates. A sentence
# that renders empty (its data is missing from the case) is skipped. Codes that need knowledge only
# the candidate has (a unique strength, market trends, open questions) have no sentence.
SENTENCES: Mapping[str, str] = {
    "express_gratitude": (
        "{% if kind in ('thank_you', 'thank_you_group_lead', 'linkedin_note') %}"
        "Thank you for taking the time to {{ interview.verb }} with me on {{ interview.date }}."
        "{% else %}Thank you again for the opportunity to interview with {{ company }}.{% endif %}"),
    "thank_for_virtual_format": (
        "{% if interview.mode == 'virtual' %}Thank you for arranging the video call.{% endif %}"),
    "address_technical_issues": (
        "{% if interview.technical_issues %}Thank you as well for your patience with the connection "
        "problems during our call.{% endif %}"),
    "reference_specific_topic": "{% if topic %}I especially enjoyed our discussion of {{ topic }}.{% endif %}",
    "reference_recent_interview": (
        "We met on {{ interview.date }} when I interviewed for the {{ position }} role at {{ company }}."),
    "mention_position_and_interview_date": (
        "I am writing to follow up on the {{ position }} position we discussed on {{ interview.date }}."),
    "mention_stated_decision_date": (
        "{% if decision_date %}{% if decision_passed %}You mentioned that you expected to make a decision by "
        "{{ decision_date }}.{% else %}I understand that you expect to make a decision by {{ decision_date }}."
        "{% endif %}{% endif %}"),
    "ask_for_update": "I would be grateful for any update you can share on the hiring process.",
    "mention_competing_offer": (
        "I have received a {% if offer_status == 'written' %}written {% endif %}job offer from another company."),
    "state_preference_for_company": (
        "{{ company }} remains my first choice, and the {{ position }} role is the one I am most excited about."),
    "hope_to_hear_before_deciding": (
        "I would be grateful to hear about your decision before I have to give the other company my answer."),
    "mention_group_contributions": (
        "I also appreciated the chance to work through the exercises alongside the other candidates."),
    "reiterate_interest": "I remain very interested in the {{ position }} role at {{ company }}.",
    "reiterate_enthusiasm": "Our conversation left me even more enthusiastic about the opportunity.",
    "express_growth_enthusiasm": "I am excited about the chance to grow further with {{ company }}.",
    "mention_qualifications_briefly": "I believe my background is a strong fit for what the team needs.",
    "showcase_technical_skills_or_portfolio": "I would be glad to share samples of my work if that would help.",
    "share_work_samples": "I would be glad to share samples of my work if that would help.",
    "offer_info_hard_to_convey_virtually": (
        "{% if interview.mode != 'in_person' %}If anything was hard to convey "
        "{{ 'over video' if interview.mode == 'virtual' else 'by phone' }}, I would be glad to go into more "
        "detail.{% endif %}"),
    "offer_additional_value": (
        "{% if topic %}If it would be useful, I would be glad to share a few more thoughts on {{ topic }}.{% endif %}"),
    "offer_additional_information": "If it would help, I am happy to provide any further information.",
    "request_constructive_feedback": (
        "If you have a moment, I would appreciate any feedback that could help me improve in future interviews."),
    "express_interest_in_future_opportunities": (
        "I would welcome the chance to be considered for future openings at {{ company }}."),
    "ask_lead_to_extend_thanks": (
        "{% if others %}Would you please pass on my thanks to {{ others }}?{% endif %}"),
    "thank_for_time_and_consideration": "Thank you for your time and consideration.",
    "ask_next_steps_at_end": "Could you let me know what the next steps in the process will be?",
    "look_forward_to_hearing": "I look forward to hearing from you.",
    # Sentences templates use that are not content codes.
    "stay_connected": "I would be glad to stay in touch here.",
}

_INCLUDE_ORDER = tuple(SENTENCES)
_TITLES = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "mx"})
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_MAX_OUTPUT = 100_000
_MAX_EXPONENT = 256
_TIME_FACTS = frozenset({
    "draft.hours_after_interview", "draft.days_after_interview", "draft.days_after_decision",
    "draft.business_days_after_decision", "draft.days_since_last_follow_up", "draft.days_since_last_thank_you",
    "draft.before_no_contact", "draft.local_hour", "draft.on_business_day",
})


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


@dataclass(frozen=True)
class Objection:
    """A DON'T that a draft raises: the warning, the rule behind it, and whether timing caused it."""

    code: str
    rule: str
    says: str
    timing: bool

    def __str__(self) -> str:
        return f"{self.code} ({self.rule}): {self.says}"


# --- the sandbox ------------------------------------------------------------------------------

class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with repetition and powers bounded so a template cannot exhaust memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > _MAX_EXPONENT:
            raise SecurityError(f"exponent {right} is larger than {_MAX_EXPONENT}")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > _MAX_OUTPUT:
                    raise SecurityError(f"repetition longer than {_MAX_OUTPUT} items")
        return super().call_binop(context, operator, left, right)


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    """The one sandbox every template renders in; it can load only the shipped templates."""
    folder = resources.files("followup_rules.drafting").joinpath("templates")
    shipped = {entry.name: entry.read_text(encoding="utf-8") for entry in folder.iterdir()
               if entry.name.endswith(".txt.j2")}
    env = _Sandbox(loader=DictLoader(shipped), undefined=StrictUndefined, autoescape=False,
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    # Only harmless helpers stay global: no lipsum, cycler or joiner.
    env.globals = {"range": env.globals["range"], "namespace": env.globals["namespace"]}
    return env


def _template_problem(name: str, exc: BaseException) -> UserError:
    line = exc.lineno if isinstance(exc, TemplateSyntaxError) and exc.lineno else 1
    kind = type(exc).__name__
    return UserError([Problem(name, line, 1, "FR070", f"template failed: {kind}: {exc}",
                              "templates may only use the case's data and say(), line(), covered(), rest()")])


def _render(source: str | None, name: str, context: Mapping[str, Any]) -> str:
    """Render a shipped template (by `name`) or a template string in the sandbox; failures are UserErrors."""
    env = environment()
    try:
        template = env.get_template(name) if source is None else env.from_string(source)
        text = template.render(context)
    # The template may come from a stranger: any failure inside it is the template's, not ours.
    except (TemplateError, RecursionError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
        raise _template_problem(name, exc) from None
    if len(text) > _MAX_OUTPUT:
        raise _template_problem(name, SecurityError(f"output longer than {_MAX_OUTPUT} characters"))
    return text


def render_string(source: str, context: Mapping[str, Any], name: str = "<template>") -> str:
    """Render a template string (from a ruleset or a plugin) in the sandbox."""
    return _render(source, name, context)


# --- kinds and recipients ---------------------------------------------------------------------

def kind_of(action: "Action", index: int = 0) -> str:
    """The draft kind an action calls for; a UserError for actions that are not a message."""
    if action.action == "send_thank_you":
        return "thank_you_group_lead" if "ask_lead_to_extend_thanks" in action.include else "thank_you"
    if action.action == "send_follow_up":
        return "final_follow_up" if (action.ordinal or 1) >= 2 else "follow_up"
    kind = _ACTION_KINDS.get(action.action)
    if kind is None:
        label = f"action {index} ({action.action})" if index else f"action {action.action}"
        raise UserError(f"{label} is not a message to draft; draftable actions: "
                        + ", ".join(sorted({"send_thank_you", "send_follow_up", *_ACTION_KINDS})))
    return kind


def as_kind(action: "Action", kind: str) -> "Action":
    """The action changed just enough to call for a message of `kind` (``followup draft --kind``),
    so every channel plugin, which derives the kind from the action, drafts that kind."""
    if kind not in KINDS:
        raise UserError(f"unknown draft kind {kind!r}; use one of {', '.join(KINDS)}")
    if kind in ("thank_you", "thank_you_group_lead"):
        include = tuple(c for c in action.include if c != "ask_lead_to_extend_thanks")
        lead = ("ask_lead_to_extend_thanks",) if kind == "thank_you_group_lead" else ()
        return replace(action, action="send_thank_you", include=include + lead)
    if kind in ("follow_up", "final_follow_up"):
        ordinal = 1 if kind == "follow_up" else max(2, action.ordinal or 2)
        return replace(action, action="send_follow_up", ordinal=ordinal)
    return replace(action, action=next(name for name, k in _ACTION_KINDS.items() if k == kind))


def channel_for(action: "Action") -> str:
    """The channel plugin an action goes through by default: its own channel, else by what it is."""
    if action.channel is not None and action.channel in CHANNEL_OF:
        return CHANNEL_OF[action.channel]
    return {"connect_linkedin": "linkedin", "place_call": "phone"}.get(action.action, "email")


def is_message(action: "Action") -> bool:
    """Whether an action is a message `compose` can draft."""
    return action.action in ("send_thank_you", "send_follow_up") or action.action in _ACTION_KINDS


@lru_cache(maxsize=64)
def _facts(case: "Case", at: datetime) -> "Facts":
    from followup_rules.facts.derive import derive

    return derive(case, at)


def _recipients(action: "Action", case: "Case", at: datetime, kind: str) -> tuple[str, ...]:
    people = _facts(case, at).people
    primary = people["primary_contact"][0]
    to = action.to or (primary,)
    if kind == "thank_you_group_lead":
        lead = people["lead_interviewer"][0]
        return (lead,) if lead in to else to[:1]
    if kind in ONE_CONTACT_KINDS:
        return (primary,) if primary in to else to[:1]
    if kind in INDIVIDUAL_KINDS:
        return to[:1]
    return to


def messages(action: "Action", case: "Case", advice: "Advice", kind: str | None = None) -> tuple["Action", ...]:
    """The action as the messages to send: one per person for individual notes, one to the primary
    contact for status messages, else the action itself. Each has the recipients `compose` will use."""
    kind = kind or kind_of(action)
    if kind in INDIVIDUAL_KINDS and len(action.to) > 1:
        return tuple(replace(action, to=(person,)) for person in action.to)
    return (replace(action, to=_recipients(action, case, advice.at, kind)),)


# --- the context ------------------------------------------------------------------------------

def long_date(day: date) -> str:
    """A date as in a letter: "Thursday, March 6"."""
    return f"{_WEEKDAYS[day.weekday()]}, {_MONTHS[day.month - 1]} {day.day}"


def _names(names: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _person(person: "Interviewer") -> dict[str, Any]:
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


def _context(case: "Case", at: datetime, kind: str, to: Sequence[str]) -> dict[str, Any]:
    from followup_rules.core.moments import local_date

    facts = _facts(case, at)
    interview = case.interview
    people = {p.id: p for p in interview.interviewers}
    for i in case.interviews:
        for p in i.interviewers:
            people.setdefault(p.id, p)
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


# --- sentences --------------------------------------------------------------------------------

def _acceptable(sentence: str, professional: bool) -> bool:
    """Whether a sentence keeps a draft clean of everything the DON'T rules flag."""
    found = analyse(sentence)
    if (found.emoji_count or found.placeholder_count or found.slang_count or found.pushy_count
            or found.overshare_count or found.assumes_outcome_count or found.negative_count):
        return False
    return not (professional and "!" in sentence)


class _Speaker:
    """The sentences of one draft: which codes the action includes, which were said, which are dropped."""

    def __init__(self, context: Mapping[str, Any], include: Sequence[str], professional: bool,
                 dropped: frozenset[str] = frozenset(), placed: frozenset[str] = frozenset()) -> None:
        self.context, self.include, self.professional = context, frozenset(include), professional
        self.dropped, self.placed = dropped, placed
        self.named: set[str] = set()
        self.covered_codes: set[str] = set()
        self.said: list[str] = []
        self.from_rest: set[str] = set()
        self._texts: set[str] = set()

    def _sentence(self, code: str) -> str:
        source = SENTENCES.get(code)
        if source is None or code in self.dropped or code in self.said or code in self.covered_codes:
            return ""
        text = " ".join(_render(source, f"<sentence {code}>", self.context).split())
        if not text or text in self._texts or not _acceptable(text, self.professional):
            return ""
        self.said.append(code)
        self._texts.add(text)
        return text

    def say(self, *codes: str) -> str:
        """The sentences of those `codes` the action includes, in the order given."""
        self.named.update(codes)
        return " ".join(filter(None, (self._sentence(c) for c in codes if c in self.include)))

    def line(self, code: str) -> str:
        """The sentence of `code`, whether or not the action includes it."""
        self.named.add(code)
        return self._sentence(code)

    def covered(self, *codes: str) -> str:
        """Mark codes the template's own text already says; they print nothing."""
        self.named.update(codes)
        self.covered_codes.update(codes)
        return ""

    def rest(self) -> str:
        """The sentences of included codes the template does not place itself."""
        out = []
        for code in _INCLUDE_ORDER:
            if code in self.include and code not in self.placed and code not in self.named:
                text = self._sentence(code)
                if text:
                    self.from_rest.add(code)
                    out.append(text)
        return " ".join(out)

    def functions(self) -> dict[str, Callable[..., str]]:
        return {"say": self.say, "line": self.line, "rest": self.rest, "covered": self.covered}


# --- layout -----------------------------------------------------------------------------------

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
    while analyse(body).paragraphs > limit:
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


# --- composing --------------------------------------------------------------------------------

def _shorten(fill: Callable[[frozenset[str]], tuple[str, str, "_Speaker"]], limit: int,
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
    to = _recipients(action, case, advice.at, kind)
    context = _context(case, advice.at, kind, to)
    name = "<template>" if template is not None else _TEMPLATE_FILES[kind]
    professional = any(s.code == "professional_tone" for s in action.style)
    limit = LINKEDIN_LIMIT if kind == "linkedin_note" else None

    # A first pass learns which codes the template places itself, so `rest()` may come anywhere.
    probe = _Speaker(context, action.include, professional)
    _render(template, name, {**context, **probe.functions()})

    def fill(dropped: frozenset[str]) -> tuple[str, str, _Speaker]:
        speaker = _Speaker(context, action.include, professional, dropped, frozenset(probe.named))
        subject, body = _split_subject(_render(template, name, {**context, **speaker.functions()}))
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


def send_time(action: "Action", at: datetime) -> datetime:
    """When the message would go: the window's target, or `at` once the target has passed."""
    if action.window is None or action.window.target <= at:
        return at
    return action.window.target


def case_channel(channel: str, case: "Case", action: "Action | None" = None) -> str:
    """The case channel (vocabulary CHANNELS) a draft rendered for a channel plugin goes by."""
    if channel == "phone":
        return "phone_call"
    if channel == "letter":
        return "note_mailed" if posted(case, action) else "note_hand_delivered"
    return channel


def posted(case: "Case", action: "Action | None" = None) -> bool:
    """Whether the case (its planned draft) or the action says the note will go by post."""
    planned = case.draft is not None and case.draft.channel == "note_mailed"
    return planned or (action is not None and action.channel == "note_mailed")


def case_draft(draft: Composition, channel: str, at: datetime | None = None) -> dict[str, Any]:
    """The draft as the `draft:` mapping of a case (case channel names), for checking it."""
    data: dict[str, Any] = {"kind": CASE_KINDS[draft.kind], "channel": channel, "to": list(draft.to),
                            "body": draft.body}
    if at is not None:
        data["at"] = at.isoformat()
    return data


# --- checking a draft against the rules behind it ---------------------------------------------

def _citing(action: "Action", advice: "Advice", library: "Library | None") -> tuple[list["Ruleset"], list[str]]:
    """The rulesets whose rules back `action`, in the versions `advice` used, and the ids not found."""
    from followup_rules.api import default_library

    lib = library or default_library()
    versions = {r.id: r.version for r in advice.rulesets}
    found, missing = [], []
    for rid in dict.fromkeys(c.rule.split("/", 1)[0] for c in action.by):
        try:
            found.append(lib.get(f"{rid}@{versions[rid]}" if rid in versions else rid))
        except UserError:
            missing.append(rid)
    return found, missing


def citing_rulesets(action: "Action", advice: "Advice", library: "Library | None" = None) -> list["Ruleset"]:
    """The rulesets (as used for `advice`) whose rules back `action`; those not on the search path of
    `library` (default: the default library) are left out."""
    return _citing(action, advice, library)[0]


def check(draft: Composition, channel: str, action: "Action", case: "Case", advice: "Advice", at: datetime | None = None,
          library: "Library | None" = None) -> tuple[Objection, ...]:
    """The DON'Ts of the rulesets backing `action` that the draft raises when sent at `at` (default:
    `send_time`), as `followup check` finds them: rules the draft's own facts helped fire. Rulesets
    not on `library`'s search path cannot be checked (`schedule` names them)."""
    from followup_rules.core.case import Draft as CaseDraft
    from followup_rules.drafting.check import check_draft

    rulesets = citing_rulesets(action, advice, library)
    if not rulesets:
        return ()
    when = at or send_time(action, advice.at)
    placed = replace(case, draft=CaseDraft(CASE_KINDS[draft.kind], case_channel(channel, case, action), draft.to,
                                           draft.body, when))
    result = check_draft(placed, draft.body, draft.template, when, [f"{r.id}@{r.version}" for r in rulesets],
                         library)
    return tuple(Objection(p.code, p.rule, p.says, any(loc.fact in _TIME_FACTS for loc in p.locations))
                 for p in result.problems if p.kind == "dont")


# --- when to send ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    """When a message should go, what the rules still object to then, and what moved it there from
    the first allowed moment (`first`)."""

    at: datetime
    objections: tuple[Objection, ...]
    moved_by: tuple[Objection, ...] = ()
    first: datetime | None = None
    unchecked: tuple[str, ...] = ()


def calendar_for(case: "Case") -> "BusinessCalendar":
    """The business calendar of the case: a plugin's, else the candidate's public holidays."""
    from followup_rules.plugin.manager import plugins
    from followup_rules.core.calendar import BusinessCalendar

    return plugins().hook.followup_calendar(case=case) or BusinessCalendar(case.country, case.subdivision)


def first_slot(start: datetime, hours: tuple[int, int], calendar: "BusinessCalendar") -> datetime:
    """The first quarter hour at or after `start` inside `hours` (local, end exclusive) on a business day."""
    from datetime import timedelta

    from followup_rules.core.moments import at_local

    tz = start.tzinfo
    assert tz is not None
    local = start.replace(second=0, microsecond=0)
    if local < start:
        local += timedelta(minutes=1)
    local += timedelta(minutes=-local.minute % 15)
    day = local.date()
    if calendar.is_business_day(day) and hours[0] <= local.hour < hours[1]:
        return local
    if not (calendar.is_business_day(day) and local.hour < hours[0]):
        day = calendar.add_business_days(day, 1)[0]
    return at_local(day, hours[0], tz)


def schedule(draft: Composition, channel: str, action: "Action", case: "Case", advice: "Advice",
             hours: tuple[int, int] | None = None, library: "Library | None" = None,
             days: int = 31) -> Schedule:
    """The first moment from the action's target (or from the advice's moment, if later) at which the
    rules backing the action raise no timing DON'T against the draft.

    With `hours`, only those local hours of business days count (a call); otherwise the target, then
    09:00 on each following business day. The search stops when the window closes or after `days`
    business days; then the first moment is kept with its objections.
    """
    from followup_rules.core.moments import at_local

    calendar = calendar_for(case)
    unchecked = tuple(_citing(action, advice, library)[1])
    start = send_time(action, advice.at).astimezone(case.timezone)
    first = first_slot(start, hours, calendar) if hours else start
    objections = check(draft, channel, action, case, advice, first, library)
    blocking = tuple(o for o in objections if o.timing)
    if not blocking:
        return Schedule(first, objections, unchecked=unchecked)
    day = first.date()
    closes = action.window.closes if action.window else None
    for _ in range(days):
        day = calendar.add_business_days(day, 1)[0]
        moment = at_local(day, hours[0] if hours else 9, case.timezone)
        if closes is not None and moment >= closes:
            break
        found = check(draft, channel, action, case, advice, moment, library)
        if not any(o.timing for o in found):
            return Schedule(moment, found, blocking, first, unchecked)
    return Schedule(first, objections, unchecked=unchecked)


def plan_notes(plan: Schedule, tz: Any) -> list[str]:
    """What a schedule means for the person sending: why it moved, what the rules still object to."""
    from followup_rules.core.moments import when

    notes = [f"later than the first possible moment ({when(plan.first, tz)}) because {o.rule} says: {o.says}"
             for o in plan.moved_by]
    notes += [f"the rules object: {o.code} ({o.rule}): {o.says}" for o in plan.objections]
    if plan.unchecked:
        notes.append(f"not checked against {', '.join(plan.unchecked)}: not on the ruleset search path")
    return notes


# --- artifacts --------------------------------------------------------------------------------

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
