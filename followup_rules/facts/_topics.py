"""Whether a draft names a topic recorded for the interview: its whole phrase, or enough of its
significant words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from followup_rules.facts._wordlists import (
    APOSTROPHE_CLASS,
    APOSTROPHES,
    ENTRY_END,
    WORD,
    entry_pattern,
    fold,
)

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
    word = fold(word).removesuffix("'s")
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase as a pattern over folded text, guarded on both ends like a list entry.

    The start guard comes after the first character so that a search can skip straight to the
    places where that character occurs.
    """
    folded = fold(phrase)
    head = APOSTROPHE_CLASS if folded[0] in APOSTROPHES else re.escape(folded[0])
    tail = entry_pattern(folded[1:]) if len(folded) > 1 else ""
    return re.compile(f"{head}(?<![\\w-].)(?<!\\w\\..){tail}{ENTRY_END}")


@dataclass(frozen=True)
class _Topic:
    """How a topic is recognised: its whole phrase, or enough of its significant words."""

    phrase: re.Pattern[str] | None
    significant: tuple[re.Pattern[str], ...]
    needed: int

    def found_in(self, folded: str) -> bool:
        """Whether a folded text (see ``fold``) names the topic."""
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
        _stem(word) for word in WORD.findall(phrase)
        if sum(ch.isalpha() for ch in word) >= 4 and fold(word) not in _STOPWORDS
    })
    return _Topic(
        phrase=_phrase_pattern(phrase) if phrase else None,
        significant=tuple(re.compile(rf"\b{re.escape(stem)}(?:s|'s)?\b") for stem in stems),
        needed=1 if len(stems) == 1 else 2,
    )


def mentions_any(topics: Sequence[str], folded: str) -> bool:
    """Whether a folded text (see ``fold``) names any of ``topics``."""
    return any(_topic(topic).found_in(folded) for topic in topics)
