"""Writing files the user owns: atomically, and never over a file nobody asked to replace.

Every command that writes a file goes through here, so an interrupted write never leaves half a
file behind and an existing file is replaced only when the command may (its own earlier output,
or `--force`).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from followup_rules.core.problems import Problem, UserError


def write_atomically(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> None:
    """Write `data` to `path` through a temporary file in the same folder, then rename it in place.

    The old file stays whole until the rename; a replaced file keeps its permission bits, a new one
    gets `mode` (default: as the umask allows). A missing folder or a refused write is a UserError.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UserError([Problem(str(target), 1, 1, "FR081", f"cannot write {target}: no folder {folder}",
                                 "create the folder first, or choose another path")])
    keep: int | None
    try:
        keep = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        keep = mode
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise UserError([Problem(str(target), 1, 1, "FR081", f"cannot write {target}: {exc.strerror}")]) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if keep is not None:
            os.chmod(temporary, keep)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def refuse_existing(path: str | os.PathLike[str], option: str, force: bool = False) -> None:
    """A UserError when `path` exists (and `force` is not given): nothing the user has is replaced."""
    target = Path(path)
    if force or not (target.exists() or target.is_symlink()):
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
