"""Writing files the user owns: atomically, and never over a file nobody asked to replace.

Every command that writes a file goes through here, so an interrupted write never leaves half a
file behind and an existing file is replaced only when the command may (its own earlier output,
or `--force`), and never when it is one of the files the command read.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from followup_rules.core.problems import Problem, UserError

#: Bytes of an existing file read to tell whether it is the command's own earlier output.
MAX_OWN_BYTES = 5 * 1024 * 1024


def write_atomically(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> None:
    """Write `data` to `path` through a temporary file in the same folder, then rename it in place.

    The old file stays whole until the rename; a replaced file keeps its permission bits, a new one
    gets `mode` (default: read-write as the umask allows, as `open` would give). A missing folder or
    a refused write is a UserError.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UserError([Problem(str(target), 1, 1, "FR081", f"cannot write {target}: no folder {folder}",
                                 "create the folder first, or choose another path")])
    keep: int
    try:
        keep = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        keep = mode if mode is not None else 0o666 & ~_umask()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise UserError([Problem(str(target), 1, 1, "FR081", f"cannot write {target}: {exc.strerror}")]) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, keep)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise UserError([Problem(str(target), 1, 1, "FR081", f"cannot write {target}: {exc.strerror}")]) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def refuse_existing(path: str | os.PathLike[str], option: str, force: bool = False,
                    ours: Callable[[bytes], bool] | None = None,
                    inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """A UserError when writing `path` would replace something the user has.

    An existing file is replaced only with `force`, or when `ours` recognises it as the command's
    own earlier output. A file the command read (`inputs`, hard links and symbolic links to them
    included) and a folder are never replaced, `force` or not.
    """
    target = Path(path)
    if target.is_dir():
        raise UserError([Problem(str(target), 1, 1, "FR080", f"{option} {target}: is a folder",
                                 "give a file name inside it")])
    if not (target.exists() or target.is_symlink()):
        return
    for given in inputs:
        try:
            same = os.path.samefile(target, given)
        except OSError:
            continue
        if same:
            raise UserError([Problem(str(target), 1, 1, "FR080", f"{option} {target}: is {given}, which this "
                                     "command reads; nothing was overwritten", "choose another name")])
    if force or (ours is not None and target.is_file() and not target.is_symlink() and ours(_head(target))):
        return
    raise UserError([Problem(str(target), 1, 1, "FR080", f"{option} {target}: the file exists; nothing was "
                             "overwritten", "choose another name, or add --force to replace it")])


class Appending:
    """A file written by appending, whose committed length survives an interrupted run.

    `commit` makes everything written so far durable and returns the length to resume from; a
    run started again opens the file with that length, and whatever an interrupted run wrote after
    its last commit is cut off, so no record is ever written twice.
    """

    def __init__(self, path: str | os.PathLike[str], committed: int = 0) -> None:
        target = Path(path)
        try:
            self._file = open(target, "r+b" if target.exists() else "w+b")
            if self._file.seek(0, os.SEEK_END) < committed:
                raise UserError([Problem(str(target), 1, 1, "FR112", f"{target} is shorter than the run "
                                         "recorded; it was changed since", "start the run in a new folder")])
            self._file.truncate(committed)
            self._file.seek(committed)
        except OSError as exc:
            raise UserError([Problem(str(target), 1, 1, "FR081", f"cannot write {target}: {exc.strerror}")]) from None

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def commit(self) -> int:
        """Flush to the disk; the committed length."""
        self._file.flush()
        os.fsync(self._file.fileno())
        return self._file.tell()

    def close(self) -> None:
        self._file.close()


def _head(target: Path) -> bytes:
    """The file's bytes, or nothing when it is too big to be the command's own output."""
    try:
        with target.open("rb") as stream:
            data = stream.read(MAX_OWN_BYTES + 1)
    except OSError:
        return b""
    return data if len(data) <= MAX_OWN_BYTES else b""


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)  # elsewhere it can only be read by setting it
    os.umask(current)
    return current
