"""A small JSON cache on disk for work that is slow to redo at every start."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off (``FOLLOWUP_RULES_CACHE=off``)."""
    setting = os.environ.get("FOLLOWUP_RULES_CACHE")
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "followup-rules"


def cached(name: str, compute: Callable[[], Any]) -> Any:
    """The JSON value stored under `name`, computing and storing it on a miss or a damaged entry."""
    folder = cache_dir()
    entry = folder / name if folder else None
    if entry is not None and entry.is_file():
        try:
            return json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # a damaged entry is recomputed below
    value = compute()
    if entry is not None:
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(value, ensure_ascii=False, default=str), encoding="utf-8")
            os.replace(tmp, entry)
        except OSError:
            pass  # caching is an optimisation; a read-only home must not break advice
    return value
