"""Where the shipped rulesets and schemas live, installed or in a source checkout."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=None)
def shipped_dir(name: str) -> Path:
    """The directory `name` (``rulesets`` or ``schemas``) shipped with the package."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the package's {name}/ directory is missing; reinstall followup-rules")
