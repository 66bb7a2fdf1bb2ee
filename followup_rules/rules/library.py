"""The ruleset search path: shipped rulesets, extra folders, and selection by id and version."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from followup_rules.core._cache import cache_dir
from followup_rules.core._reading import read_text
from followup_rules.core._resources import shipped_dir
from followup_rules.core._yaml import Document, load_file
from followup_rules.core.limits import MAX_EXTENDS, MAX_RULES
from followup_rules.core.problems import Problem, UserError, did_you_mean
from followup_rules.core.ruleset import Condition, Rule, Ruleset, digest_of
from followup_rules.core.vocabulary import ALWAYS_KNOWN
from followup_rules.rules._semver import matches, parse_spec
from followup_rules.rules.load import build, load_ruleset
from followup_rules.rules.semantics import MAX_TESTS_PER_RULE

# Part of every cache key: a new check or a new entry format makes earlier entries stale.
_CACHE_VERSION = "4"


@lru_cache(maxsize=None)
def _schema_digest() -> str:
    blob = (shipped_dir("schemas") / "ruleset.schema.json").read_bytes()
    return hashlib.sha256(blob).hexdigest()[:16]


def load_cached(path: Path) -> Ruleset:
    """Load a ruleset file, reusing an earlier validation of the same bytes from the disk cache."""
    blob = read_text(path).encode()
    key = hashlib.sha256(blob + _schema_digest().encode() + _CACHE_VERSION.encode()).hexdigest()
    return _load(str(path), key, blob)


@lru_cache(maxsize=512)
def _load(name: str, key: str, blob: bytes) -> Ruleset:
    folder = cache_dir()
    entry = folder / f"{key}.json" if folder else None
    if entry is not None and entry.is_file():
        try:
            kept = json.loads(entry.read_text(encoding="utf-8"))
            return build(Document(name, kept["data"], reread=lambda: load_file(name)), kept["digest"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged cache entry is rebuilt below
    ruleset = load_ruleset(name)
    if entry is not None and ruleset.doc is not None:
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = entry.with_suffix(f".{os.getpid()}.tmp")
            kept = {"digest": ruleset.digest, "data": ruleset.doc.data}
            tmp.write_text(json.dumps(kept, ensure_ascii=False, default=str), encoding="utf-8")
            os.replace(tmp, entry)
        except OSError:
            pass  # caching is an optimisation; a read-only home must not break advice
    return ruleset


@dataclass(frozen=True)
class Listing:
    """A ruleset found on the search path, and which group it belongs to."""

    ruleset: Ruleset
    group: str  # "sources", "industries" or "extra"
    origin: str


class Library:
    """All rulesets on the search path."""

    def __init__(self, paths: Sequence[str | os.PathLike[str]] = (), shipped: bool = True,
                 extra: Iterable[Ruleset] = ()) -> None:
        self.entries: list[Listing] = []
        self._resolved: dict[tuple[int, str], Ruleset] = {}
        self._got: dict[str, Ruleset] = {}
        if shipped:
            root = shipped_dir("rulesets")
            for group in ("sources", "industries"):
                for file in sorted((root / group).glob("*.yaml")):
                    self.entries.append(Listing(load_cached(file), group, "shipped"))
        env = os.environ.get("FOLLOWUP_RULES_PATH", "")
        for folder in [*paths, *[p for p in env.split(os.pathsep) if p]]:
            self._add_path(Path(folder))
        for ruleset in extra:
            self.entries.append(Listing(ruleset, "extra", "plugin"))

    def _add_path(self, path: Path) -> None:
        if path.is_file():
            files = [path]
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json")
                           and "cases" not in p.parts and not p.name.startswith("."))
        else:
            raise UserError([Problem(str(path), 1, 1, "FR001", "no such ruleset file or folder")])
        for file in files:
            self.entries.append(Listing(load_cached(file), "extra", str(path)))

    def ids(self) -> list[str]:
        return sorted({e.ruleset.id for e in self.entries})

    def get(self, spec: str) -> Ruleset:
        """The newest ruleset matching ``id`` or ``id@range`` (``^1.2``, ``~1.2``, ``>=1,<2``, ``1.2.3``),
        with what it `extends` inherited."""
        if spec not in self._got:
            self._got[spec] = self.resolve(self.find(spec))
        return self._got[spec]

    def resolve(self, ruleset: Ruleset, seen: tuple[str, ...] = ()) -> Ruleset:
        """`ruleset` with its `extends` chain applied (parents first, overrides replacing rules)."""
        if not ruleset.extends:
            return ruleset
        key = (id(ruleset), ruleset.extends)
        if key not in self._resolved:
            if ruleset.id in seen:
                raise UserError([_at(ruleset, ("extends",), "FR037",
                                     "extends itself: " + " -> ".join(seen + (ruleset.id,)))])
            if not seen:
                self._check_depth(ruleset)
            parent = self.resolve(self.find(ruleset.extends, ruleset), seen + (ruleset.id,))
            self._resolved[key] = inherit(ruleset, parent)
        return self._resolved[key]

    def _check_depth(self, ruleset: Ruleset) -> None:
        """FR037 at `ruleset`'s `extends` when its chain is longer than MAX_EXTENDS (walked, not recursed)."""
        chain, current = [ruleset.id], ruleset
        while current.extends and current.id not in chain[:-1]:
            current = self.find(current.extends, current)
            chain.append(current.id)
            if len(chain) > MAX_EXTENDS + 1:
                raise UserError([_at(ruleset, ("extends",), "FR037",
                                     f"an `extends` chain longer than {MAX_EXTENDS} steps: "
                                     + " -> ".join(chain[:4] + ["…"]), "extend the ruleset you need directly")])

    def find(self, spec: str, wanted_by: Ruleset | None = None) -> Ruleset:
        """The newest ruleset matching `spec`, as written (nothing inherited)."""
        rid, rng = parse_spec(spec)
        found = [e.ruleset for e in self.entries if e.ruleset.id == rid]
        if not found:
            message = f"no ruleset {rid!r} on the search path"
            hint = did_you_mean(rid, self.ids())
            if wanted_by is not None:
                raise UserError([_at(wanted_by, ("extends",), "FR037", message, hint)])
            raise UserError(message + (f" ({hint})" if hint else ""))
        chosen = [r for r in found if matches(r.version, rng)]
        if not chosen:
            versions = ", ".join(sorted(r.version for r in found))
            message = f"no version of {rid!r} matches {rng!r} (found {versions})"
            if wanted_by is not None:
                raise UserError([_at(wanted_by, ("extends",), "FR037", message)])
            raise UserError(message)
        from followup_rules.rules._semver import key

        return max(chosen, key=lambda r: key(r.version))

    def default_profile(self, industry: str) -> list[Ruleset]:
        """Every shipped source ruleset plus the overlay for `industry`, newest versions."""
        ids = [e.ruleset.id for e in self.entries if e.group == "sources"]
        ids += [e.ruleset.id for e in self.entries if e.group == "industries"
                and e.ruleset.id == f"industry-{industry}"]
        return [self.get(rid) for rid in dict.fromkeys(ids)]


def _at(ruleset: Ruleset, path: tuple[str, ...], code: str, message: str, hint: str = "",
        on_key: bool = False) -> Problem:
    doc = ruleset.doc or Document(ruleset.path, {})
    return doc.problem(path, code, message, hint, on_key)


def _tests(condition: Condition | None) -> int:
    """Leaf tests of a condition, each `in` list counting one per value (as `semantics.count_tests`)."""
    if condition is None:
        return 0
    if condition.kind == "test":
        return max(1, len(condition.value)) if isinstance(condition.value, (list, tuple)) else 1
    return sum(_tests(child) for child in condition.children)


def _anchor_test(rule: Rule) -> int:
    window = rule.then.window
    return 1 if window is not None and window.anchor not in ALWAYS_KNOWN else 0


def inherit(child: Ruleset, parent: Ruleset) -> Ruleset:
    """The child ruleset with its parent's rules (overridden ones replaced) before its own."""
    from dataclasses import replace

    problems = []
    parent_ids = {r.id for r in parent.rules}
    for rid in child.overrides:
        if rid not in parent_ids:
            problems.append(_at(child, ("overrides", rid), "FR036", f"overrides {rid!r}, which {parent.id} does not have",
                                did_you_mean(rid, parent_ids), on_key=True))
    for rule in child.rules:
        if rule.id in parent_ids:
            problems.append(_at(child, rule.path + ("id",), "FR028",
                                f"rule {rule.id!r} is already inherited from {parent.id}",
                                "to change it, list it under `overrides:` with a reason"))
    applies = child.applies_when or parent.applies_when
    own = (*child.rules, *(new for _, new in child.overrides.values() if new is not None))
    for rule in (*parent.rules, *own) if child.applies_when else own:
        total = _tests(applies) + _tests(rule.when) + _anchor_test(rule)
        if total > MAX_TESTS_PER_RULE:
            place = ("applies_when",) if child.applies_when else rule.path + ("when",)
            problems.append(_at(child, place, "FR033", f"rule {rule.id!r} has {total} tests with the `applies_when` "
                                f"of {child.id if child.applies_when else parent.id}, over the limit of "
                                f"{MAX_TESTS_PER_RULE}", "split it into several rules"))
    if problems:
        raise UserError(problems)
    if len(parent.rules) + len(child.rules) > MAX_RULES:
        raise UserError([_at(child, ("extends",), "FR007", f"{len(parent.rules) + len(child.rules)} rules with "
                             f"those of {parent.id}, over the limit of {MAX_RULES}")])
    me = f"{child.id}@{child.version}"
    rules = []
    for rule in parent.rules:
        origin = rule.chain or (f"{parent.id}@{parent.version}",)
        source = parent.source_of(rule)
        if rule.id not in child.overrides:
            rules.append(replace(rule, source=source, chain=origin))
            continue
        reason, new = child.overrides[rule.id]
        if new is not None:
            rules.append(replace(new, source=child.source_file, override_reason=reason,
                                 chain=origin + (f"{me} overrides: {reason}",)))
    rules += [replace(r, chain=(me,)) for r in child.rules]
    return replace(child, rules=tuple(rules), parameters={**parent.parameters, **child.parameters},
                   applies_when=child.applies_when or parent.applies_when,
                   extensions={k: tuple(dict.fromkeys(parent.extensions.get(k, ()) + child.extensions.get(k, ())))
                               for k in set(parent.extensions) | set(child.extensions)},
                   chain=parent.chain + child.chain,
                   digest=digest_of([parent.digest, child.digest]))
