"""Benchmark followup-rules: throughput, the plain-Python baseline, compile time, cold start, RSS.

    python bench/run.py            # full run: 10,000 cases, 100,000 evaluations for RSS
    python bench/run.py --quick    # CI smoke: small sizes, same checks
    python bench/run.py --json     # machine-readable results

Cases are generated deterministically and parsed once, outside every timed region. Each timed
stage runs several times over all cases (resolve alone over a subset) and reports the median,
in wall time (what the targets are about) and in CPU time (less disturbed by other processes on
a shared machine). Exits 1 if the engine and a baseline disagree on any case. Results and
analysis: docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyrules
from cases import generate_all

from followup_rules.api import advise, engine_for, moment
from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import Case, case_from_mapping
from followup_rules.engine.compiler import Compiled, compile_ruleset
from followup_rules.engine.conditions import evaluate
from followup_rules.facts.derive import derive
from followup_rules.resolve.resolver import build_advice
from followup_rules.rules.library import Library

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
EXAMPLE = "examples/just-after-interview.yaml"
EXAMPLE_AT = "2025-03-06T16:00:00-05:00"
CLI = [str(Path(sys.executable).with_name("followup")), "advise", EXAMPLE, "--at", EXAMPLE_AT]

#: The issue's targets.
MAX_ENGINE_RATIO = 8.0
MIN_ADVISE_RATE = 5_000.0
MAX_CLI_MS = 300.0
MAX_RSS_GROWTH_MIB = 5.0


@dataclass(frozen=True)
class Sizes:
    cases: int
    repeats: int
    rss_evaluations: int
    rss_cases: int
    resolve_cases: int
    cli_runs: int
    other_cli_runs: int
    process_runs: int


FULL = Sizes(cases=10_000, repeats=3, rss_evaluations=100_000, rss_cases=500, resolve_cases=2_000, cli_runs=9,
             other_cli_runs=5, process_runs=5)
QUICK = Sizes(cases=200, repeats=1, rss_evaluations=3_000, rss_cases=50, resolve_cases=200, cli_runs=1,
              other_cli_runs=1, process_runs=1)


@dataclass(frozen=True)
class Timing:
    """Median wall and CPU seconds per case of several runs of one stage."""

    wall: float
    cpu: float


def timed(stage: Callable[[], Any], repeats: int, cases: int) -> tuple[Timing, Any]:
    """The median timing of `repeats` runs of `stage` over `cases` cases, and the last run's result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = stage()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return Timing(statistics.median(walls) / cases, statistics.median(cpus) / cases), result


class Children:
    """Fresh Python processes, with the ruleset disk cache and the bytecode cache chosen per run.

    Bytecode goes to a private PYTHONPYCACHEPREFIX, as an installed package has its .pyc files;
    `bytecode=False` reproduces PYTHONDONTWRITEBYTECODE (every module compiled at each start).
    """

    def __init__(self, scratch: Path) -> None:
        self.pyc = scratch / "pyc"
        self.cache = str(scratch / "rulesets")

    def run(self, args: Sequence[str], cache: str, bytecode: bool = True) -> tuple[float, float, str]:
        """Wall seconds, CPU seconds (user + system) and stdout of one process."""
        env = dict(os.environ, FOLLOWUP_RULES_CACHE=cache)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BENCH), env.get("PYTHONPATH", "")) if p)
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(self.pyc)
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(args, check=False, env=env, capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return wall, cpu, done.stdout

    def compile_times(self, runs: int, cache: str) -> dict[str, float]:
        """Median phase seconds of `runs` processes loading and compiling every shipped ruleset."""
        phases: dict[str, list[float]] = {}
        for _ in range(runs):
            wall, cpu, out = self.run([sys.executable, str(BENCH / "phases.py")], cache)
            for name, value in {**json.loads(out), "process_wall": wall, "process_cpu": cpu}.items():
                phases.setdefault(name, []).append(value)
        return {name: statistics.median(values) for name, values in phases.items()}

    def cli(self, runs: int, cache: str, bytecode: bool = True) -> dict[str, Any]:
        """Wall and CPU milliseconds of `runs` cold `followup advise` processes on the example."""
        times = [self.run(CLI, cache, bytecode)[:2] for _ in range(runs)]
        walls = [wall * 1000 for wall, _ in times]
        return {"runs": runs, "wall_ms": walls, "median_ms": statistics.median(walls),
                "median_cpu_ms": statistics.median(cpu * 1000 for _, cpu in times)}

    def rss(self, evaluations: int, cases: int) -> dict[str, Any]:
        args = [sys.executable, str(BENCH / "memory.py"), "--evaluations", str(evaluations), "--cases", str(cases)]
        out = self.run(args, "off")[2]
        result: dict[str, Any] = json.loads(out)
        return result


def discard(results: Iterable[Any]) -> None:
    """Run a lazy stage to the end without keeping its results."""
    for _ in results:
        pass


def baseline_fired(compiled: tuple[Compiled, ...], values: dict[str, Any]) -> set[str]:
    """The plain-Python evaluation of the same rules: the explain evaluator over every condition."""
    return {rule.key for c in compiled for rule in c.rules
            if rule.condition is None or evaluate(rule.condition, values, c.params).passed}


def throughput(cases: list[tuple[Case, Any]], repeats: int, resolve_cases: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per-stage timings over `cases` with every shipped ruleset, and what was evaluated.

    `resolve.build_advice` alone, a breakdown of `advise`, runs over the first `resolve_cases` only.
    """
    rulesets = [entry.ruleset for entry in Library().entries]
    compiled = tuple(compile_ruleset(r) for r in rulesets)
    engine = engine_for(compiled)
    calendars = [BusinessCalendar(c.country, c.subdivision) for c, _ in cases]
    if_chain = pyrules.build(compiled)
    stages: dict[str, Timing] = {}
    n = len(cases)
    stages["derive"], facts = timed(lambda: [derive(c, at, cal) for (c, at), cal in zip(cases, calendars)],
                                    repeats, n)
    values = [f.values for f in facts]
    stages["engine"], fired = timed(lambda: [engine.fire(v) for v in values], repeats, n)
    stages["baseline"], expected = timed(lambda: [baseline_fired(compiled, v) for v in values], repeats, n)
    stages["if_chain"], chained = timed(lambda: [if_chain(v) for v in values], repeats, n)
    # Advice is large (tens of kB per case): these two stages keep none of it.
    subset = list(zip(cases, fired, facts, calendars))[:resolve_cases]
    stages["resolve"], _ = timed(lambda: discard(
        build_advice(c, at, compiled, f, fa, "agreement", cal) for (c, at), f, fa, cal in subset),
        repeats, len(subset))
    stages["advise"], _ = timed(lambda: discard(advise(c, at=at, rulesets=rulesets) for c, at in cases), repeats, n)
    result = {
        "cases": n,
        "resolve_cases": len(subset),
        "per_s": {name: 1 / t.wall for name, t in stages.items()},
        "us_per_case": {name: t.wall * 1e6 for name, t in stages.items()},
        "cpu_us_per_case": {name: t.cpu * 1e6 for name, t in stages.items()},
        "engine_vs_baseline": stages["engine"].wall / stages["baseline"].wall,
        "engine_vs_if_chain": stages["engine"].wall / stages["if_chain"].wall,
        "mismatches_baseline": sum(a != b for a, b in zip(fired, expected)),
        "mismatches_if_chain": sum(a != b for a, b in zip(fired, chained)),
        "fired_per_case": sum(map(len, fired)) / n,
        "rules_ever_fired": len(set().union(*fired)),
    }
    rules = {"rulesets": [f"{r.id}@{r.version}" for r in rulesets], "rules": sum(len(c.rules) for c in compiled),
             "live": sum(len(c.live) for c in compiled), "shards": engine.shard_count}
    return result, rules


def measure(sizes: Sizes, seed: int) -> dict[str, Any]:
    results: dict[str, Any] = {"sizes": asdict(sizes), "seed": seed, "machine": machine()}
    started = time.perf_counter()
    generated = generate_all(sizes.cases, seed)
    parse_started = time.perf_counter()
    cases: list[tuple[Case, Any]] = []
    for data, at in generated:
        case = case_from_mapping(data)
        cases.append((case, moment(at, case)))
    results["setup"] = {"generate_s": parse_started - started, "parse_s": time.perf_counter() - parse_started}
    results["throughput"], results["rules"] = throughput(cases, sizes.repeats, sizes.resolve_cases)
    with tempfile.TemporaryDirectory(prefix="followup-bench-") as scratch:
        children = Children(Path(scratch))
        # Fill the ruleset cache and the bytecode cache of every module either child imports.
        children.run([sys.executable, str(BENCH / "phases.py")], children.cache)
        children.run(CLI, children.cache)
        results["compile"] = {"cache_off": children.compile_times(sizes.process_runs, "off"),
                              "cache_warm": children.compile_times(sizes.process_runs, children.cache)}
        results["cli"] = {"warm": children.cli(sizes.cli_runs, children.cache),
                          "cache_off": children.cli(sizes.other_cli_runs, "off"),
                          "no_bytecode": children.cli(sizes.other_cli_runs, children.cache, bytecode=False)}
        results["rss"] = children.rss(sizes.rss_evaluations, sizes.rss_cases)
    results["targets"] = targets(results)
    results["total_s"] = time.perf_counter() - started
    return results


def machine() -> dict[str, Any]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=ROOT, capture_output=True, text=True)
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "cpus": os.cpu_count(), "load_average": os.getloadavg(),
            "commit": commit.stdout.strip() or "unknown (not a git checkout)",
            "durable_rules": version("durable-rules")}


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue with the measured figure, whether it is met, and by what factor."""
    t, cli, rss = results["throughput"], results["cli"]["warm"], results["rss"]
    rows = [
        ("engine within 8x plain Python (conditions.evaluate)", t["engine_vs_baseline"], MAX_ENGINE_RATIO, "x", True),
        ("engine within 8x plain Python (if-chain)", t["engine_vs_if_chain"], MAX_ENGINE_RATIO, "x", True),
        ("advise, every shipped ruleset, cases/s", t["per_s"]["advise"], MIN_ADVISE_RATE, "/s", False),
        ("followup advise cold start, median ms", cli["median_ms"], MAX_CLI_MS, "ms", True),
        ("RSS growth over the evaluations, MiB", rss["growth_mib"], MAX_RSS_GROWTH_MIB, "MiB", True),
    ]
    out = []
    for name, value, limit, unit, at_most in rows:
        met = value <= limit if at_most else value >= limit
        out.append({"target": name, "measured": value, "limit": limit, "unit": unit, "met": met,
                    "factor": value / limit if at_most else limit / value})
    return out


STAGES = (("derive", "facts.derive"), ("engine", "engine.fire (durable-rules)"),
          ("baseline", "baseline: conditions.evaluate, all rules"), ("if_chain", "baseline: short-circuit if-chain"),
          ("resolve", "resolve.build_advice (subset)"), ("advise", "api.advise, end to end"))


def report(results: dict[str, Any]) -> str:
    t, c, cli, rss = results["throughput"], results["compile"], results["cli"], results["rss"]
    m, rules = results["machine"], results["rules"]
    engine_us = t["us_per_case"]["engine"]
    lines = [(f"followup-rules benchmark: CPython {m['python']}, durable-rules {m['durable_rules']}, "
             f"{m['cpus']} CPUs (load {m['load_average'][0]:.1f} at start), commit {m['commit']}"),
             f"rulesets: {', '.join(rules['rulesets'])}",
             (f"  {rules['rules']} rules, {rules['live']} live, {rules['shards']} durable shards; "
             f"{t['fired_per_case']:.1f} fire per case, {t['rules_ever_fired']} distinct ever fire"),
             (f"cases: {t['cases']:,} (seed {results['seed']}; resolve alone on the first {t['resolve_cases']:,}), "
              f"median of {results['sizes']['repeats']} runs"), "",
             f"{'stage':<42}{'µs/case':>9}{'CPU µs':>9}{'cases/s':>10}{'÷ engine':>10}"]
    for key, label in STAGES:
        us = t["us_per_case"][key]
        lines.append(f"{label:<42}{us:>9.1f}{t['cpu_us_per_case'][key]:>9.1f}{t['per_s'][key]:>10,.0f}"
                     f"{us / engine_us:>9.2f}x")
    lines += [(f"engine time / baseline time: {t['engine_vs_baseline']:.2f}x (conditions.evaluate), "
              f"{t['engine_vs_if_chain']:.1f}x (if-chain)"),
              (f"fired-set mismatches: {t['mismatches_baseline']} vs conditions.evaluate, "
              f"{t['mismatches_if_chain']} vs if-chain"), "",
              (f"{'fresh process, ms (median)':<26}{'import':>8}{'load+val':>10}{'compile':>9}{'durable':>9}"
              f"{'in-proc':>9}{'wall':>7}{'CPU':>7}")]
    for label, key in (("disk cache off", "cache_off"), ("disk cache warm", "cache_warm")):
        p = {k: v * 1000 for k, v in c[key].items() if k != "shards"}
        lines.append(f"{label:<26}{p['import']:>8.1f}{p['load_validate']:>10.1f}{p['compile']:>9.1f}"
                     f"{p['create_durable']:>9.1f}{p['total']:>9.1f}{p['process_wall']:>7.0f}{p['process_cpu']:>7.0f}")
    lines += ["", f"followup advise {EXAMPLE} --at {EXAMPLE_AT}, cold:"]
    for label, key in (("disk cache warm (as a user has it)", "warm"), ("disk cache off", "cache_off"),
                       ("no .pyc (PYTHONDONTWRITEBYTECODE=1)", "no_bytecode")):
        run = cli[key]
        lines.append(f"  {label:<40} median {run['median_ms']:>6.0f} ms wall, {run['median_cpu_ms']:>5.0f} ms CPU"
                     f"  ({run['runs']} runs)")
    lines += ["", (f"RSS over {rss['evaluations']:,} engine evaluations after {rss['warmup']:,} warm-up: "
                  f"{rss['rss_before_mib']:.1f} -> {rss['rss_after_mib']:.1f} MiB "
                  f"(growth {rss['growth_mib']:+.2f} MiB; {rss['evaluations_per_s']:,.0f} evaluations/s)"),
              "", "targets:"]
    for row in results["targets"]:
        verdict = "met" if row["met"] else f"MISSED by {row['factor']:.2f}x"
        lines.append(f"  {row['target']:<52}{row['measured']:>9,.2f} {row['unit']:<4}"
                     f"(limit {row['limit']:,.0f})  {verdict}")
    lines.append(f"total benchmark time {results['total_s']:.0f} s")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark followup-rules (see docs/performance.md).")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a CI smoke run")
    parser.add_argument("--cases", type=int, help="number of generated cases (default 10,000; quick 200)")
    parser.add_argument("--seed", type=int, default=20250306, help="seed of the case generator")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.cases:
        sizes = replace(sizes, cases=args.cases)
    results = measure(sizes, args.seed)
    print(json.dumps(results, indent=2) if args.json else report(results))
    t = results["throughput"]
    return 1 if t["mismatches_baseline"] or t["mismatches_if_chain"] else 0


if __name__ == "__main__":
    sys.exit(main())
