"""Run in a fresh process: RSS growth of the engine over many evaluations, after a warm-up.

Prints one JSON object: RSS (MiB) after the warm-up, at every tenth of the run and at the end.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cases import generate_all

from followup_rules.core.case import case_from_mapping
from followup_rules.engine.compiler import compile_ruleset
from followup_rules.facts.derive import derive
from followup_rules.pipeline import engine_for, moment
from followup_rules.rules.library import Library

_MIB = 1024 * 1024


def status_mib(field: str = "VmRSS") -> float:
    """A memory figure of this process from /proc/self/status (given there in KiB): RSS by default."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024 / _MIB
    raise RuntimeError(f"no {field} in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--evaluations", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--cases", type=int, default=500, help="distinct cases cycled through")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    compiled = tuple(compile_ruleset(entry.ruleset) for entry in Library().entries)
    engine = engine_for(compiled)
    facts = []
    for data, at in generate_all(args.cases, args.seed):
        case = case_from_mapping(data)
        facts.append(derive(case, moment(at, case)).values)
    for i in range(args.warmup):
        engine.fire(facts[i % len(facts)])
    before = status_mib()
    samples = []
    step = max(1, args.evaluations // 10)
    started = time.perf_counter()
    for i in range(args.evaluations):
        engine.fire(facts[i % len(facts)])
        if (i + 1) % step == 0:
            samples.append(round(status_mib(), 2))
    elapsed = time.perf_counter() - started
    after = status_mib()
    print(json.dumps({"evaluations": args.evaluations, "warmup": args.warmup, "rss_before_mib": before,
                      "rss_after_mib": after, "growth_mib": after - before, "samples_mib": samples,
                      # Not getrusage's ru_maxrss: Linux carries it over from the parent across fork and exec.
                      "peak_rss_mib": status_mib("VmHWM"),
                      "evaluations_per_s": args.evaluations / elapsed}))


if __name__ == "__main__":
    main()
