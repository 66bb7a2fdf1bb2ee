"""Reading the user's files: only regular files, never more than a limit, and inside their folder.

A file named by a stranger's ruleset, or by a careless user, may be a device that never ends
(`/dev/zero`), a pipe that blocks, a folder, a huge file or a link out of the folder it should be
in: each is refused before a byte of it is read.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path, PurePosixPath, PureWindowsPath

from followup_rules.core.problems import Problem, UserError

MAX_BYTES = 5 * 1024 * 1024
#: The name that stands for standard input, and how problems in it are placed.
STDIN = "-"
STDIN_NAME = "<stdin>"


def read_text(path: str | os.PathLike[str], limit: int = MAX_BYTES,
              hint: str = "cases and rulesets are small text files; is this the right file?") -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; anything else is a UserError.

    Devices, pipes and folders are refused before a byte is read (``/dev/zero`` would never end,
    a pipe could block), and no more than `limit` + 1 bytes are ever read.
    """
    name = str(path)
    try:
        # O_NONBLOCK: opening a named pipe must not wait for a writer; regular files ignore it.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "the name holds a NUL character"
        raise UserError([Problem(name, 1, 1, "FR001", f"cannot read file: {reason}")]) from None
    with os.fdopen(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise UserError([Problem(name, 1, 1, "FR001", "cannot read file: not a regular file",
                                     "give the path of a text file")])
        try:
            blob = stream.read(limit + 1)
        except OSError as exc:
            raise UserError([Problem(name, 1, 1, "FR001", f"cannot read file: {exc.strerror}")]) from None
    if len(blob) > limit:
        raise UserError([Problem(name, 1, 1, "FR002", f"file is over the {_size(limit)} limit", hint)])
    try:
        return blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = blob.count(b"\n", 0, exc.start) + 1
        column = exc.start - (blob.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UserError([Problem(name, line, column, "FR001", f"not UTF-8 text: {exc.reason}")]) from None


def path_problem(name: str) -> str | None:
    """Why `name` cannot name a file inside a folder (absolute, `..`, a NUL), or None when it can."""
    if "\0" in name:
        return "the name holds a NUL character"
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or PureWindowsPath(name).drive:
        return "an absolute path leaves the folder"
    if ".." in pure.parts:
        return "`..` leaves the folder"
    return None


def confined(folder: str | os.PathLike[str], name: str) -> Path | None:
    """`name` inside `folder`, or None when it is not a relative name or leads out of it (links included)."""
    if path_problem(name) is not None:
        return None
    root = Path(folder).resolve()
    try:
        target = (root / name).resolve()
    except (OSError, RuntimeError):  # a link loop
        return None
    return target if target.is_relative_to(root) else None


def _size(limit: int) -> str:
    return f"{limit // 1048576} MiB" if limit % 1048576 == 0 else f"{limit:,} bytes"


def read_stdin() -> str:
    """Standard input as text, at most MAX_BYTES."""
    blob = sys.stdin.buffer.read(MAX_BYTES + 1)
    if len(blob) > MAX_BYTES:
        raise UserError([Problem(STDIN_NAME, 1, 1, "FR002", f"standard input is over the {_size(MAX_BYTES)} limit")])
    try:
        return blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError([Problem(STDIN_NAME, 1, 1, "FR001", f"not UTF-8 text: {exc.reason}")]) from None
