"""The two ways a batch's partitions get advised: a Dask cluster, or one child process.

Both yield ``(index, result)`` for every partition given, the cluster in the order partitions
finish. A partition whose Dask worker died (a crash, or a hang the job's timeout turned into one)
is advised again by a `Runner` here, case by case, which isolates and quarantines the culprit.
"""

from __future__ import annotations

import importlib.util
import logging
import uuid
from typing import Iterator

from followup_rules.batch.child import PartitionOutcome, Runner
from followup_rules.batch.items import Item, pack
from followup_rules.batch.job import Job
from followup_rules.batch.work import advise_partition
from followup_rules.core.problems import UserError

Partitions = Iterator[tuple[int, list[Item]]]
ENGINES = ("auto", "dask", "local")


def dask_installed() -> bool:
    return importlib.util.find_spec("distributed") is not None


def local_results(job: Job, parts: Partitions) -> Iterator[tuple[int, PartitionOutcome]]:
    """Every partition advised in one child process, in order."""
    runner = Runner(job)
    try:
        for index, items in parts:
            yield index, runner.advise(items)
    finally:
        runner.close()


def dask_results(job: Job, parts: Partitions, scheduler: str | None, workers: int) -> Iterator[tuple[int, PartitionOutcome]]:
    """Every partition advised on a Dask cluster: the one at `scheduler`, else a local one.

    The local cluster has `workers` processes of one thread each: durable-rules keeps its state per
    process, and two threads in one worker give wrong answers without an error.
    """
    if not dask_installed():
        raise UserError("--engine dask: Dask is not installed; install followup-rules[dask], or use --engine local")
    import dask
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    # No retry of a partition whose worker died: the rescue below retries its cases one by one.
    # No statistical profiler in the workers: it samples the one busy thread every 10 ms.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0, "distributed.worker.profile.enabled": False}):
        if scheduler is None:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster if cluster is not None else scheduler)
    rescuer: Runner | None = None
    run = uuid.uuid4().hex[:8]
    try:
        in_flight = 2 * max(1, sum(client.nthreads().values()))
        pending: dict[object, tuple[int, list[Item]]] = {}
        finished = as_completed()

        def submit() -> None:
            for index, items in parts:
                future = client.submit(advise_partition, job, pack(items), key=f"followup-batch-{run}-{index}",
                                       pure=False)
                pending[future] = (index, items)
                finished.add(future)
                return

        for _ in range(in_flight):
            submit()
        for future in finished:
            index, items = pending.pop(future)
            try:
                result = PartitionOutcome(future.result())
            except Exception:  # KilledWorker, or the worker's own error: advise this partition here
                rescuer = rescuer or Runner(job)
                result = rescuer.advise(items)
            future.release()
            submit()
            yield index, result
    finally:
        if rescuer is not None:
            rescuer.close()
        client.close()
        if cluster is not None:
            cluster.close()
