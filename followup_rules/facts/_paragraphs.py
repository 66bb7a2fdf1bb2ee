"""Counting a draft's paragraphs: blocks separated by blank lines, without the greeting line and
the sign-off block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from followup_rules.facts._wordlists import WORD

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
    words = WORD.findall(stripped)
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


def count_paragraphs(lines: Sequence[str]) -> int:
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
