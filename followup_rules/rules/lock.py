"""Lock files: the exact rulesets (id, version, digest) a profile resolved to, reused unchanged."""

from __future__ import annotations

import json
import os
from typing import Sequence

from followup_rules.core._yaml import load_file
from followup_rules.core.files import write_atomically
from followup_rules.core.problems import UserError
from followup_rules.core.ruleset import Ruleset
from followup_rules.rules.library import Library

LOCK_NAME = "followup.lock"


def write_lock(rulesets: Sequence[Ruleset], path: str | os.PathLike[str]) -> None:
    """Write the resolved rulesets to `path` (JSON, stable order), atomically."""
    entries = [{"id": r.id, "version": r.version, "digest": r.digest, "chain": list(r.chain)} for r in rulesets]
    text = json.dumps({"lock_version": 1, "rulesets": entries}, indent=2) + "\n"
    write_atomically(path, text.encode("utf-8"))


def is_lock(data: bytes) -> bool:
    """Whether a file's bytes are a lock file (which `followup rulesets lock` may write over)."""
    try:
        parsed = json.loads(data)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("lock_version") == 1 and isinstance(parsed.get("rulesets"), list)


def read_lock(path: str | os.PathLike[str], library: Library) -> list[Ruleset]:
    """The locked rulesets, each checked to be byte-for-byte the one that was locked."""
    doc = load_file(path)
    data = doc.data if isinstance(doc.data, dict) else {}
    entries = data.get("rulesets")
    if data.get("lock_version") != 1 or not isinstance(entries, list):
        raise UserError([doc.problem((), "FR038", "not a followup lock file (lock_version 1 with `rulesets`)")])
    chosen, problems = [], []
    for i, entry in enumerate(entries):
        try:
            ruleset = library.get(f"{entry['id']}@={entry['version']}")
        except UserError as exc:
            problems += [doc.problem(("rulesets", i), "FR038", f"locked ruleset unavailable: {p.message}")
                         for p in exc.problems]
            continue
        except (KeyError, TypeError):
            problems.append(doc.problem(("rulesets", i), "FR038", "a lock entry needs `id` and `version`"))
            continue
        if ruleset.digest != entry.get("digest"):
            problems.append(doc.problem(("rulesets", i, "digest"), "FR038",
                                        f"{ruleset.id}@{ruleset.version} changed since it was locked",
                                        "run `followup rulesets lock` again to accept the change"))
            continue
        chosen.append(ruleset)
    if problems:
        raise UserError(problems)
    return chosen
