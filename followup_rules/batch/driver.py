"""`advise_batch`: advise every case of some inputs into an output folder, and say how it went.

The driver reads the inputs in order, hands partitions to an engine (a Dask cluster, or one
child process), and commits the results in input order as they come back, so the output is the
same whatever finished first, and a run started again goes on where it stopped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator, Sequence

from followup_rules.batch import cluster, items
from followup_rules.batch.child import PartitionOutcome
from followup_rules.batch.job import Job
from followup_rules.batch.outbox import ERRORS, QUARANTINE, Outbox

#: Cases per partition: about a second of work, small enough to resume and balance well.
PARTITION_SIZE = 1000


@dataclass(frozen=True)
class Summary:
    """What a run did: cases by outcome (with those a resumed run found done), time, where."""

    cases: int
    advised: int
    errors: int
    quarantined: int
    resumed: int
    seconds: float
    engine: str
    folder: Path
    #: (seconds since the start, cases committed) after each partition of this run.
    timeline: list[tuple[float, int]] = field(default_factory=list)
    #: Each worker process's resident memory (MiB), CPU seconds used in all, and cases advised,
    #: after each of its partitions, by process id.
    workers: dict[int, list[tuple[float, float, int]]] = field(default_factory=dict)
    #: CPU seconds this process (the driver) used.
    driver_cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        """Cases advised per second by this run (resumed cases not counted)."""
        return (self.cases - self.resumed) / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        text = (f"{self.cases:,} cases: {self.advised:,} advised, {self.errors:,} errors, "
                f"{self.quarantined:,} quarantined; {self.rate:,.0f} cases/s ({self.seconds:.1f} s, {self.engine})")
        if self.resumed:
            text += f"; {self.resumed:,} were done before this run"
        if self.errors:
            text += f"; errors in {self.folder / ERRORS}"
        if self.quarantined:
            text += f"; quarantined in {self.folder / QUARANTINE}"
        return text


def advise_batch(inputs: Sequence[str], out: str | Path, job: Job, *, engine: str = "auto",
                 scheduler: str | None = None, workers: int = 1, partition_size: int = PARTITION_SIZE,
                 on_total: Callable[[int, int], None] | None = None,
                 on_partition: Callable[[int], None] | None = None) -> Summary:
    """Advise every case of `inputs` (JSON Lines files, case folders) into the folder `out`.

    `engine` is ``dask`` (the cluster at `scheduler`, else a local one of `workers` processes),
    ``local`` (one child process) or ``auto`` (Dask when installed). `on_total` hears the number of
    cases and how many are done already, `on_partition` the cases of each partition committed.
    """
    started = time.perf_counter()
    files = items.sources(inputs)
    chosen = ("dask" if scheduler or cluster.dask_installed() else "local") if engine == "auto" else engine
    outbox = Outbox(out, job, inputs, partition_size)
    try:
        if not outbox.job.at:
            outbox.job = replace(outbox.job, at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        run = outbox.job
        selection = run.selection(None)  # a selection that cannot be made fails here, not per case
        if run.citations == "ref":
            from followup_rules.resolve.encoder import rules_table

            library = selection.library
            outbox.write_rules(rules_table([*(library.get(rid) for rid in library.ids()), *selection.rulesets]))
        outbox.start()
        if on_total is not None:
            on_total(items.count(files), outbox.resumed)
        parts: Iterator[tuple[int, list[items.Item]]] = islice(
            enumerate(items.partitions(items.read(files), partition_size)), outbox.done.partitions, None)
        results = (cluster.dask_results(run, parts, scheduler, workers) if chosen == "dask"
                   else cluster.local_results(run, parts))
        cpu = time.process_time()
        timeline, usage = _commit_in_order(results, outbox, on_partition, started)
        cpu = time.process_time() - cpu
    finally:
        outbox.close()
    d = outbox.done
    label = ("one local process" if chosen == "local" else f"dask at {scheduler}" if scheduler
             else f"dask, {workers} local workers")
    return Summary(d.cases, d.advised, d.failed, d.quarantined, outbox.resumed, time.perf_counter() - started,
                   label, Path(out), timeline, usage, cpu)


def _commit_in_order(results: Iterator[tuple[int, PartitionOutcome]], outbox: Outbox, on_partition: Callable[[int], None] | None,
                     started: float) -> tuple[list[tuple[float, int]], dict[int, list[tuple[float, float, int]]]]:
    waiting: dict[int, PartitionOutcome] = {}
    following = outbox.done.partitions
    timeline: list[tuple[float, int]] = []
    workers: dict[int, list[tuple[float, float, int]]] = {}
    for index, result in results:
        part = result.partition
        if part.rss_mib:
            workers.setdefault(part.pid, []).append((part.rss_mib, part.cpu_s, part.advised + part.failed))
        waiting[index] = result
        while following in waiting:
            done = waiting.pop(following)
            outbox.commit(done)
            following += 1
            timeline.append((time.perf_counter() - started, outbox.done.cases))
            if on_partition is not None:
                on_partition(done.partition.advised + done.partition.failed + len(done.quarantined))
    return timeline, workers
