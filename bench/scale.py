"""`followup batch` at scale: cases/s on 1 and 2 workers, RSS per worker, cost per case against N.

    python bench/scale.py                      # 10,000 and 100,000 cases; Dask with 1 and 2 workers, and no Dask
    python bench/scale.py --sizes 2000 --engines dask --workers 2
    python bench/scale.py --json

For each size the cases are generated once (bench/cases.py, as JSON Lines) and every
configuration advises all of them into a fresh folder through `advise_batch`, exactly as
`followup batch` does. Reported per run: wall time and cases/s (worker start included), the rate
over the first and the last tenth of the run (flat cost per case means equal rates), each worker's
largest RSS and its growth from the end of its first tenth of partitions to its last, and a digest
of advice.jsonl, which must be the same for every configuration of a size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from cases import write_lines

from followup_rules.batch.driver import PARTITION_SIZE, Summary, advise_batch
from followup_rules.batch.job import Job

AT = "2025-03-10T10:00:00-04:00"


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()[:16]


def tenth_rates(summary: Summary) -> tuple[float, float]:
    """Cases/s over the first and the last tenth of the run's cases (by partition commits)."""
    points = [(0.0, 0), *summary.timeline]
    total = points[-1][1]

    def rate(low: int, high: int) -> float:
        start = max((p for p in points if p[1] <= low), key=lambda p: p[1])
        end = min((p for p in points if p[1] >= high), key=lambda p: p[1])
        return (end[1] - start[1]) / (end[0] - start[0]) if end[0] > start[0] else 0.0

    tenth = total // 10
    # The first tenth starts after the first partition: worker start-up is not a cost per case.
    return rate(points[1][1], points[1][1] + tenth), rate(total - tenth, total)


def worker_usage(summary: Summary) -> dict[str, float]:
    """Each worker's largest RSS and growth, and CPU µs per case after its first partition (worst worker)."""
    peaks, growths, cpu_per_case = [], [], []
    for samples in summary.workers.values():
        rss = [s[0] for s in samples]
        peaks.append(max(rss))
        growths.append(rss[-1] - rss[max(0, len(rss) // 10 - 1)])
        cases = sum(s[2] for s in samples[1:])
        if cases:
            cpu_per_case.append((samples[-1][1] - samples[0][1]) / cases * 1e6)
    return {"workers_seen": len(peaks), "peak_rss_mib": max(peaks, default=0.0),
            "growth_mib": max(growths, default=0.0), "worker_cpu_us_per_case": max(cpu_per_case, default=0.0),
            "driver_cpu_us_per_case": summary.driver_cpu_s / max(1, summary.cases) * 1e6}


def run_one(lines: Path, scratch: Path, engine: str, workers: int, partition_size: int) -> dict[str, Any]:
    out = scratch / f"out-{engine}-{workers}"
    summary = advise_batch([str(lines)], out, Job(at=AT), engine=engine, workers=workers,
                           partition_size=partition_size)
    first, last = tenth_rates(summary)
    result = {"engine": engine, "workers": workers if engine == "dask" else 1, "cases": summary.cases,
              "advised": summary.advised, "errors": summary.errors, "quarantined": summary.quarantined,
              "seconds": summary.seconds, "cases_per_s": summary.rate, "first_tenth_per_s": first,
              "last_tenth_per_s": last, **worker_usage(summary), "digest": digest(out / "advice.jsonl"),
              "advice_bytes": (out / "advice.jsonl").stat().st_size}
    shutil.rmtree(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--engines", nargs="+", default=["dask", "local"], choices=["dask", "local"])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Dask workers to try")
    parser.add_argument("--partition-size", type=int, default=PARTITION_SIZE)
    parser.add_argument("--seed", type=int, default=20250306)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="followup-scale-") as folder:
        scratch = Path(folder)
        for size in args.sizes:
            lines = scratch / f"cases-{size}.jsonl"
            write_lines(str(lines), size, args.seed)
            configs = [(e, w) for e in args.engines for w in (args.workers if e == "dask" else [1])]
            for engine, workers in configs:
                row = {"size": size, **run_one(lines, scratch, engine, workers, args.partition_size)}
                results.append(row)
                if not args.json:
                    print(f"{size:>8,} cases  {engine:<5} {row['workers']} worker(s): {row['seconds']:7.1f} s "
                          f"{row['cases_per_s']:7.0f} cases/s (first tenth {row['first_tenth_per_s']:.0f}, last tenth "
                          f"{row['last_tenth_per_s']:.0f}); peak RSS/worker {row['peak_rss_mib']:.1f} MiB, growth "
                          f"{row['growth_mib']:+.2f} MiB; CPU/case {row['worker_cpu_us_per_case']:.0f} µs per worker, "
                          f"{row['driver_cpu_us_per_case']:.0f} µs driver; advice {row['digest']}", flush=True)
            os.unlink(lines)
    by_size: dict[int, dict[int, float]] = {}
    for row in results:
        if row["engine"] == "dask":
            by_size.setdefault(row["size"], {})[row["workers"]] = row["cases_per_s"]
    speedups = {size: rates[2] / rates[1] for size, rates in by_size.items() if 1 in rates and 2 in rates}
    same = all(len({r["digest"] for r in results if r["size"] == s}) == 1 for s in args.sizes)
    if args.json:
        print(json.dumps({"runs": results, "speedup_2_over_1": speedups, "same_output": same,
                          "load_average": os.getloadavg()}, indent=2))
    else:
        for size, speedup in speedups.items():
            print(f"{size:>8,} cases: 2 Dask workers / 1 = {speedup:.2f}x")
        print(f"same advice.jsonl for every configuration of a size: {same}; load average now "
              f"{os.getloadavg()[0]:.1f}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
