"""Run in a fresh process: time import, load + validate, compile and durable ruleset creation.

Prints one JSON object of seconds per phase. FOLLOWUP_RULES_CACHE decides whether validated
rulesets come from the disk cache ("off" disables it), so the parent runs this with each setting.
"""

from __future__ import annotations

import json
import time

# The imports below come after the clock starts because their cost is one of the phases measured.
started = time.perf_counter()

from followup_rules.engine.compiler import compile_ruleset
from followup_rules.engine.durable import Engine
from followup_rules.rules.library import Library


def main() -> None:
    imported = time.perf_counter()
    library = Library()
    loaded = time.perf_counter()
    compiled = tuple(compile_ruleset(entry.ruleset) for entry in library.entries)
    done = time.perf_counter()
    engine = Engine(compiled)
    created = time.perf_counter()
    print(json.dumps({"import": imported - started, "load_validate": loaded - imported,
                      "compile": done - loaded, "create_durable": created - done,
                      "total": created - started, "shards": engine.shard_count}))


if __name__ == "__main__":
    main()
