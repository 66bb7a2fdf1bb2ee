"""Just enough semantic versioning for ruleset ranges: ``^1.2``, ``~1.2.3``, ``>=1,<2``, ``1.2.3``, ``*``."""

from __future__ import annotations

import re

from followup_rules.core.problems import UserError

# Build metadata (`+build.5`) is allowed and, as semver says, ignored when ordering.
_VERSION = re.compile(r"^(\d{1,18})(?:\.(\d{1,18}))?(?:\.(\d{1,18}))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_COMPARISON = re.compile(r"^(>=|<=|>|<|=|==)?\s*(.+)$")


def key(version: str) -> tuple[int, int, int]:
    """The version as a sortable triple; missing parts are 0."""
    m = _VERSION.match(version.strip())
    if not m:
        raise UserError(f"{version!r} is not a version such as 1.2.3")
    return (int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0))


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``id@range`` into id and range (``*`` when absent)."""
    rid, _, rng = spec.partition("@")
    return rid.strip(), (rng.strip() or "*")


def range_problem(rng: str) -> str | None:
    """Why `rng` is not a version range, or None when it is one."""
    for part in (p.strip() for p in rng.split(",")):
        if part in ("*", ""):
            continue
        comparison = _COMPARISON.match(part)
        bound = part[1:] if part[0] in "^~" else comparison.group(2) if comparison else ""
        if not _VERSION.match(bound.strip()):
            return f"{part!r} is not a version range such as ^1.2, ~1.2.3, >=1,<2 or 1.2.3"
    return None


def matches(version: str, rng: str) -> bool:
    """Whether `version` is inside the range `rng`."""
    v = key(version)
    for part in (p.strip() for p in rng.split(",")):
        if part in ("*", ""):
            continue
        if part[0] == "^":
            low = key(part[1:])
            high = (low[0] + 1, 0, 0) if low[0] else ((0, low[1] + 1, 0) if low[1] else (0, 0, low[2] + 1))
            if not low <= v < high:
                return False
        elif part[0] == "~":
            low = key(part[1:])
            if not low <= v < (low[0], low[1] + 1, 0):
                return False
        else:
            m = _COMPARISON.match(part)
            assert m is not None
            op, bound = m.group(1) or "=", key(m.group(2))
            ok = {">=": v >= bound, "<=": v <= bound, ">": v > bound, "<": v < bound,
                  "=": v == bound, "==": v == bound}[op]
            if not ok:
                return False
    return True
