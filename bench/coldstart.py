"""Cold start of `followup advise` on the README's example, as a ratio to `python -c pass`.

Both commands run alternately in fresh processes, so machine noise hits them alike; the ruleset
disk cache and the bytecode cache are warm, as on a user's machine after the first run. Prints
the median of each and their ratio (the figure the targets quote).

    python bench/coldstart.py [--runs 21] [--followup PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ["examples/just-after-interview.yaml", "--at", "2025-03-06T16:00:00-05:00"]


def timed(args: list[str], env: dict[str, str]) -> float:
    """Wall milliseconds of one process that must succeed."""
    started = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="processes of each kind (default 21)")
    parser.add_argument("--followup", default=str(Path(sys.executable).with_name("followup")),
                        help="the followup executable to time (default: the one beside this Python)")
    options = parser.parse_args()
    python = str(Path(options.followup).with_name("python"))
    with tempfile.TemporaryDirectory(prefix="followup-coldstart-") as scratch:
        env = dict(os.environ, FOLLOWUP_RULES_CACHE=str(Path(scratch) / "rulesets"),
                   PYTHONPYCACHEPREFIX=str(Path(scratch) / "pyc"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        advise = [options.followup, "advise", *EXAMPLE]
        timed(advise, env)  # fills both caches
        bare, full = [], []
        for _ in range(options.runs):
            bare.append(timed([python, "-c", "pass"], env))
            full.append(timed(advise, env))
    result = {"runs": options.runs, "python_c_pass_ms": round(statistics.median(bare), 1),
              "followup_advise_ms": round(statistics.median(full), 1),
              "ratio": round(statistics.median(full) / statistics.median(bare), 1)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
