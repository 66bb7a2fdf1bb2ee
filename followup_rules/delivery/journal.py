"""The delivery journal: every attempt to deliver a message, so that no message is sent twice or lost.

A SQLite file (default ``$XDG_DATA_HOME/followup-rules/journal.sqlite3``; ``journal:`` in the
settings or FOLLOWUP_JOURNAL overrides it) holds one row per event, keyed by case identity and
action key. The states of a key, in order: ``pending`` (an attempt started), ``handed_over`` (the
message text is on its way to the server), then ``sent`` (the server accepted it), ``failed`` (it
did not; a later attempt may retry) or ``uncertain`` (the connection broke after the message was
handed over: it may have arrived, so it is never sent again automatically). Claims run inside
``BEGIN IMMEDIATE`` transactions, so two processes cannot both start sending the same key.
The message itself is saved beside the journal (``outbox/<case>/<file>``) before any attempt.

A claim is held, from ``pending`` until ``sent``, ``failed`` or ``uncertain``, in two ways: a lock
on a file (``locks/<case>/<key>.lock``) that the operating system releases when the process ends,
which processes on the same machine test; and a lease, renewed by the owner at least every
`RENEW_EVERY` seconds while it waits to retry, which processes on other machines (sharing the
journal) test. So an attempt in a long retry backoff is never taken over while its owner lives.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from followup_rules.core.problems import UserError

if TYPE_CHECKING:
    from followup_rules.core.case import Case
    from followup_rules.resolve.advice import Action

STATES = ("pending", "handed_over", "sent", "failed", "uncertain")
FINAL = ("sent", "failed", "uncertain")
#: Another machine's attempt not renewed for this long has stopped (this machine's are tested by their lock).
STALE_AFTER = 15 * 60.0
#: How often an owner waiting to retry renews its lease: far below STALE_AFTER.
RENEW_EVERY = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    message_id TEXT,
    draft TEXT,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_key ON events (case_id, key, id);
"""


def case_identity(case: "Case") -> str:
    """A short stable id for a case's current round: who applied where, for which interview.

    It does not depend on the case file's name or on later messages, so moving or updating the
    file keeps the id; a new interview (a new round of follow-up) gets a new one.
    """
    interview = case.interview
    parts = [case.candidate_name, case.company, case.position,
             interview.start.astimezone(timezone.utc).isoformat()]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def action_key(action: "Action") -> str:
    """The action's identity as text: ``send_thank_you``, ``send_follow_up-2``, ``send_materials-<code>``."""
    name, ordinal, code = action.key
    return "-".join([name] + ([str(ordinal)] if ordinal else []) + ([code] if code else []))


def default_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "followup-rules" / "journal.sqlite3"


@dataclass(frozen=True)
class Entry:
    """One event of the journal."""

    case: str
    key: str
    state: str
    at: datetime
    detail: str
    message_id: str | None
    draft: str | None
    pid: int
    host: str

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case, "key": self.key, "state": self.state, "at": self.at.isoformat(),
                "detail": self.detail, "message_id": self.message_id, "draft": self.draft}


@dataclass(frozen=True)
class Claim:
    """The answer to "may I send this now?": when not granted, ``previous`` says why, or ``busy``
    that another process on this machine holds the claim (it may not have written its entry yet)."""

    granted: bool
    previous: Entry | None
    draft: Path
    busy: bool = False


class Journal:
    """The delivery journal in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._held: dict[tuple[str, str], int] = {}  # the lock file descriptor of each claim held

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "Journal":
        """The journal named by the settings (``journal``), or the default one."""
        return cls(settings.get("journal") or default_path())

    def draft_path(self, case: str, filename: str) -> Path:
        return self.path.parent / "outbox" / case / filename

    def last(self, case: str, key: str) -> Entry | None:
        """The latest event of a key, or None when it was never attempted."""
        if not self.path.exists():
            return None  # reading must not create the journal (a dry run writes nothing)
        with self._connect() as db:
            return _last(db, case, key)

    def history(self, case: str, key: str) -> list[Entry]:
        """Every event of a key, oldest first."""
        if not self.path.exists():
            return []
        with self._connect() as db:
            rows = db.execute("SELECT * FROM events WHERE case_id = ? AND key = ? ORDER BY id", (case, key))
            return [_entry(row) for row in rows]

    def claim(self, case: str, key: str, message: bytes, filename: str) -> Claim:
        """Start an attempt unless the key is sent, possibly sent, or being sent by another process.

        The message is saved as the key's draft first, so it is kept whatever happens next.
        An attempt left ``handed_over`` by a process that died becomes ``uncertain``.
        """
        draft = self.draft_path(case, filename)
        lock = self._lock(case, key)
        try:
            with self._transaction() as db:
                previous = _last(db, case, key)
                if lock is None:  # a process on this machine holds the claim
                    return Claim(False, previous, draft, busy=True)
                if previous is not None and previous.state == "handed_over" and not _running(previous):
                    previous = _insert(db, case, key, "uncertain", previous.draft,
                                       detail="the process sending it stopped after handing the message over")
                if previous is not None and (previous.state in ("sent", "uncertain")
                                             or previous.state in ("pending", "handed_over") and _running(previous)):
                    return Claim(False, previous, draft)
                _save(draft, message)
                _insert(db, case, key, "pending", str(draft))
                self._held[(case, key)], lock = lock, None
        finally:
            if lock is not None:
                os.close(lock)
        return Claim(True, previous, draft)

    def renew(self, case: str, key: str, detail: str) -> None:
        """Renew a claim this process holds (while it waits to retry): another machine sees it alive."""
        if (case, key) in self._held:
            self.record(case, key, "pending", detail)

    def _lock(self, case: str, key: str) -> int | None:
        """A descriptor holding the key's lock file, or None when another process holds it."""
        path = self.path.parent / "locks" / case / f"{key}.lock"
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as exc:
            raise UserError(f"delivery journal {self.path}: cannot lock {path}: {exc.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return None
        return handle

    def record(self, case: str, key: str, state: str, detail: str = "", message_id: str | None = None) -> Entry:
        """Add an event to a key (after a claim): ``handed_over``, ``sent``, ``failed`` or ``uncertain``."""
        if state not in STATES:
            raise ValueError(f"unknown journal state {state!r}")
        with self._transaction() as db:
            previous = _last(db, case, key)
            entry = _insert(db, case, key, state, previous.draft if previous else None, detail, message_id)
        if state in FINAL and (case, key) in self._held:
            os.close(self._held.pop((case, key)))  # the claim ends: the lock goes with the descriptor
        return entry

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise UserError(f"delivery journal {self.path}: {exc}") from None
        try:
            db.row_factory = sqlite3.Row
            db.executescript(_SCHEMA)
            yield db
        except sqlite3.Error as exc:
            raise UserError(f"delivery journal {self.path}: {exc}") from None
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # takes the write lock now: the read-then-write is atomic
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(row["case_id"], row["key"], row["state"], datetime.fromisoformat(row["at"]), row["detail"],
                 row["message_id"], row["draft"], row["pid"], row["host"])


def _last(db: sqlite3.Connection, case: str, key: str) -> Entry | None:
    row = db.execute("SELECT * FROM events WHERE case_id = ? AND key = ? ORDER BY id DESC LIMIT 1",
                     (case, key)).fetchone()
    return _entry(row) if row is not None else None


def _insert(db: sqlite3.Connection, case: str, key: str, state: str, draft: str | None, detail: str = "",
            message_id: str | None = None) -> Entry:
    entry = Entry(case, key, state, datetime.now(timezone.utc), detail, message_id, draft, os.getpid(),
                  socket.gethostname())
    db.execute("INSERT INTO events (case_id, key, state, at, detail, message_id, draft, pid, host) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (case, key, state, entry.at.isoformat(), detail, message_id, draft, entry.pid, entry.host))
    return entry


def _running(entry: Entry) -> bool:
    """Whether the process that wrote an in-progress entry may still be working on it.

    Only called by a process that holds the key's lock: an attempt of this machine whose lock it
    could take has ended (its process died). Another machine's is trusted until its lease lapses.
    """
    if entry.host == socket.gethostname():
        return False
    return (datetime.now(timezone.utc) - entry.at).total_seconds() <= STALE_AFTER


def _save(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as exc:
        raise UserError(f"cannot save the message to {path}: {exc.strerror}") from None
