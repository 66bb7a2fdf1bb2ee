"""The ruleset search path: shipped rulesets, extra folders, and selection by id and version."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from ._cache import cache_dir
from ._resources import shipped_dir
from ._semver import matches, parse_spec
from ._yaml import Document
from .problems import Problem, UserError, did_you_mean
from .ruleset import Ruleset, build, load_ruleset

_CACHE_VERSION = "1"


def _schema_digest() -> str:
    blob = (shipped_dir("schemas") / "ruleset.schema.json").read_bytes()
    return hashlib.sha256(blob).hexdigest()[:16]


def load_cached(path: Path) -> Ruleset:
    """Load a ruleset file, reusing an earlier validation of the same bytes from the disk cache."""
    blob = path.read_bytes()
    key = hashlib.sha256(blob + _schema_digest().encode() + _CACHE_VERSION.encode()).hexdigest()
    return _load(str(path), key, blob)


@lru_cache(maxsize=512)
def _load(name: str, key: str, blob: bytes) -> Ruleset:
    folder = cache_dir()
    entry = folder / f"{key}.json" if folder else None
    if entry is not None and entry.is_file():
        try:
            return build(Document(name, json.loads(entry.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged cache entry is rebuilt below
    ruleset = load_ruleset(name)
    if entry is not None and ruleset.doc is not None:
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = entry.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(ruleset.doc.data, ensure_ascii=False, default=str), encoding="utf-8")
            os.replace(tmp, entry)
        except OSError:
            pass  # caching is an optimisation; a read-only home must not break advice
    return ruleset


@dataclass(frozen=True)
class Entry:
    """A ruleset found on the search path, and which group it belongs to."""

    ruleset: Ruleset
    group: str  # "sources", "industries" or "extra"
    origin: str


class Library:
    """All rulesets on the search path."""

    def __init__(self, paths: Sequence[str | os.PathLike[str]] = (), shipped: bool = True,
                 extra: Iterable[Ruleset] = ()) -> None:
        self.entries: list[Entry] = []
        if shipped:
            root = shipped_dir("rulesets")
            for group in ("sources", "industries"):
                for file in sorted((root / group).glob("*.yaml")):
                    self.entries.append(Entry(load_cached(file), group, "shipped"))
        env = os.environ.get("FOLLOWUP_RULES_PATH", "")
        for folder in [*paths, *[p for p in env.split(os.pathsep) if p]]:
            self._add_path(Path(folder))
        for ruleset in extra:
            self.entries.append(Entry(ruleset, "extra", "plugin"))

    def _add_path(self, path: Path) -> None:
        if path.is_file():
            files = [path]
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json")
                           and "cases" not in p.parts and not p.name.startswith("."))
        else:
            raise UserError([Problem(str(path), 1, 1, "FR001", "no such ruleset file or folder")])
        for file in files:
            self.entries.append(Entry(load_cached(file), "extra", str(path)))

    def ids(self) -> list[str]:
        return sorted({e.ruleset.id for e in self.entries})

    def get(self, spec: str) -> Ruleset:
        """The newest ruleset matching ``id`` or ``id@range`` (``^1.2``, ``~1.2``, ``>=1,<2``, ``1.2.3``)."""
        rid, rng = parse_spec(spec)
        found = [e.ruleset for e in self.entries if e.ruleset.id == rid]
        if not found:
            raise UserError(f"no ruleset {rid!r} on the search path"
                            + (f" ({did_you_mean(rid, self.ids())})" if did_you_mean(rid, self.ids()) else ""))
        chosen = [r for r in found if matches(r.version, rng)]
        if not chosen:
            versions = ", ".join(sorted(r.version for r in found))
            raise UserError(f"no version of {rid!r} matches {rng!r} (found {versions})")
        from ._semver import key

        return max(chosen, key=lambda r: key(r.version))

    def default_profile(self, industry: str) -> list[Ruleset]:
        """Every shipped source ruleset plus the overlay for `industry`, newest versions."""
        ids = [e.ruleset.id for e in self.entries if e.group == "sources"]
        ids += [e.ruleset.id for e in self.entries if e.group == "industries"
                and e.ruleset.id == f"industry-{industry}"]
        return [self.get(rid) for rid in dict.fromkeys(ids)]
