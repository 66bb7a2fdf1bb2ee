"""Advising a batch's cases inside a worker process: one case, or a partition of them.

Each case goes through `pipeline.advise`, the one evaluation path, and comes out as the bytes of
`followup advise --format json`. An invalid case becomes an error record pointing at its file,
line and column; a case that runs past the job's timeout makes the process exit, so a hang is
handled as a crash is: the worker dies and the case is retried alone, then quarantined.
"""

from __future__ import annotations

import faulthandler
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

import orjson

from followup_rules.batch.items import Item, unpack
from followup_rules.batch.job import Job
from followup_rules.core.case import Case, case_from_mapping, parse_case
from followup_rules.core.problems import Problem, UserError

ADVICE, ERROR = "A", "E"


@dataclass(frozen=True)
class Partition:
    """The results of a partition, in input order: advice lines and error records (JSON lines)."""

    advice: bytes
    errors: bytes
    advised: int
    failed: int
    pid: int
    rss_mib: float
    #: CPU seconds the worker process has used in all, at the end of the partition.
    cpu_s: float


def advise_partition(job: Job, blob: bytes) -> Partition:
    """Advise every case of a packed partition (the task a Dask worker runs)."""
    advice, errors = bytearray(), bytearray()
    advised = failed = 0
    for item in unpack(blob):
        tag, line = advise_item(job, item)
        if tag == ADVICE:
            advice += line + b"\n"
            advised += 1
        else:
            errors += line + b"\n"
            failed += 1
    return Partition(bytes(advice), bytes(errors), advised, failed, os.getpid(), rss_mib(), time.process_time())


def advise_item(job: Job, item: Item) -> tuple[str, bytes]:
    """``("A", advice JSON)`` for a case, or ``("E", error record)`` for one that cannot be advised."""
    from followup_rules import pipeline
    from followup_rules.resolve.encoder import advice_json

    # The process exits if the case takes too long: a hang then looks like any other crash.
    faulthandler.dump_traceback_later(job.case_timeout, exit=True)
    try:
        case, at = _case(item)
        try:
            moment = pipeline.moment(at or job.at, case)
        except UserError as exc:
            raise UserError([Problem(item.file, item.line, 1, "FR040", str(exc.problems[0].message))]) from None
        return ADVICE, advice_json(pipeline.advise(case, moment, job.selection(case)), job.citations)
    except UserError as exc:
        return ERROR, error_record(item, exc.problems)
    except Exception as exc:  # a bug or a failing plugin: reported with the case, the run goes on
        problem = Problem(item.file, item.line, 1, "FR113", f"advising failed: {type(exc).__name__}: {exc}")
        return ERROR, error_record(item, [problem])
    finally:
        faulthandler.cancel_dump_traceback_later()


def error_record(item: Item, problems: Sequence[Problem], reason: str | None = None) -> bytes:
    """One JSON line about a case that was not advised: its id, where it is, and why."""
    data: dict[str, Any] = {"id": item.case_id(), "file": item.file, "line": item.line}
    if reason is not None:
        data["reason"] = reason
    data["problems"] = [p.to_dict() for p in problems]
    return orjson.dumps(data)


def _case(item: Item) -> tuple[Case, str | None]:
    """The case of an item and its own moment, if it gives one; problems at their place."""
    from followup_rules.core._yaml import load_text

    if item.kind == "file":
        return parse_case(load_text(item.text, item.file)), None
    try:
        data = orjson.loads(item.text)
    except orjson.JSONDecodeError as exc:
        raise UserError([Problem(item.file, item.line, exc.colno, "FR110", f"not JSON: {exc.msg}")]) from None
    if not isinstance(data, dict):
        raise UserError([Problem(item.file, item.line, 1, "FR110", "a case line must be a JSON object")])
    case_id, at = data.pop("id", None), data.pop("at", None)
    if not isinstance(case_id, str) or not case_id:
        raise UserError([Problem(item.file, item.line, 1, "FR111", "a case line needs an `id` (text)",
                                 'e.g. {"id": "app-17", "at": "2025-03-06T16:00:00-05:00", "candidate": …}')])
    if at is not None and not isinstance(at, str):
        raise UserError([Problem(item.file, item.line, 1, "FR040", f"`at` must be an ISO 8601 text, not {at!r}")])
    try:
        return case_from_mapping(data, case_id), at
    except UserError:
        raise UserError(_placed(item, case_id)) from None


def _placed(item: Item, case_id: str) -> list[Problem]:
    """The problems of an invalid case line, found again with positions (only for bad cases)."""
    from followup_rules.core._yaml import load_text

    doc = load_text(item.text, item.file)
    doc.data.pop("id", None)
    doc.data.pop("at", None)
    try:
        parse_case(doc)
    except UserError as exc:
        return [replace(p, line=item.line + p.line - 1) for p in exc.problems]
    return [Problem(item.file, item.line, 1, "FR011", f"case {case_id!r} is not valid")]


def rss_mib() -> float:
    """This process's resident memory in MiB, 0 where the system does not say."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
