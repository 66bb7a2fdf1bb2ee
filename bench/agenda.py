"""`followup agenda` over a folder of generated cases, against the same process advising one case.

Writes COUNT cases (bench/cases.py, seeded) as YAML into a temporary folder, then runs, alternately
in fresh processes: `followup agenda DIR --at T --format json` and, as the baseline, `followup advise`
on one of those cases. Prints the median wall time of each, the ratio, and milliseconds per case.
The schema cache is warm for both (as on a user's machine after the first run).

    python bench/agenda.py [--cases 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from cases import generate_all  # noqa: E402

AT = "2025-06-01T12:00:00+00:00"


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args[:4])} failed ({done.returncode}): {done.stderr.decode()[-400:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    followup = str(Path(sys.executable).with_name("followup"))
    with tempfile.TemporaryDirectory() as folder:
        for index, (data, _) in enumerate(generate_all(options.cases, seed=10)):
            data.pop("draft", None)  # the agenda advises; drafts are `followup check`'s business
            Path(folder, f"case-{index:04d}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
        one = str(Path(folder, "case-0000.yaml"))
        agenda = [followup, "agenda", folder, "--at", AT, "--format", "json"]
        advise = [followup, "advise", one, "--at", AT, "--format", "json"]
        timed(agenda)  # fills the schema cache, as a first run on a user's machine does
        runs: dict[str, list[float]] = {"agenda": [], "advise": []}
        for _ in range(options.runs):
            runs["agenda"].append(timed(agenda))
            runs["advise"].append(timed(advise))
    agenda_s, advise_s = statistics.median(runs["agenda"]), statistics.median(runs["advise"])
    print(f"cases: {options.cases}; runs: {options.runs}; cpus: {os.cpu_count()}")
    print(f"followup agenda (median): {agenda_s:.2f} s; {agenda_s / options.cases * 1000:.1f} ms per case")
    print(f"followup advise, one case (median): {advise_s:.2f} s")
    print(f"ratio agenda/advise: {agenda_s / advise_s:.1f}")


if __name__ == "__main__":
    main()
