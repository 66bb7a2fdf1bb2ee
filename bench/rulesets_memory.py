"""RSS over many distinct rulesets in one process, as a server or batch worker sees them.

Each ruleset (40 rules, so two durable shards) is new: compiled, given an engine through the
pipeline's bounded cache, and evaluated once. Engines that fall out of the cache delete their
durable rulesets. The baseline, measured in the same run, keeps every engine alive (what a process
did before engines were freed): the ratio of the two growths is the saving.

    .venv/bin/python bench/rulesets_memory.py --rulesets 3000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from pathlib import Path
from typing import Any


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def ruleset(i: int) -> Any:
    from followup_rules.core._yaml import Document
    from followup_rules.engine.compiler import compile_ruleset
    from followup_rules.rules.load import parse_ruleset

    rules = [{"id": f"r{j}", "kind": "dont", "strength": "should", "topic": "tone", "says": "x", "quote": "x",
              "when": {"all": [{"fact": "interview.hours_since_end", "op": "lt", "value": i + j},
                               {"fact": "application.industry", "op": "in", "value": ["tech", "finance"]}]},
              "then": {"warning": "pushy_language"}} for j in range(40)]
    data = {"id": f"coach-{i + 1}", "version": "1.0.0", "title": "A coach's rules", "rules": rules}
    return compile_ruleset(parse_ruleset(Document(f"coach-{i + 1}.yaml", data)))


def measure(count: int, keep: bool, results: Any) -> None:
    """In a fresh process: RSS before and after `count` rulesets, every tenth on the way."""
    from followup_rules.pipeline import engine_for

    facts = {"interview.hours_since_end": 3.0, "application.industry": "tech"}
    kept = []
    engine_for((ruleset(-1),)).fire(facts)  # imports and first allocations out of the measurement
    before = rss_mib()
    samples = []
    for i in range(count):
        engine = engine_for((ruleset(i),))
        engine.fire(facts)
        if keep:
            kept.append(engine)
        if (i + 1) % max(1, count // 10) == 0:
            samples.append(round(rss_mib(), 1))
    results.put({"before_mib": round(before, 1), "after_mib": round(rss_mib(), 1), "samples_mib": samples})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rulesets", type=int, default=3_000)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    out: dict[str, Any] = {"rulesets": args.rulesets}
    for name, keep in (("freed", False), ("kept (baseline)", True)):
        results = context.Queue()
        worker = context.Process(target=measure, args=(args.rulesets, keep, results))
        worker.start()
        out[name] = results.get()
        worker.join()
        out[name]["growth_mib"] = round(out[name]["after_mib"] - out[name]["before_mib"], 1)
        out[name]["kib_per_ruleset"] = round(out[name]["growth_mib"] * 1024 / args.rulesets, 1)
    freed, kept = out["freed"]["growth_mib"], out["kept (baseline)"]["growth_mib"]
    out["growth_ratio_freed_to_kept"] = round(freed / kept, 4) if kept else None
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
