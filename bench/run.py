"""Benchmark followup-rules end to end against the plain-Python floor, with every lever measured.

    python bench/run.py            # full run: 5,000 cases, 5 rounds, cold start, RSS over 100,000 evaluations
    python bench/run.py --quick    # CI smoke: small sizes, same checks
    python bench/run.py --json     # machine-readable results
    python bench/run.py --profile  # also the cumulative times of the top functions of advise

End to end is what an application pays: a case mapping in (validated), advice JSON bytes out,
with every shipped source ruleset plus the case's industry overlay (`api.advise` +
`advice_json`). The floor is the least any implementation must do: derive the facts, then decide
the same rules with a generated short-circuit `if` chain (bench/pyrules.py) for the same
selection. Each round times the floor, then end to end, then every stage, over the same cases, so
machine noise hits them alike; figures are medians over rounds, ratios are taken within a round.
Installed third-party plugins are left out unless `--installed-plugins` (their hooks run inside
advise and are not the package's cost). Exits 1 if the engine and the if chain disagree on any case.
Results and analysis: docs/performance.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

import orjson
import pyrules
from cases import as_json_data, generate_all

from followup_rules import api, pipeline
from followup_rules.core import _schema
from followup_rules.core._yaml import Document
from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import case_from_mapping
from followup_rules.facts.derive import derive
from followup_rules.plugin import manager
from followup_rules.resolve.encoder import advice_json
from followup_rules.resolve.resolver import build_advice

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
#: The issue's targets: end to end within 4x the floor; cold start within 10x `python -c pass`.
MAX_FLOOR_RATIO = 4.0
MAX_COLD_RATIO = 10.0
MAX_RSS_GROWTH_MIB = 5.0


@dataclass(frozen=True)
class Sizes:
    cases: int
    rounds: int
    cold_runs: int
    rss_evaluations: int


FULL = Sizes(cases=5_000, rounds=5, cold_runs=21, rss_evaluations=100_000)
QUICK = Sizes(cases=300, rounds=1, cold_runs=3, rss_evaluations=3_000)


def clock(stage: Callable[[Any], Any], items: Sequence[Any]) -> tuple[float, float, list[Any]]:
    """Wall and CPU µs per item of one pass of `stage` over `items`, and its results."""
    wall, cpu = time.perf_counter(), time.process_time()
    results = [stage(item) for item in items]
    return ((time.perf_counter() - wall) / len(items) * 1e6, (time.process_time() - cpu) / len(items) * 1e6,
            results)


def clock_discarding(stage: Callable[[Any], Any], items: Sequence[Any]) -> tuple[float, float]:
    """As `clock`, keeping no results (advice is tens of kB a case: keeping it would time the GC)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for item in items:
        stage(item)
    return (time.perf_counter() - wall) / len(items) * 1e6, (time.process_time() - cpu) / len(items) * 1e6


class Workload:
    """Generated cases with everything each stage starts from, computed once before timing."""

    def __init__(self, count: int, seed: int) -> None:
        self.mappings = [(as_json_data(data), at.isoformat()) for data, at in generate_all(count, seed)]
        self.cases = [case_from_mapping(data) for data, _ in self.mappings]
        self.moments = [pipeline.moment(at, case) for case, (_, at) in zip(self.cases, self.mappings)]
        self.selections = [api.selection(case) for case in self.cases]
        self.chains: dict[str, Callable[[Any], set[str]]] = {}
        for case, chosen in zip(self.cases, self.selections):
            if case.industry not in self.chains:
                self.chains[case.industry] = pyrules.build(chosen.compiled)
        self.pairs = list(zip(self.cases, self.moments))

    def floor(self, pair: tuple[Any, Any]) -> set[str]:
        case, at = pair
        facts = derive(case, at, BusinessCalendar(case.country, case.subdivision))
        return self.chains[case.industry](facts.values)

    @staticmethod
    def end_to_end(item: tuple[dict[str, Any], str]) -> bytes:
        data, at = item
        return advice_json(api.advise(data, at=at))


def one_round(work: Workload) -> dict[str, tuple[float, float]]:
    """Every stage once over the workload: (wall, CPU) µs per case by stage."""
    out: dict[str, tuple[float, float]] = {}
    out["floor"] = clock_discarding(work.floor, work.pairs)
    out["end_to_end"] = clock_discarding(work.end_to_end, work.mappings)
    *out["parse"], cases = clock(lambda item: case_from_mapping(item[0]), work.mappings)
    docs = [Document("<bench>", data) for data, _ in work.mappings]
    out["schema_fastjsonschema"] = clock_discarding(lambda doc: _schema.validate(doc, "case"), docs)
    validator = _schema._validator("case")
    out["schema_jsonschema"] = clock_discarding(lambda doc: list(validator.iter_errors(doc.data)), docs)
    out["select"] = clock_discarding(api.selection, work.cases)
    *out["evaluate"], evaluations = clock(
        lambda i: pipeline.evaluate(work.cases[i], work.moments[i], work.selections[i].compiled),
        range(len(work.cases)))
    out["resolve"] = clock_discarding(lambda i: build_advice(evaluations[i], work.selections[i].policy,
                                                             work.selections[i].order), range(len(evaluations)))
    del cases
    sample = evaluations[: max(1, len(evaluations) // 5)]
    advices = [build_advice(e, s.policy, s.order) for e, s in zip(sample, work.selections)]
    out["to_dict"] = clock_discarding(lambda a: a.to_dict(), advices)
    dicts = [a.to_dict() for a in advices]
    out["encode_orjson"] = clock_discarding(orjson.dumps, dicts)
    out["encode_json_indent"] = clock_discarding(lambda d: json.dumps(d, indent=2, ensure_ascii=False), dicts)
    out["encode_ref"] = clock_discarding(lambda a: advice_json(a, "ref"), advices)
    out["encode_full"] = clock_discarding(advice_json, advices)
    return {k: (float(v[0]), float(v[1])) for k, v in out.items()}


def throughput(work: Workload, rounds: int) -> dict[str, Any]:
    runs = [one_round(work) for _ in range(rounds)]
    stages = {name: {"wall_us": statistics.median(r[name][0] for r in runs),
                     "cpu_us": statistics.median(r[name][1] for r in runs)} for name in runs[0]}
    ratios = [r["end_to_end"][0] / r["floor"][0] for r in runs]
    cpu_ratios = [r["end_to_end"][1] / r["floor"][1] for r in runs]
    return {"stages": stages, "floor_ratio": statistics.median(ratios), "floor_ratio_cpu": statistics.median(cpu_ratios),
            "floor_ratios": ratios}


def differential(work: Workload) -> dict[str, Any]:
    """The engine and the if chain on every case: they must fire the same rules."""
    mismatches, fired = 0, 0
    for (case, at), chosen in zip(work.pairs, work.selections):
        evaluation = pipeline.evaluate(case, at, chosen.compiled)
        chained = work.chains[case.industry](evaluation.facts.values)
        mismatches += evaluation.fired != chained
        fired += len(evaluation.fired)
    sizes = [len(Workload.end_to_end(m)) for m in work.mappings[:200]]
    refs = [len(advice_json(api.advise(d, at=a), "ref")) for d, a in work.mappings[:200]]
    return {"mismatches": mismatches, "fired_per_case": fired / len(work.pairs),
            "json_bytes_full": statistics.median(sizes), "json_bytes_ref": statistics.median(refs)}


def profile(work: Workload, count: int = 1000) -> list[tuple[str, float, float]]:
    """Cumulative and own seconds per case of the top functions of end to end (cProfile)."""
    profiler = cProfile.Profile()
    items = work.mappings[:count]
    profiler.enable()
    for item in items:
        Workload.end_to_end(item)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = []
    for (file, line, name), (_, _, own, cumulative, _) in stats.items():
        if "followup_rules" in file:
            where = file.split("followup_rules/")[-1]
            rows.append((f"{where}:{line}({name})", cumulative / len(items) * 1e6, own / len(items) * 1e6))
    return sorted(rows, key=lambda row: -row[1])[:30]


def cold_start(runs: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(BENCH / "coldstart.py"), "--runs", str(runs)], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def rss(evaluations: int) -> dict[str, Any]:
    env = dict(os.environ, FOLLOWUP_RULES_CACHE="off")
    done = subprocess.run([sys.executable, str(BENCH / "memory.py"), "--evaluations", str(evaluations)], check=True,
                          capture_output=True, text=True, cwd=BENCH, env=env)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def machine() -> dict[str, Any]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=ROOT, capture_output=True,
                            text=True)
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "load_average": os.getloadavg(), "commit": commit.stdout.strip() or "unknown",
            "durable_rules": version("durable-rules")}


LABELS = (("floor", "floor: derive + if chain"), ("end_to_end", "end to end: mapping -> advice JSON"),
          ("parse", "  case_from_mapping (validated)"), ("schema_fastjsonschema", "    schema, fastjsonschema"),
          ("schema_jsonschema", "    schema, jsonschema (before)"), ("select", "  api.selection"),
          ("evaluate", "  pipeline.evaluate (derive + engine)"), ("resolve", "  resolve.build_advice"),
          ("to_dict", "  Advice.to_dict"), ("encode_orjson", "    orjson, compact"),
          ("encode_json_indent", "    json.dumps indent=2 (before)"), ("encode_full", "  advice_json, full"),
          ("encode_ref", "  advice_json, citations ref"))


def report(results: dict[str, Any]) -> str:
    m, t = results["machine"], results["throughput"]
    stages, floor = t["stages"], t["stages"]["floor"]["wall_us"]
    lines = [f"followup-rules benchmark: CPython {m['python']}, durable-rules {m['durable_rules']}, {m['cpus']} CPUs, "
             f"load {m['load_average'][0]:.1f} at start, commit {m['commit']}",
             f"{results['cases']:,} cases (seed {results['seed']}), median of {results['rounds']} rounds; "
             f"plugins: {results['plugins']}", "",
             f"{'stage':<42}{'µs/case':>9}{'CPU µs':>9}{'cases/s':>10}{'÷ floor':>9}"]
    for key, label in LABELS:
        s = stages[key]
        lines.append(f"{label:<42}{s['wall_us']:>9.1f}{s['cpu_us']:>9.1f}{1e6 / s['wall_us']:>10,.0f}"
                     f"{s['wall_us'] / floor:>8.2f}x")
    d = results["differential"]
    lines += ["", f"end to end ÷ floor (median of per-round ratios): {t['floor_ratio']:.2f}x wall, "
              f"{t['floor_ratio_cpu']:.2f}x CPU (target {MAX_FLOOR_RATIO:g}x)",
              f"engine vs if chain: {d['mismatches']} mismatching cases; {d['fired_per_case']:.1f} rules fire per case",
              f"advice JSON per case (median): {d['json_bytes_full']:,.0f} bytes full, {d['json_bytes_ref']:,.0f} "
              "bytes with citations by reference"]
    if "cold" in results:
        c = results["cold"]
        lines.append(f"cold start: followup advise {c['followup_advise_ms']:.0f} ms, python -c pass "
                     f"{c['python_c_pass_ms']:.0f} ms: {c['ratio']:.1f}x (target {MAX_COLD_RATIO:g}x; {c['runs']} runs)")
    if "rss" in results:
        r = results["rss"]
        lines.append(f"RSS over {r['evaluations']:,} engine evaluations: {r['rss_before_mib']:.1f} -> "
                     f"{r['rss_after_mib']:.1f} MiB (growth {r['growth_mib']:+.2f} MiB)")
    for row in results.get("profile", []):
        lines.append(f"  {row[1]:8.1f} µs cumulative {row[2]:7.1f} own  {row[0]}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark followup-rules (see docs/performance.md).")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a CI smoke run")
    parser.add_argument("--cases", type=int, help="number of generated cases")
    parser.add_argument("--rounds", type=int, help="rounds of every stage")
    parser.add_argument("--seed", type=int, default=20250306, help="seed of the case generator")
    parser.add_argument("--installed-plugins", action="store_true", help="keep installed third-party plugins")
    parser.add_argument("--profile", action="store_true", help="profile end to end (cProfile, 1,000 cases)")
    parser.add_argument("--no-processes", action="store_true", help="skip the cold start and RSS runs")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    sizes = replace(sizes, **{k: v for k, v in (("cases", args.cases), ("rounds", args.rounds)) if v})
    if not args.installed_plugins:
        built_in = manager.load_plugins(entry_points=False)
        manager.plugins = lambda: built_in  # type: ignore[assignment]
    started = time.perf_counter()
    work = Workload(sizes.cases, args.seed)
    for item in work.mappings[:50]:  # warm: compiled rulesets, engines, calendars, validators
        Workload.end_to_end(item)
    gc.collect()
    results: dict[str, Any] = {"machine": machine(), "sizes": asdict(sizes), "cases": sizes.cases, "seed": args.seed,
                               "rounds": sizes.rounds, "plugins": "installed" if args.installed_plugins else "built-in"}
    results["throughput"] = throughput(work, sizes.rounds)
    results["differential"] = differential(work)
    if args.profile:
        results["profile"] = profile(work)
    if not args.no_processes:
        results["cold"] = cold_start(sizes.cold_runs)
        results["rss"] = rss(sizes.rss_evaluations)
    results["total_s"] = time.perf_counter() - started
    print(json.dumps(results, indent=2) if args.json else report(results))
    return 1 if results["differential"]["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
