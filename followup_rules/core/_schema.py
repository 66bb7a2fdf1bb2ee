"""JSON Schema validation that reports the most relevant error at its YAML position.

Cases are validated once per case, in batches of thousands: for them a compiled validator
(fastjsonschema, ten times faster) answers first, and jsonschema runs only on a case it rejects,
to find and word every error at its place. jsonschema stays the authority: a case the compiled
validator rejects but jsonschema accepts is valid.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Callable

from followup_rules.core._resources import shipped_dir
from followup_rules.core._yaml import Document
from followup_rules.core.problems import Problem, did_you_mean


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    """The shipped schema `name` (``case``, ``ruleset`` or ``advice``)."""
    path = shipped_dir("schemas") / f"{name}.schema.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


#: Schemas checked once per case: worth compiling (tens of milliseconds, once per process).
_COMPILED = frozenset({"case"})


@lru_cache(maxsize=None)
def _compiled(name: str) -> Callable[[Any], Any]:
    import fastjsonschema

    # use_default=False: the validator must not fill defaults into the caller's data.
    validate: Callable[[Any], Any] = fastjsonschema.compile(schema(name), use_default=False)
    return validate


def _passes_compiled(data: Any, name: str) -> bool:
    from fastjsonschema import JsonSchemaException

    try:
        _compiled(name)(data)
    except JsonSchemaException:
        return False
    return True


@lru_cache(maxsize=None)
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name))


def validate(doc: Document, name: str) -> list[Problem]:
    """Problems of `doc` against schema `name`: the best match per location, at most ten."""
    if name in _COMPILED and _passes_compiled(doc.data, name):
        return []
    from jsonschema.exceptions import best_match

    errors = list(_validator(name).iter_errors(doc.data))
    if not errors:
        return []
    by_place: dict[tuple[Any, ...], list[Any]] = {}
    for error in errors:
        by_place.setdefault(tuple(error.absolute_path), []).append(error)
    problems = [_problem(doc, best_match(group)) for group in by_place.values()]
    return sorted(problems)[:10]


def _problem(doc: Document, error: Any) -> Problem:
    path = tuple(error.absolute_path)
    validator = error.validator
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        key = extra[0] if extra else "?"
        return doc.problem(path + (key,), "FR010", f"unknown key {key!r}" + _at(path),
                           did_you_mean(key, allowed) or "allowed keys: " + ", ".join(allowed),
                           on_key=True)
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return doc.problem(path, "FR012", f"missing required key {missing!r}" + _at(path))
    if validator == "enum":
        allowed = [str(v) for v in error.validator_value]
        return doc.problem(path, "FR013", f"{error.instance!r} is not allowed" + _at(path),
                           did_you_mean(str(error.instance), allowed) or "allowed: " + ", ".join(allowed))
    if validator == "pattern":
        what = error.schema.get("description", "").split(".")[0] or "the expected format"
        return doc.problem(path, "FR011", f"{error.instance!r} is not valid" + _at(path), f"expected {what}")
    message = error.message if len(error.message) < 200 else error.message[:197] + "..."
    return doc.problem(path, "FR011", message + _at(path))


def _at(path: tuple[Any, ...]) -> str:
    return f" at {'.'.join(str(p) for p in path)}" if path else ""
