"""`followup batch`: advise many cases into JSON Lines, on Dask when it is installed."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

from followup_rules.cli.options import selecting

if TYPE_CHECKING:
    from followup_rules.pipeline import Choices


@click.command("batch")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Folder for advice.jsonl, errors.jsonl, quarantine.jsonl and run.json (a run there resumes).")
@click.option("--at", default=None, metavar="ISO8601",
              help="The moment for cases whose line gives no `at` (default: when the run first started).")
@selecting
@click.option("--citations", type=click.Choice(["full", "ref"]), default="full", show_default=True,
              help="full: each citation quotes its rule, as `followup advise` does; ref: citations name "
                   "their rule only, and rules.json holds every rule's quote once.")
@click.option("--engine", type=click.Choice(["auto", "dask", "local"]), default="auto", show_default=True,
              help="dask: a Dask cluster; local: one worker process; auto: Dask when installed.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="A running Dask scheduler to use instead of a local cluster.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes of the local Dask cluster (default: one per core).")
@click.option("--partition-size", type=click.IntRange(min=1), default=None, metavar="N",
              help="Cases per task (default 1000).")
@click.option("--case-timeout", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
              help="A case taking longer hangs its worker: it is retried alone, then quarantined (default 60).")
def command(inputs: tuple[str, ...], out: str, at: str | None, choices: Choices, citations: str, engine: str,
            scheduler: str | None, workers: int | None, partition_size: int | None,
            case_timeout: float | None) -> None:
    """Advise every case of INPUT... (JSON Lines files, one case per line with an `id` and an optional
    `at`; or folders of case files) into DIR/advice.jsonl: one line per case, in input order, each
    the JSON of `followup advise --format json`."""
    from followup_rules.batch.driver import PARTITION_SIZE, advise_batch
    from followup_rules.batch.job import CASE_TIMEOUT, Job

    job = Job(at=at or "", citations="ref" if citations == "ref" else "full", choices=choices, cwd=os.getcwd(),
              case_timeout=case_timeout or CASE_TIMEOUT)
    bar: Any = None

    def on_total(total: int, done: int) -> None:
        nonlocal bar
        if sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=total, initial=done, unit="case", file=sys.stderr, dynamic_ncols=True)

    try:
        summary = advise_batch(inputs, out, job, engine=engine, scheduler=scheduler,
                               workers=workers or os.cpu_count() or 1, partition_size=partition_size or PARTITION_SIZE,
                               on_total=on_total, on_partition=lambda n: bar.update(n) if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    click.echo(summary.line())
