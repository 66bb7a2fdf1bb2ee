"""Worker processes the driver runs itself: the whole run without Dask, and rescues with it.

A child (``python -m followup_rules.batch.child``) reads the job and then one case per line on
stdin, and writes one result per case on stdout as soon as it has it. So when a case crashes the
child (or hangs it until the job's timeout makes it exit), the driver knows every result before
that case: it retries the case alone in a fresh child and, if that one dies too, quarantines it;
then it carries on with the next case in a fresh child.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import IO, Sequence

import orjson

from followup_rules.batch.items import Item
from followup_rules.batch.job import Job
from followup_rules.batch.work import ADVICE, Partition, advise_item, error_record, rss_mib
from followup_rules.core.problems import Problem

#: The request for the child's memory and CPU time, in the place of a case.
_USAGE = ["", 0, "", "usage"]
#: What faulthandler writes when a case ran past the job's timeout and it ended the child.
_TIMEOUT_MARK = b"Timeout ("


@dataclass
class PartitionOutcome:
    """What became of a partition: its advice and error lines, and the records of quarantined cases."""

    partition: Partition
    quarantined: list[bytes] = field(default_factory=list)


class _Died(Exception):
    """The child ended before giving every result; `reason` says how (a crash, or a hang)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Child:
    """One child process advising cases sent on its stdin, a result per line on its stdout."""

    def __init__(self, job: Job) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "followup_rules.batch.child"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin: IO[bytes] = self.process.stdin
        self.stdout: IO[bytes] = self.process.stdout
        self.stderr = bytearray()
        self.results: list[tuple[str, bytes]] = []
        self.timeout = job.case_timeout
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        self.stdin.write(orjson.dumps(job.to_dict()) + b"\n")

    def _drain(self) -> None:
        # Read all along, so a chatty child never blocks on it; the tail tells why a child died.
        assert self.process.stderr is not None
        descriptor = self.process.stderr.fileno()
        for chunk in iter(lambda: os.read(descriptor, 65536), b""):
            self.stderr += chunk
            del self.stderr[:-65536]

    def advise(self, items: Sequence[Item]) -> list[tuple[str, bytes]]:
        """Results for `items` in order; raises _Died with the results so far on `results`."""
        writer = threading.Thread(target=self._feed, args=(items,), daemon=True)
        writer.start()
        results: list[tuple[str, bytes]] = []
        for _ in items:
            line = self.stdout.readline()
            if not line.endswith(b"\n"):
                writer.join()
                self.results = results
                raise _Died(self._death())
            results.append((line[:1].decode(), line[1:-1]))
        writer.join()
        return results

    def usage(self) -> tuple[float, float]:
        """The child's resident memory (MiB) and the CPU seconds it has used, now."""
        self.stdin.write(orjson.dumps(_USAGE) + b"\n")
        self.stdin.flush()
        rss, cpu = self.stdout.readline()[1:].split()
        return float(rss), float(cpu)

    def _feed(self, items: Sequence[Item]) -> None:
        try:
            for item in items:
                self.stdin.write(orjson.dumps(item.to_list()) + b"\n")
            self.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the child died: the reader says why

    def _death(self) -> str:
        code = self.process.wait()
        self._drainer.join(timeout=10)  # its last words (faulthandler's) may still be in the pipe
        if _TIMEOUT_MARK in self.stderr:
            return f"hung: no result within {self.timeout:g} s"
        return f"crashed its worker (exit code {code})"

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.stdin.close()
            except OSError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


class Runner:
    """Advises partitions in a child process, replacing it whenever a case kills it."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._child: _Child | None = None

    def advise(self, items: Sequence[Item]) -> PartitionOutcome:
        results: list[tuple[str, bytes]] = []
        quarantined: list[bytes] = []
        pending = list(items)
        while pending:
            try:
                results += self._running().advise(pending)
                pending = []
            except _Died:
                assert self._child is not None
                results += self._child.results
                pending = pending[len(self._child.results):]
                self._retire()
                culprit, pending = pending[0], pending[1:]
                alone = _Child(self.job)
                try:
                    results += alone.advise([culprit])
                except _Died as death:
                    quarantined.append(error_record(culprit, [Problem(culprit.file, culprit.line, 1, "FR114",
                                                                      f"quarantined: {death.reason}")],
                                                    death.reason))
                finally:
                    alone.close()
        advice = b"".join(line + b"\n" for tag, line in results if tag == ADVICE)
        errors = b"".join(line + b"\n" for tag, line in results if tag != ADVICE)
        advised = sum(tag == ADVICE for tag, _ in results)
        # The memory of the child that goes on (none is started just to be asked).
        pid, (rss, cpu) = (self._child.process.pid, self._child.usage()) if self._child else (0, (0.0, 0.0))
        return PartitionOutcome(Partition(advice, errors, advised, len(results) - advised, pid, rss, cpu), quarantined)

    def _running(self) -> _Child:
        if self._child is None:
            self._child = _Child(self.job)
        return self._child

    def _retire(self) -> None:
        if self._child is not None:
            self._child.close()
            self._child = None

    def close(self) -> None:
        self._retire()


def main() -> None:
    """The child's loop: the job on the first line, then a case per line; a result per case."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    job = Job.from_dict(orjson.loads(stdin.readline()))
    for line in stdin:
        item = Item(*orjson.loads(line))
        if item.kind == _USAGE[-1]:
            stdout.write(f"S{rss_mib()} {time.process_time()}\n".encode())
        else:
            tag, result = advise_item(job, item)
            stdout.write(tag.encode() + result + b"\n")
        stdout.flush()


if __name__ == "__main__":
    main()
