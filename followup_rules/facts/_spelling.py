"""Misspelt words in a draft: words the spelling dictionary does not know, each with the likeliest fix.

The dictionary is pyspellchecker's English word-frequency list, plus ``facts/dictionary.txt`` (words
of job-search and workplace writing the list lacks) and the case's own words (names, company,
position, topics), which are never typos. Left alone, because a dictionary cannot judge them: words
with a digit, acronyms ("CRM"), words with a capital inside ("LinkedIn"), and capitalised words in
the middle of a sentence, which are names ("Contoso"), and a capitalised word at the start of one
that is no edit away from a known word (a name too). British spellings count as known when their
American form is ("colour", "organisation").
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import TYPE_CHECKING

from followup_rules.facts._wordlists import fold

if TYPE_CHECKING:
    from spellchecker import SpellChecker

#: A word to check: letters, joined by apostrophes (hyphenated words are checked part by part).
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019\u02bc][^\W\d_]+)*")
_JOINERS = frozenset("@/\\_#")
_SENTENCE_END = re.compile(r"[.!?:;\u2026]['\")\u2019\u201d]*\s*$|^\s*$|\n\s*$")
#: A title or an initial before a full stop ("Dr. Markus", "J. Lee"), which ends no sentence.
_ABBREVIATION = re.compile(r"(?:^|[\s(])(?:dr|mr|mrs|ms|mx|prof|st|jr|sr|vs|[^\W\d_])\.\s*$", re.IGNORECASE)
#: A fix at edit distance 2 is looked for only in words this short: longer ones have too many.
_DISTANCE_TWO_UP_TO = 6
#: Longer "words" are not words (a pasted token, a run of letters): neither checked nor fixed.
_LONGEST_WORD = 30
#: Prefixes written with a hyphen ("multi-region"), which are not words of their own.
_PREFIXES = frozenset({"anti", "bi", "co", "cross", "e", "inter", "intra", "macro", "micro", "mid", "multi",
                       "non", "post", "pre", "pro", "re", "semi", "sub", "super", "tri", "un"})
_BRITISH = (("isation", "ization"), ("ising", "izing"), ("ised", "ized"), ("ise", "ize"), ("yse", "yze"),
            ("our", "or"), ("ours", "ors"), ("tre", "ter"), ("lled", "led"), ("lling", "ling"), ("ogue", "og"))


@functools.cache
def _checker() -> SpellChecker:
    """The English dictionary with the shipped additions, loaded once."""
    from spellchecker import SpellChecker

    checker = SpellChecker(language="en", distance=1)
    text = resources.files("followup_rules.facts").joinpath("dictionary.txt").read_text("utf-8")
    checker.word_frequency.load_words(
        [line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")])
    return checker


def own_words(phrases: Iterable[str]) -> frozenset[str]:
    """The words of the case's own phrases (names, company, topics), folded as the check compares them."""
    return frozenset(fold(word) for phrase in phrases for word in _WORD.findall(phrase))


def misspellings(text: str, known: frozenset[str] = frozenset(),
                 skip: Sequence[tuple[int, int]] = ()) -> list[tuple[int, str, str]]:
    """(offset, word, fix) of each misspelt word of `text` outside the sorted (start, end) spans of
    `skip`; `fix` is "" when nothing is close."""
    found = []
    starts = [low for low, _ in skip]
    for match in _WORD.finditer(text):
        word, start = match.group(), match.start()
        lower = word.lower()
        if lower in known or _is_word(lower):
            continue  # most words: known, whatever their place
        at = bisect.bisect_right(starts, start) - 1
        if at >= 0 and start < skip[at][1]:
            continue
        if not _checkable(text, start, match.end(), word):
            continue
        folded = fold(word)
        if folded in _PREFIXES and text[match.end():match.end() + 1] == "-":
            continue
        base = folded.removesuffix("'s")
        if base in known or folded in known or _is_word(base):
            continue
        fix = _fix(base)
        if word[0].isupper() and not fix:
            continue  # a name at the start of a sentence ("Istanbul was fun"), not a typo of a word
        found.append((start, word, fix.capitalize() if fix and word[0].isupper() else fix))
    return found


def _checkable(text: str, start: int, end: int, word: str) -> bool:
    """Whether a word is one a dictionary can judge (see the module's docstring)."""
    if not 2 <= len(word) <= _LONGEST_WORD or any(ch.isdigit() for ch in text[max(0, start - 1):end + 1]):
        return False
    # Part of a longer token: a path, a file name, an address, a handle.
    if text[start - 1:start] in _JOINERS or text[end:end + 1] in _JOINERS:
        return False
    if word.isupper() or any(ch.isupper() for ch in word[1:]):
        return False
    if not word[0].isupper():
        return True
    before = text[max(0, start - 40):start]
    return bool(_SENTENCE_END.search(before)) and not _ABBREVIATION.search(before)


@functools.lru_cache(maxsize=16384)
def _is_word(word: str) -> bool:
    """Whether the dictionary knows a folded word, its unaccented form, or its American spelling."""
    words = _checker().word_frequency.dictionary
    if word in words:
        return True
    if not word.isascii():
        plain = "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch)).lower()
        if plain != word:
            return _is_word(plain)
    return any(word.endswith(british) and word[: -len(british)] + american in words
               for british, american in _BRITISH)


@functools.lru_cache(maxsize=4096)
def _fix(word: str) -> str:
    """The most frequent known word one edit away from a folded word (two for short words), or ""."""
    checker = _checker()
    candidates: Sequence[str] = sorted(checker.known(checker.edit_distance_1(word)))
    if not candidates and len(word) <= _DISTANCE_TWO_UP_TO:
        candidates = sorted(checker.known(checker.edit_distance_2(word)))
    return max(candidates, key=checker.word_usage_frequency) if candidates else ""
