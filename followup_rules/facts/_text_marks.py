"""Marks in a draft's text other than words: emojis and emoticons, runs of '!' and pressing '?',
unfilled placeholders, and the URLs and e-mail addresses inside which nothing counts as a finding.
"""

from __future__ import annotations

import bisect
import re

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
# A whole run of '?' and '!' with a '?' in it; matched only where a run starts, so a long run of
# '!' costs one scan, not one per mark.
_QUESTION_RUN = re.compile(r"(?<![?!])[?!]*\?[?!]*")
_PLACEHOLDER = re.compile(
    r"\[[^\[\]\n]{1,80}\](?![(\[])"        # [Name], not a markdown link [text](url) or [text][ref]
    r"|\{\{[^{}\n]{1,80}\}\}|\{[^{}\n]{1,80}\}"
    r"|<<[^<>\n]{1,80}>>"
)
# Bracketed text that is editorial rather than unfilled: [sic], a ticked box [x].
_NOT_PLACEHOLDERS = frozenset({"sic", "x"})


def emoji_hits(text: str) -> list[tuple[int, str, str]]:
    """Each Unicode emoji with its offset (ASCII emoticons are ``emoticon_hits``)."""
    if text.isascii() or not _EMOJI_CANDIDATE.search(text):
        return []
    emoji = _EMOJI_SELECTED if "\ufe0f" in text or "\u20e3" in text else _EMOJI
    return [(m.start(), "emoji", m.group()) for m in emoji.finditer(text)]


def emoticon_hits(text: str) -> list[tuple[int, str, str]]:
    """Each ASCII emoticon with its offset; it counts as an emoji."""
    return [(m.start(), "emoji", m.group()) for m in _EMOTICON.finditer(text)]


def exclamation_runs(text: str) -> list[tuple[int, str]]:
    """Each run of '!' with its offset; '1's inside a run count ("!!1"), not the start of a number."""
    runs = []
    for m in _EXCLAMATION.finditer(text):
        run = m.group()
        if m.end() < len(text) and text[m.end()].isalnum():
            run = run.rstrip("1")
        runs.append((m.start(), run))
    return runs


def placeholder_hits(text: str) -> list[tuple[int, str, str]]:
    """Each unfilled placeholder with its offset."""
    return [
        (m.start(), "placeholder", m.group())
        for m in _PLACEHOLDER.finditer(text)
        if _is_placeholder(m.group())
    ]


def _is_placeholder(token: str) -> bool:
    """Whether a bracketed token is something left to fill in: it names something in letters."""
    inner = token.strip("[]{}<>").strip().lower()
    return any(ch.isalpha() for ch in inner) and inner not in _NOT_PLACEHOLDERS


def url_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each URL and e-mail address of ``text``."""
    return [(m.start(), m.end()) for m in _URL.finditer(text)] if ("@" in text or "www." in text.lower()
                                                                  or "://" in text) else []


def outside_urls(text: str, hits: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """The hits that do not start inside a URL or an e-mail address of ``text``."""
    # URLs and addresses are looked for only when there is something they could hide.
    if not hits:
        return []
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    url_starts = [start for start, _ in urls]

    def in_url(offset: int) -> bool:
        i = bisect.bisect_right(url_starts, offset) - 1
        return i >= 0 and offset < urls[i][1]

    return [hit for hit in hits if not in_url(hit[0])]


def pressing_marks(text: str) -> list[tuple[int, str, str]]:
    """Each run of '?' doubled or mixed with '!' ("??", "?!", "!?"): a question that presses; it counts as pushy."""
    if "?" not in text:
        return []
    return [(m.start(), "pushy", m.group()) for m in _QUESTION_RUN.finditer(text) if len(m.group()) >= 2]
