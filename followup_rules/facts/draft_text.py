"""Analysis of a draft message's text: length, tone, placeholders and mentions of topics.

``analyse`` turns a body into the counts behind the ``draft.*`` facts plus every finding with its
1-based line and column, so a warning can point at the words that raised it. Line endings may be
LF, CRLF or CR; columns count code points.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

import yaml

__all__ = ["WORDLIST_KINDS", "DraftAnalysis", "Flag", "analyse", "load_wordlists"]

#: The word lists in ``data/wordlists.yaml``, which are also the finding kinds they produce.
WORDLIST_KINDS: tuple[str, ...] = (
    "slang", "pushy", "overshare", "assumes_outcome", "negative", "competing_offer",
)


@dataclass(frozen=True)
class Flag:
    """One offending piece of the body: its kind, where it starts, and the text as written."""

    kind: str
    line: int
    column: int
    text: str


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
    slang_count: int
    pushy_count: int
    overshare_count: int
    assumes_outcome_count: int
    negative_count: int
    mentions_topic: bool
    mentions_competing_offer: bool
    findings: tuple[Flag, ...]

    def to_dict(self) -> dict:
        """The analysis as plain JSON-ready data, findings as a list of dicts."""
        return {
            "paragraphs": self.paragraphs,
            "words": self.words,
            "emoji_count": self.emoji_count,
            "exclamation_run": self.exclamation_run,
            "placeholder_count": self.placeholder_count,
            "slang_count": self.slang_count,
            "pushy_count": self.pushy_count,
            "overshare_count": self.overshare_count,
            "assumes_outcome_count": self.assumes_outcome_count,
            "negative_count": self.negative_count,
            "mentions_topic": self.mentions_topic,
            "mentions_competing_offer": self.mentions_competing_offer,
            "findings": [
                {"kind": f.kind, "line": f.line, "column": f.column, "text": f.text}
                for f in self.findings
            ],
        }


# --- word lists -------------------------------------------------------------------------------

_APOSTROPHES = "'\u2019\u2018\u02bc"
_APOSTROPHE_CLASS = "['\u2019\u2018\u02bc]"
# Guards on both ends of an entry: not inside a word or a hyphenated word, and not a letter of
# an abbreviation such as "U.S." (else "u" would fire on it).
_ENTRY_START = r"(?<![\w-])(?<!\w\.)"
_ENTRY_END = r"(?![\w-]|\.\w)"
# A word as the lists are keyed: letters and digits, joined by apostrophes but not by hyphens.
_TOKEN = re.compile(r"[^\W_]+(?:['\u2019\u2018\u02bc][^\W_]+)*")


@dataclass(frozen=True)
class _Index:
    """Word lists compiled for matching against a folded text (see ``_fold``).

    ``first_words`` finds each word that can begin an entry; ``by_first_word`` gives, for such a
    word, each list with entries beginning with it and the pattern of those entries.
    """

    first_words: re.Pattern[str]
    by_first_word: Mapping[str, tuple[tuple[str, re.Pattern[str]], ...]]


@functools.cache
def load_wordlists() -> Mapping[str, tuple[str, ...]]:
    """The shipped word lists, read once from ``followup_rules/facts/wordlists.yaml``."""
    text = resources.files("followup_rules.facts").joinpath("wordlists.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or set(raw) != set(WORDLIST_KINDS):
        raise ValueError(f"wordlists.yaml must have exactly the keys {', '.join(WORDLIST_KINDS)}")
    return MappingProxyType(
        {kind: _check_entries(kind, raw[kind]) for kind in WORDLIST_KINDS}
    )


def _check_entries(kind: str, entries: object) -> tuple[str, ...]:
    """The entries of one list, each starting with a letter or digit, or a ValueError."""
    if isinstance(entries, str) or not isinstance(entries, Sequence):
        raise ValueError(f"word list {kind!r} must be a list of words or phrases")
    for entry in entries:
        if not isinstance(entry, str) or _TOKEN.match(entry.strip()) is None:
            raise ValueError(
                f"word list {kind!r} has an entry that does not start with a word: {entry!r}"
            )
    return tuple(entry.strip() for entry in entries)


def _fold(text: str) -> str:
    """The text in lower case with straight apostrophes, each character still at its offset."""
    folded = text.lower()
    if len(folded) != len(text):
        # A few characters lower to two ("İ"); keep those as they are so offsets stay valid.
        folded = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    for apostrophe in _APOSTROPHES[1:]:
        folded = folded.replace(apostrophe, "'")
    return folded


def _entry_pattern(entry: str) -> str:
    """The regular expression for one entry, in lower case: words joined by whitespace or a hyphen."""
    words = re.split(r"[\s-]+", entry.lower())
    return r"(?:\s+|-)".join(
        "".join(_APOSTROPHE_CLASS if ch in _APOSTROPHES else re.escape(ch) for ch in word)
        for word in words
    )


def _trie(words: Iterable[str]) -> str:
    """A regular expression matching any of the words, longest first, sharing their prefixes.

    The shared prefixes let the engine reject a position after one character instead of trying
    every word there.
    """
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        group = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{group})?" if "" in node else group

    return emit(tree)


def _alternation(patterns: set[str]) -> str:
    """Patterns joined longest first, so at one position the longest phrase wins."""
    return "|".join(sorted(patterns, key=lambda p: (-len(p), p)))


@functools.lru_cache(maxsize=64)
def _compile_index(lists: tuple[tuple[str, tuple[str, ...]], ...]) -> _Index:
    """The lists keyed by first word, so one fast scan finds where an entry could start."""
    grouped: dict[str, dict[str, set[str]]] = {}
    for kind, entries in lists:
        for entry in entries:
            token = _TOKEN.match(entry)
            assert token is not None, "entries are checked to start with a word"
            first = _fold(token.group())
            grouped.setdefault(first, {}).setdefault(kind, set()).add(_entry_pattern(entry))
    return _Index(
        first_words=re.compile(rf"\b{_trie(grouped)}\b"),
        by_first_word={
            first: tuple(
                (kind, re.compile(f"{_ENTRY_START}(?:{_alternation(patterns)}){_ENTRY_END}"))
                for kind, patterns in by_kind.items()
            )
            for first, by_kind in grouped.items()
        },
    )


def _index(extra_words: Mapping[str, Sequence[str]] | None) -> _Index:
    """The index of the shipped lists with a ruleset's extra entries added."""
    lists = load_wordlists()
    extra = dict(extra_words or {})
    for kind in extra:
        if kind not in lists:
            close = difflib.get_close_matches(kind, WORDLIST_KINDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown word list {kind!r}{hint}; known: {', '.join(WORDLIST_KINDS)}")
    return _compile_index(tuple(
        (kind, lists[kind] + (_check_entries(kind, extra[kind]) if kind in extra else ()))
        for kind in WORDLIST_KINDS
    ))


def _word_list_hits(text: str, folded: str, index: _Index) -> list[tuple[int, str, str]]:
    """(offset, kind, text) of every list entry; within a list, hits do not overlap.

    ``folded`` is ``_fold(text)``, where the matching happens; the hits quote ``text``.
    """
    hits = []
    free_from = dict.fromkeys(WORDLIST_KINDS, 0)
    for first in index.first_words.finditer(folded):
        start = first.start()
        for kind, pattern in index.by_first_word[first.group()]:
            if start < free_from[kind]:
                continue
            hit = pattern.match(folded, start)
            if hit is not None:
                free_from[kind] = hit.end()
                hits.append((start, kind, text[start:hit.end()]))
    return hits


# --- emojis, exclamations, placeholders -------------------------------------------------------

# Only the Dingbats and Miscellaneous Technical characters that Unicode marks as emoji, so that
# check marks, arrows and ornamental quotes used in plain text are not counted.
_EMOJI_BASE = (
    "["
    "\U0001F000-\U0001F02F\U0001F0A0-\U0001F0FF\U0001F170-\U0001F251\U0001F300-\U0001FAFF"
    "\u2600-\u26FF"
    "\u2702\u2705\u2708-\u270D\u270F\u2712\u2714\u2716\u271D\u2721\u2728\u2733\u2734\u2744"
    "\u2747\u274C\u274E\u2753-\u2755\u2757\u2763\u2764\u2795-\u2797\u27A1\u27B0\u27BF"
    "\u231A\u231B\u23E9-\u23F3\u23F8-\u23FA\u25FD\u25FE\u2B05-\u2B07\u2B1B\u2B1C\u2B50\u2B55"
    "\u3030\u303D\u3297\u3299"
    "]"
)
# Variation selectors, skin tones, tag characters and the keycap mark belong to the emoji before.
_EMOJI_MODIFIERS = "[\uFE0E\uFE0F\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F\u20E3]*"
_EMOJI_CHAIN = f"{_EMOJI_MODIFIERS}(?:\u200D{_EMOJI_BASE}{_EMOJI_MODIFIERS})*"
_PICTOGRAPHS = f"[\U0001F1E6-\U0001F1FF]{{1,2}}|{_EMOJI_BASE}{_EMOJI_CHAIN}"  # a flag is 2
_EMOJI = re.compile(_PICTOGRAPHS)
# A cheap test for whether a text could hold an emoji at all.
_EMOJI_CANDIDATE = re.compile(f"[\U0001F1E6-\U0001F1FF\uFE0F\u20E3{_EMOJI_BASE[1:-1]}]")
# Keycaps and characters shown as emoji by U+FE0F; every character could start one, so this
# slower pattern only runs on a text that has a keycap mark or a selector.
_EMOJI_SELECTED = re.compile(
    f"[0-9#*]\uFE0F?\u20E3|{_PICTOGRAPHS}|[^\\s\uFE0E\uFE0F\u200D]\uFE0F{_EMOJI_CHAIN}"
)
# Each alternative matches its first character before it looks behind, so most positions fail
# on one cheap test instead of a look-behind each.
_EMOTICON = re.compile(
    r"[:;](?<![\d:;=/].)-?(?:\)+|\(+)"      # :) ;) :-( :)) but not "(see 3:)"
    r"|[:;](?<![\w:;/].)-?[DPp](?!\w)"      # :D :P, not "Re:Dates"
    r"|:'-?\("                              # :'(
    r"|<(?<![\w<].)3+(?!\d)"                # <3, not "n<3" or "<<3>>"
    r"|x(?<!\w.)D+(?!\w)"                   # xD (and not "XD", the design tool)
)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    re.IGNORECASE,
)
_EXCLAMATION = re.compile(r"![!1]*")
_PLACEHOLDER = re.compile(
    r"\[[^\[\]\n]{1,80}\](?![(\[])"        # [Name], not a markdown link [text](url) or [text][ref]
    r"|\{\{[^{}\n]{1,80}\}\}|\{[^{}\n]{1,80}\}"
    r"|<<[^<>\n]{1,80}>>"
)
# Bracketed text that is editorial rather than unfilled: [sic], a ticked box [x].
_NOT_PLACEHOLDERS = frozenset({"sic", "x"})
_WORD = re.compile(r"[^\W_]+(?:['\u2019\u02bc-][^\W_]+)*")


def _exclamation_runs(text: str) -> list[tuple[int, str]]:
    """Each run of '!' with its offset; '1's inside a run count ("!!1"), not the start of a number."""
    runs = []
    for m in _EXCLAMATION.finditer(text):
        run = m.group()
        if m.end() < len(text) and text[m.end()].isalnum():
            run = run.rstrip("1")
        runs.append((m.start(), run))
    return runs


def _is_placeholder(token: str) -> bool:
    """Whether a bracketed token is something left to fill in: it names something in letters."""
    inner = token.strip("[]{}<>").strip().lower()
    return any(ch.isalpha() for ch in inner) and inner not in _NOT_PLACEHOLDERS


# --- paragraphs -------------------------------------------------------------------------------

_GREETING = re.compile(
    r"(?i:dear|hi|hello|hey|hiya|greetings|good\s+(?:morning|afternoon|evening|day)"
    r"|to\s+whom\s+it\s+may\s+concern)"
    r"(?:\s+[^\s,:;!?]+){0,6}\s*[,:;!.\u2014\u2013-]*"
)
_SIGN_OFF = re.compile(
    r"(?i:(?:(?:with\s+)?(?:best|kind|kindest|warm|warmest|many|sincere)\s+)?regards"
    r"|(?:all\s+the\s+|very\s+|with\s+)?best(?:\s+wishes)?"
    r"|(?:yours\s+)?(?:sincerely|truly|faithfully|respectfully|cordially)(?:\s+yours)?"
    r"|(?:many\s+)?thanks(?:\s+(?:again|so\s+much|very\s+much|a\s+lot|in\s+advance))?"
    r"|thank\s+you(?:\s+(?:again|so\s+much|very\s+much|kindly))?"
    r"|with\s+(?:gratitude|appreciation|thanks|many\s+thanks)"
    r"|gratefully|warmly|cheers|take\s+care|talk\s+soon|warm\s+wishes)"
    r"(?P<punct>[\s,.!\u2014\u2013-]*)(?P<name>.*)"
)
_SIGNATURE_DELIMITER = "--"


def _is_sign_off(line: str) -> bool:
    """A closing line: "Best regards," / "Thanks!" / "Cheers, Pat" (a name after a comma)."""
    m = _SIGN_OFF.fullmatch(line.strip())
    if m is None:
        return False
    name = m.group("name").split()
    if not name:
        return True
    return (
        any(ch in m.group("punct") for ch in ",\u2014\u2013-")
        and len(name) <= 4
        and all(word[0].isupper() for word in name)
    )


def _is_postscript(line: str) -> bool:
    """A line that opens a P.S., which is content even after the signature."""
    return re.match(r"(?i)p\.?\s?s\b", line.strip()) is not None


def _is_signature_line(line: str) -> bool:
    """A short line of a signature block: a name, title, phone number or address."""
    stripped = line.strip()
    words = _WORD.findall(stripped)
    if _is_postscript(stripped) or len(words) > 8:
        return False
    return not (stripped.endswith((".", "?", "!", ":")) and len(words) > 3)


def _is_bare_name(line: str) -> bool:
    """A line with only a name, as a signature without a closing phrase: "Jane Doe", "- J. Lee"."""
    words = line.strip().lstrip("-\u2014\u2013 ").split()
    return 1 <= len(words) <= 4 and all(
        word[0].isupper()
        and all(ch.isalpha() or ch in ".'\u2019-" for ch in word)
        and (len(word) <= 2 or not word.endswith("."))  # "J." is an initial, "Two." a sentence
        for word in words
    )


def _drop_sign_off(lines: list[str]) -> None:
    """Blank out the closing line and the signature under it, if the body ends with them."""
    closing = next((i for i in range(len(lines) - 1, -1, -1) if _is_sign_off(lines[i])), None)
    if closing is None:
        blocks = _blocks(lines)
        if blocks and len(blocks[-1]) == 1 and _is_bare_name(lines[blocks[-1][0]]):
            lines[blocks[-1][0]] = ""
        return
    end = closing + 1
    while end < len(lines) and (not lines[end].strip() or _is_signature_line(lines[end])):
        end += 1
    rest = [line for line in lines[end:] if line.strip()]
    if rest and not _is_postscript(rest[0]):
        return
    for i in range(closing, end):
        lines[i] = ""


def _blocks(lines: list[str]) -> list[list[int]]:
    """The indices of the non-blank lines, grouped into blocks separated by blank lines."""
    blocks: list[list[int]] = []
    previous_blank = True
    for i, line in enumerate(lines):
        if not line.strip():
            previous_blank = True
            continue
        if previous_blank:
            blocks.append([])
        blocks[-1].append(i)
        previous_blank = False
    return blocks


def _count_paragraphs(lines: Sequence[str]) -> int:
    """Blocks separated by blank lines, not counting the greeting line and the sign-off block."""
    content = list(lines)
    delimiter = next(
        (i for i, line in enumerate(content) if line.rstrip() == _SIGNATURE_DELIMITER), None
    )
    if delimiter is not None:
        content = content[:delimiter]
    first = next((i for i, line in enumerate(content) if line.strip()), None)
    if first is None:
        return 0
    if _GREETING.fullmatch(content[first].strip()):
        content[first] = ""
    _drop_sign_off(content)
    return len(_blocks(content))


# --- topics -----------------------------------------------------------------------------------

_TOPIC_PUNCTUATION = ".,;:!?"
_STOPWORDS = frozenset("""
    about above across after again against also among been before being below between both
    could does doing down during each from further have having here into just like more most
    much onto other over same shall should some such than that their them then there these they
    this those through under until upon very were what when where which while will with within
    without would your yours
""".split())


def _stem(word: str) -> str:
    """A topic word reduced for comparison: folded, no possessive, no plural 's'."""
    word = _fold(word).removesuffix("'s")
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase as a pattern over folded text, guarded on both ends like a list entry.

    The start guard comes after the first character so that a search can skip straight to the
    places where that character occurs.
    """
    folded = _fold(phrase)
    head = _APOSTROPHE_CLASS if folded[0] in _APOSTROPHES else re.escape(folded[0])
    tail = _entry_pattern(folded[1:]) if len(folded) > 1 else ""
    return re.compile(f"{head}(?<![\\w-].)(?<!\\w\\..){tail}{_ENTRY_END}")


@dataclass(frozen=True)
class _Topic:
    """How a topic is recognised: its whole phrase, or enough of its significant words."""

    phrase: re.Pattern[str] | None
    significant: tuple[re.Pattern[str], ...]
    needed: int

    def found_in(self, folded: str) -> bool:
        """Whether a folded text (see ``_fold``) names the topic."""
        if self.phrase is not None and self.phrase.search(folded):
            return True
        found = sum(1 for word in self.significant if word.search(folded))
        return bool(self.significant) and found >= self.needed


@functools.lru_cache(maxsize=1024)
def _topic(topic: str) -> _Topic:
    """The matcher of one topic; significant words have >= 4 letters and are not stopwords.

    A significant word also matches its plural and possessive ("pipeline" in "pipelines").
    """
    phrase = topic.strip().strip(_TOPIC_PUNCTUATION)
    stems = sorted({
        _stem(word) for word in _WORD.findall(phrase)
        if sum(ch.isalpha() for ch in word) >= 4 and _fold(word) not in _STOPWORDS
    })
    return _Topic(
        phrase=_phrase_pattern(phrase) if phrase else None,
        significant=tuple(re.compile(rf"\b{re.escape(stem)}(?:s|'s)?\b") for stem in stems),
        needed=1 if len(stems) == 1 else 2,
    )


# --- analysis ---------------------------------------------------------------------------------

def analyse(
    body: str,
    topics: Sequence[str] = (),
    extra_words: Mapping[str, Sequence[str]] | None = None,
) -> DraftAnalysis:
    """Measure a draft body and list its findings, sorted by line and column.

    ``topics`` are the topics recorded for the interview; ``extra_words`` adds entries to the
    shipped word lists by key (a ValueError names an unknown key). ``words`` counts every word of
    the body, greeting and signature included; runs of at least two '!' are findings, while
    ``exclamation_run`` is the longest run, single marks included. Nothing inside a URL or an
    e-mail address is a finding.
    """
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    index = _index(extra_words)
    raw: list[tuple[int, str, str]] = []
    if not text.isascii() and _EMOJI_CANDIDATE.search(text):
        emoji = _EMOJI_SELECTED if "\ufe0f" in text or "\u20e3" in text else _EMOJI
        raw += [(m.start(), "emoji", m.group()) for m in emoji.finditer(text)]
    runs = _exclamation_runs(text)
    raw += [(start, "exclamation", run) for start, run in runs if len(run) >= 2]
    raw += [
        (m.start(), "placeholder", m.group())
        for m in _PLACEHOLDER.finditer(text)
        if _is_placeholder(m.group())
    ]
    # URLs and addresses are looked for only when there is something they could hide.
    hideable = [(m.start(), "emoji", m.group()) for m in _EMOTICON.finditer(text)]
    folded = _fold(text)
    hideable += _word_list_hits(text, folded, index)
    if hideable:
        urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
        url_starts = [start for start, _ in urls]

        def in_url(offset: int) -> bool:
            i = bisect.bisect_right(url_starts, offset) - 1
            return i >= 0 and offset < urls[i][1]

        raw += [hit for hit in hideable if not in_url(hit[0])]

    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    findings = []
    for offset, kind, found in raw:
        line = bisect.bisect_right(line_starts, offset)
        findings.append(Flag(kind, line, offset - line_starts[line - 1] + 1, found))
    findings.sort(key=lambda f: (f.line, f.column, f.kind, f.text))
    counts = {kind: 0 for kind in ("emoji", "placeholder", *WORDLIST_KINDS)}
    for finding in findings:
        if finding.kind in counts:
            counts[finding.kind] += 1

    body_words = _WORD.findall(text)
    return DraftAnalysis(
        paragraphs=_count_paragraphs(text.split("\n")),
        words=len(body_words),
        emoji_count=counts["emoji"],
        exclamation_run=max((len(run) for _, run in runs), default=0),
        placeholder_count=counts["placeholder"],
        slang_count=counts["slang"],
        pushy_count=counts["pushy"],
        overshare_count=counts["overshare"],
        assumes_outcome_count=counts["assumes_outcome"],
        negative_count=counts["negative"],
        mentions_topic=any(_topic(topic).found_in(folded) for topic in topics),
        mentions_competing_offer=counts["competing_offer"] > 0,
        findings=tuple(findings),
    )
