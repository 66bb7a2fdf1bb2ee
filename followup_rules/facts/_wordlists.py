"""The word lists behind the ``draft.*_count`` facts: reading them, and finding their entries.

Entries are found in the text folded (see ``fold``), whose characters keep their offsets, so a hit
can quote the text as written.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

#: The word lists in ``data/wordlists.yaml``, which are also the finding kinds they produce.
WORDLIST_KINDS: tuple[str, ...] = (
    "slang", "pushy", "overshare", "assumes_outcome", "negative", "competing_offer",
)

APOSTROPHES = "'\u2019\u2018\u02bc"
APOSTROPHE_CLASS = "['\u2019\u2018\u02bc]"
# Guards on both ends of an entry: not inside a word or a hyphenated word, and not a letter of
# an abbreviation such as "U.S." (else "u" would fire on it).
_ENTRY_START = r"(?<![\w-])(?<!\w\.)"
ENTRY_END = r"(?![\w-]|\.\w)"
# A word as the lists are keyed: letters and digits, joined by apostrophes but not by hyphens.
_TOKEN = re.compile(r"[^\W_]+(?:['\u2019\u2018\u02bc][^\W_]+)*")
# A word of running text, as a body's words are counted: hyphens join too ("follow-up" is one).
WORD = re.compile(r"[^\W_]+(?:['\u2019\u02bc-][^\W_]+)*")


@dataclass(frozen=True)
class _Index:
    """Word lists compiled for matching against a folded text (see ``fold``).

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


def fold(text: str) -> str:
    """The text in lower case with straight apostrophes, each character still at its offset."""
    folded = text.lower()
    if len(folded) != len(text):
        # A few characters lower to two ("İ"); keep those as they are so offsets stay valid.
        folded = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    for apostrophe in APOSTROPHES[1:]:
        folded = folded.replace(apostrophe, "'")
    return folded


def entry_pattern(entry: str) -> str:
    """The regular expression for one entry, in lower case: words joined by whitespace or a hyphen."""
    words = re.split(r"[\s-]+", entry.lower())
    return r"(?:\s+|-)".join(
        "".join(APOSTROPHE_CLASS if ch in APOSTROPHES else re.escape(ch) for ch in word)
        for word in words
    )


def _trie(words: Iterable[str]) -> str:
    """A regular expression matching any of the words, longest first, sharing their prefixes.

    The shared prefixes let the engine reject a position after one character instead of trying
    every word there.
    """
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
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
            first = fold(token.group())
            grouped.setdefault(first, {}).setdefault(kind, set()).add(entry_pattern(entry))
    return _Index(
        first_words=re.compile(rf"\b{_trie(grouped)}\b"),
        by_first_word={
            first: tuple(
                (kind, re.compile(f"{_ENTRY_START}(?:{_alternation(patterns)}){ENTRY_END}"))
                for kind, patterns in by_kind.items()
            )
            for first, by_kind in grouped.items()
        },
    )


def wordlist_index(extra_words: Mapping[str, Sequence[str]] | None) -> _Index:
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


def word_list_hits(text: str, folded: str, index: _Index) -> list[tuple[int, str, str]]:
    """(offset, kind, text) of every list entry; within a list, hits do not overlap.

    ``folded`` is ``fold(text)``, where the matching happens; the hits quote ``text``.
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
