"""Analysis of a draft message's text: length, tone, spelling, placeholders and mentions of topics.

``analyse`` turns a body into the counts behind the ``draft.*`` facts plus every finding with its
1-based line and column, so a warning can point at the words that raised it. Line endings may be
LF, CRLF or CR; columns count code points.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from followup_rules.facts._paragraphs import count_paragraphs
from followup_rules.facts._spelling import misspellings, own_words
from followup_rules.facts._text_marks import (
    emoji_hits,
    emoticon_hits,
    exclamation_runs,
    outside_urls,
    placeholder_hits,
    pressing_marks,
    url_spans,
)
from followup_rules.facts._topics import mentions_any
from followup_rules.facts._wordlists import (
    WORD,
    WORDLIST_KINDS,
    fold,
    load_wordlists,
    word_list_hits,
    wordlist_index,
)

__all__ = ["WORDLIST_KINDS", "DraftAnalysis", "Flag", "analyse", "load_wordlists"]


@dataclass(frozen=True)
class Flag:
    """One offending piece of the body: its kind, where it starts, and the text as written."""

    kind: str
    line: int
    column: int
    text: str
    #: What to write instead, where one thing is clearly meant (a misspelt word's likeliest spelling).
    fix: str = ""


@dataclass(frozen=True)
class DraftAnalysis:
    """The measurements of one body and the findings behind them."""

    #: Blocks separated by blank lines, without the greeting line and the sign-off block.
    paragraphs: int
    #: Every word of the body, greeting and signature included ("follow-up" is one word).
    words: int
    #: Unicode emojis (a ZWJ sequence, flag or modified emoji once) and ASCII emoticons.
    emoji_count: int
    #: The longest run of '!', single marks included ("!!1" is 3).
    exclamation_run: int
    #: Unfilled [placeholders], {placeholders}, {{placeholders}} and <<placeholders>>.
    placeholder_count: int
    misspelling_count: int
    slang_count: int
    pushy_count: int
    overshare_count: int
    assumes_outcome_count: int
    negative_count: int
    mentions_topic: bool
    mentions_competing_offer: bool
    findings: tuple[Flag, ...]

    def to_dict(self) -> dict[str, Any]:
        """The analysis as plain JSON-ready data, findings as a list of dicts."""
        return {
            "paragraphs": self.paragraphs,
            "words": self.words,
            "emoji_count": self.emoji_count,
            "exclamation_run": self.exclamation_run,
            "placeholder_count": self.placeholder_count,
            "misspelling_count": self.misspelling_count,
            "slang_count": self.slang_count,
            "pushy_count": self.pushy_count,
            "overshare_count": self.overshare_count,
            "assumes_outcome_count": self.assumes_outcome_count,
            "negative_count": self.negative_count,
            "mentions_topic": self.mentions_topic,
            "mentions_competing_offer": self.mentions_competing_offer,
            "findings": [
                {"kind": f.kind, "line": f.line, "column": f.column, "text": f.text, "fix": f.fix}
                for f in self.findings
            ],
        }


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with the overlapping ones joined, so one look tells whether an offset is in any."""
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    return joined


def analyse(
    body: str,
    topics: Sequence[str] = (),
    extra_words: Mapping[str, Sequence[str]] | None = None,
    known: Sequence[str] = (),
    spelling: bool = True,
) -> DraftAnalysis:
    """Measure a draft body and list its findings, sorted by line and column.

    ``topics`` are the topics recorded for the interview; ``extra_words`` adds entries to the
    shipped word lists by key (a ValueError names an unknown key); the words of ``known`` and of
    ``topics`` (the case's names, company, position) are never misspellings, and ``spelling=False``
    leaves spelling out (for text the program wrote itself). ``words`` counts every word of
    the body, greeting and signature included; runs of at least two '!' are findings, while
    ``exclamation_run`` is the longest run, single marks included; a run of '?' with another '?'
    or '!' ("??", "?!") presses the reader, like a pushy phrase. Nothing inside a URL or an
    e-mail address is a finding, and no word inside a placeholder is a misspelling.
    """
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    index = wordlist_index(extra_words)
    raw: list[tuple[int, str, str, str]] = [(start, kind, found, "") for start, kind, found in emoji_hits(text)]
    runs = exclamation_runs(text)
    raw += [(start, "exclamation", run, "") for start, run in runs if len(run) >= 2]
    placeholders = placeholder_hits(text)
    raw += [(start, kind, found, "") for start, kind, found in placeholders]
    folded = fold(text)
    listed = word_list_hits(text, folded, index)
    marks = emoticon_hits(text) + listed + pressing_marks(text)
    raw += [(start, kind, found, "") for start, kind, found in outside_urls(text, marks)]
    if spelling:
        # A placeholder is unfilled, not misspelt; a listed word ("thx") is flagged for what it is;
        # an address is not prose.
        skip = sorted([(start, start + len(found)) for start, _, found in placeholders + listed] + url_spans(text))
        raw += [(start, "misspelling", word, fix)
                for start, word, fix in misspellings(text, own_words([*known, *topics]), _disjoint(skip))]

    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    findings = []
    for offset, kind, found, fix in raw:
        line = bisect.bisect_right(line_starts, offset)
        findings.append(Flag(kind, line, offset - line_starts[line - 1] + 1, found, fix))
    findings.sort(key=lambda f: (f.line, f.column, f.kind, f.text))
    counts = {kind: 0 for kind in ("emoji", "placeholder", "misspelling", *WORDLIST_KINDS)}
    for finding in findings:
        if finding.kind in counts:
            counts[finding.kind] += 1

    body_words = WORD.findall(text)
    return DraftAnalysis(
        paragraphs=count_paragraphs(text.split("\n")),
        words=len(body_words),
        emoji_count=counts["emoji"],
        exclamation_run=max((len(run) for _, run in runs), default=0),
        placeholder_count=counts["placeholder"],
        misspelling_count=counts["misspelling"],
        slang_count=counts["slang"],
        pushy_count=counts["pushy"],
        overshare_count=counts["overshare"],
        assumes_outcome_count=counts["assumes_outcome"],
        negative_count=counts["negative"],
        mentions_topic=mentions_any(topics, folded),
        mentions_competing_offer=counts["competing_offer"] > 0,
        findings=tuple(findings),
    )

