"""A batch's output folder: the advice, errors and quarantine files, and the run's record.

Partitions are written in input order and committed one at a time: the files are flushed to the
disk, then ``run.json`` records their lengths and how many partitions are done. A run started
again with the same options cuts each file back to its recorded length and skips the partitions
done, so an interrupted run finishes with the same files, and no case appears twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import orjson

from followup_rules.batch.child import PartitionOutcome
from followup_rules.batch.job import Job
from followup_rules.core.files import Appending, write_atomically
from followup_rules.core.problems import Problem, UserError

ADVICE, ERRORS, QUARANTINE, RULES, RUN = "advice.jsonl", "errors.jsonl", "quarantine.jsonl", "rules.json", "run.json"
_FILES = (ADVICE, ERRORS, QUARANTINE)


@dataclass
class Progress:
    """How far a run is: partitions committed, the files' lengths then, and the cases by outcome."""

    partitions: int = 0
    advised: int = 0
    failed: int = 0
    quarantined: int = 0
    lengths: tuple[int, int, int] = (0, 0, 0)

    @property
    def cases(self) -> int:
        return self.advised + self.failed + self.quarantined


class Outbox:
    """The output folder of one run, opened to start it or to resume it."""

    def __init__(self, folder: str | Path, job: Job, inputs: Sequence[str], partition_size: int) -> None:
        self.folder = Path(folder)
        self.record = {"inputs": list(inputs), "partition_size": partition_size}
        if self.folder.exists() and not self.folder.is_dir():
            raise UserError([Problem(str(self.folder), 1, 1, "FR081", "--out must be a folder; this is a file")])
        self.folder.mkdir(parents=True, exist_ok=True)
        saved = self._saved()
        self.job = self._resumed_job(job, saved) if saved else job
        self.done = Progress(**{**saved["done"], "lengths": tuple(saved["done"]["lengths"])}) if saved else Progress()
        self.resumed = self.done.cases
        self._files = [Appending(self.folder / name, length) for name, length in zip(_FILES, self.done.lengths)]

    def _saved(self) -> dict[str, Any] | None:
        path = self.folder / RUN
        if not path.is_file():
            existing = [name for name in (*_FILES, RULES) if (self.folder / name).exists()]
            if existing:
                raise UserError([Problem(str(self.folder / existing[0]), 1, 1, "FR080", "the folder holds batch "
                                         "output but no run.json; nothing was overwritten", "choose another --out")])
            return None
        try:
            saved: dict[str, Any] = orjson.loads(path.read_bytes())
            return saved
        except orjson.JSONDecodeError:
            raise UserError([Problem(str(path), 1, 1, "FR112", "the run record is damaged",
                                     "start the run again in a new folder")]) from None

    def _resumed_job(self, job: Job, saved: dict[str, Any]) -> Job:
        before = Job.from_dict(saved["job"])
        if not job.at:  # no --at now: the moment the interrupted run chose
            job = Job.from_dict({**job.to_dict(), "at": before.at})
        differs = [k for k, v in self.record.items() if saved.get(k) != v]
        differs += [k for k, v in job.to_dict().items() if k != "case_timeout" and before.to_dict().get(k) != v]
        if differs:
            raise UserError([Problem(str(self.folder / RUN), 1, 1, "FR115", f"{self.folder} holds a run with "
                                     f"other options ({', '.join(differs)})",
                                     "give the same inputs and options to resume it, or choose another --out")])
        return job

    def write_rules(self, table: dict[str, Any]) -> None:
        """The rules table of ``--citations ref`` (written once; a resumed run finds it there)."""
        path = self.folder / RULES
        if not path.exists():
            write_atomically(path, orjson.dumps(table, option=orjson.OPT_INDENT_2) + b"\n")

    def commit(self, result: PartitionOutcome) -> None:
        """Append one partition's results, make them durable, then record them."""
        part = result.partition
        for handle, data in zip(self._files, (part.advice, part.errors, b"".join(q + b"\n" for q in result.quarantined))):
            handle.write(data)
        lengths = tuple(handle.commit() for handle in self._files)
        d = self.done
        self.done = Progress(d.partitions + 1, d.advised + part.advised, d.failed + part.failed,
                             d.quarantined + len(result.quarantined), (lengths[0], lengths[1], lengths[2]))
        self._save()

    def _save(self) -> None:
        d = self.done
        record = {"job": self.job.to_dict(), **self.record,
                  "done": {"partitions": d.partitions, "advised": d.advised, "failed": d.failed,
                           "quarantined": d.quarantined, "lengths": list(d.lengths)}}
        write_atomically(self.folder / RUN, orjson.dumps(record, option=orjson.OPT_INDENT_2) + b"\n")

    def start(self) -> None:
        """Record a new run before its first partition (a resumed run has its record)."""
        if not self.done.partitions and not (self.folder / RUN).exists():
            self._save()

    def close(self) -> None:
        for handle in self._files:
            handle.close()
