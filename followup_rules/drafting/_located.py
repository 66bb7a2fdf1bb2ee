"""Where in a draft a fired rule's problem is: the findings behind the draft facts it tested, or a
measure of the whole draft (its paragraphs, its timing) at line 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from followup_rules.core.ruleset import Condition
from followup_rules.engine.conditions import Support
from followup_rules.facts.draft_text import DraftAnalysis, Flag

#: The draft facts that count findings, and the finding kind each counts.
FINDING_KINDS: Mapping[str, str] = {
    "draft.emoji_count": "emoji",
    "draft.exclamation_run": "exclamation",
    "draft.placeholder_count": "placeholder",
    "draft.misspelling_count": "misspelling",
    "draft.slang_count": "slang",
    "draft.pushy_count": "pushy",
    "draft.overshare_count": "overshare",
    "draft.assumes_outcome_count": "assumes_outcome",
    "draft.negative_count": "negative",
    "draft.mentions_competing_offer": "competing_offer",
}
FACT_OF_KIND = {kind: fact for fact, kind in FINDING_KINDS.items()}
#: Kinds whose findings in one sentence are one thing said ("So when will I hear back??", a story
#: about a family trip); an emoji, a typo or a slang word is each its own thing to change.
_SAID_IN_A_SENTENCE = frozenset({"pushy", "overshare", "assumes_outcome", "negative", "competing_offer"})
_SENTENCE_BREAK = re.compile(r"[.!?\u2026]+['\")\u2019\u201d]*(?=\s)|\n[ \t]*\n")
# Facts that only say which draft it is; they locate a problem only when nothing else does.
_QUALIFIERS = ("draft.kind", "draft.channel")
_SYMBOLS = {"eq": "", "ne": "not ", "lt": "< ", "le": "<= ", "gt": "> ", "ge": ">= ", "in": "one of ",
            "not_in": "none of ", "matches": "matching ", "exists": "set: "}
_NEGATED = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le", "in": "not_in",
            "not_in": "in"}


@dataclass(frozen=True)
class Location:
    """Where in the draft a rule's problem is: a finding's words, or line 1 with a detail.

    A finding's `detail` is its kind and `fix` what to write instead, when one thing is meant."""

    line: int
    column: int
    fact: str
    text: str = ""
    detail: str = ""
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "fact": self.fact, "text": self.text,
                "detail": self.detail, "fix": self.fix}


def reads_draft(condition: Condition) -> bool:
    return any((leaf.fact or "").startswith("draft.") for leaf in condition.leaves())


def locate(tests: list[Support], analysis: DraftAnalysis, topics: Sequence[str], body: str = "") -> tuple[Location, ...]:
    """The places in the draft that `tests` (passing tests of draft facts) point at.

    With the draft's `body`, findings of one kind that share a sentence become one place quoting
    the sentence from the first to the last of them."""
    by_fact: dict[str, Support] = {}
    for t in tests:
        by_fact.setdefault(t.condition.fact or "", t)
    measured = [f for f in by_fact if f != "draft.present" and f not in _QUALIFIERS]
    facts = measured or [f for f in by_fact if f in _QUALIFIERS] or list(by_fact)
    locations: list[Location] = []
    for fact in facts:
        support = by_fact[fact]
        found = [f for f in analysis.findings if f.kind == FINDING_KINDS.get(fact)]
        if found:
            locations += [Location(f.line, f.column, fact, f.text, f.kind, f.fix) for f in _by_sentence(found, body)]
        elif fact == "draft.paragraphs":
            locations.append(Location(1, 1, fact, detail=_paragraphs(support)))
        elif fact == "draft.mentions_topic":
            named = ", ".join(topics) if topics else "none recorded"
            locations.append(Location(1, 1, fact, detail=f"names none of the interview's topics ({named})"))
        else:
            locations.append(Location(1, 1, fact, detail=_measure(support)))
    return tuple(sorted(locations, key=lambda loc: (loc.line, loc.column, loc.fact, loc.text)))


def _by_sentence(found: list[Flag], body: str) -> list[Flag]:
    """The findings, those of a said-in-a-sentence kind that share a sentence joined into one."""
    if not body or found[0].kind not in _SAID_IN_A_SENTENCE:
        return found
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    breaks = [m.end() for m in _SENTENCE_BREAK.finditer(text)]
    joined: dict[int, tuple[Flag, int]] = {}
    for flag in found:
        start = line_starts[flag.line - 1] + flag.column - 1
        sentence = sum(1 for b in breaks if b <= start)
        first, _ = joined.get(sentence, (flag, start))
        joined[sentence] = (first, start + len(flag.text))
    result = []
    for first, end in joined.values():
        start = line_starts[first.line - 1] + first.column - 1
        result.append(Flag(first.kind, first.line, first.column, text[start:end], first.fix))
    return result


def _op(support: Support) -> str:
    op = support.condition.op
    return _NEGATED.get(op, op) if support.negated else op


def _paragraphs(support: Support) -> str:
    op, limit = _op(support), support.expected
    most = {"gt": limit, "ge": limit - 1}.get(op) if isinstance(limit, int) else None
    if most is None:
        return f"{support.actual} paragraphs"
    return f"{support.actual} paragraphs; the rule allows at most {most}"


def _measure(support: Support) -> str:
    fact = support.condition.fact
    when = f"{_SYMBOLS[_op(support)]}{_show(support.expected)}"
    return f"{fact} is {_show(support.actual)}; the rule fires when it is {when}"


def _show(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)
