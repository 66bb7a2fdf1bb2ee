"""The long fuzz run: generated cases, rulesets and profiles through every command that reads them.

    .venv/bin/python fuzz/run.py --cases 100000 --rulesets 10000 --profiles 2000 --workers 2 --minutes 60

Each worker process draws its share of inputs with Hypothesis (a seed of its own) and judges each
with the oracle (fuzz/oracle.py: exit 0/1/2 only, no traceback, no hang over 5 s, a located message
for exit 2, the same bytes on a second run with the cache warm). Prints the counts by outcome as
JSON, and the first failures of each kind. Stops early, and says so, when `--minutes` run out.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from commands import case_commands, profile_commands, ruleset_commands
from oracle import Tally


class TimeUp(KeyboardInterrupt):
    """The time budget ran out (Hypothesis lets a KeyboardInterrupt through at once)."""


def work(shares: dict[str, int], seed: int, deadline: float, folder: str) -> dict[str, Any]:
    """Judge this worker's share of each kind, in rounds that keep the kinds in proportion, so that
    a run the time budget stops has tried each kind as far as the others; the tally as plain data."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded
    from hypothesis import strategies as st
    from inputs import cases, profiles, rulesets

    os.environ["FOLLOWUP_RULES_CACHE"] = tempfile.mkdtemp(prefix="cache-", dir=folder)
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="data-", dir=folder)
    tallies = {kind: Tally() for kind in shares}
    strategies = {"cases": cases(), "rulesets": rulesets(), "profiles": profiles()}

    def place(text: str, name: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix="input-", dir=folder)) / name
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        return path

    def judge(kind: str, text: str, which: int) -> None:
        if time.time() > deadline:
            raise TimeUp()
        tally = tallies[kind]
        if kind == "cases":
            commands = case_commands(str(place(text, "case.yaml")))
            args = commands[which % len(commands)]
            tally.judge(args, text.encode("utf-8", "surrogatepass") if "-" in args else b"", forget=False)
        elif kind == "rulesets":
            commands = ruleset_commands(str(place(text, "fuzzed.yaml")))
            tally.judge(commands[which % len(commands)])
        else:
            path = place(text, "followup.yaml")
            commands = profile_commands(str(path), str(path.with_name("followup.lock")))
            tally.judge(commands[which % len(commands)])

    rounds = max(1, min(50, max(shares.values()) // 2_000))  # Hypothesis starts each run simple: runs stay long
    try:
        for number in range(rounds):
            for kind, total in shares.items():
                count = total // rounds + (1 if number < total % rounds else 0)
                if not count:
                    continue

                @seeded(seed * 1_000 + number)
                @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
                          suppress_health_check=list(HealthCheck))
                @given(kind=st.just(kind), text=strategies[kind], which=st.integers(0, 5))
                def one(kind: str, text: str, which: int) -> None:
                    judge(kind, text, which)

                one()
    except TimeUp:
        for tally in tallies.values():
            tally.counts["stopped by the time budget"] = 1
    return {kind: {"counts": dict(t.counts), "failures": t.failures} for kind, t in tallies.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rulesets", type=int, default=10_000)
    parser.add_argument("--profiles", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=60.0, help="stop then, and say how far it got")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    started = time.time()
    deadline = started + args.minutes * 60
    kinds = {"cases": args.cases, "rulesets": args.rulesets, "profiles": args.profiles}
    jobs = [({kind: total // args.workers + (1 if i < total % args.workers else 0) for kind, total in kinds.items()},
             args.seed * 100 + i, deadline) for i in range(args.workers)]
    with tempfile.TemporaryDirectory(prefix="followup-fuzz-") as folder:
        with multiprocessing.get_context("spawn").Pool(args.workers, maxtasksperchild=1) as pool:
            results = pool.starmap(work, [(*job, folder) for job in jobs])
    report: dict[str, Any] = {"seconds": round(time.time() - started), "asked": kinds, "by_kind": {}}
    total: Counter[str] = Counter()
    failures: dict[str, list[str]] = {}
    for result in results:
        for kind, part in result.items():
            report["by_kind"].setdefault(kind, Counter()).update(part["counts"])
            total.update(part["counts"])
            for name, examples in part["failures"].items():
                failures.setdefault(name, []).extend(examples)
    total["stopped by the time budget"] = min(1, total["stopped by the time budget"])
    report["total"] = dict(sorted(total.items()))
    report["by_kind"] = {k: dict(sorted(v.items())) for k, v in report["by_kind"].items()}
    print(json.dumps(report, indent=2))
    for name, examples in failures.items():
        print(f"\n== {name} ({total[name]})")
        for example in examples[:5]:
            print(example)


if __name__ == "__main__":
    main()
