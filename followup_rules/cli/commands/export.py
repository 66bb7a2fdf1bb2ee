"""`followup export`: the projected plan as an iCalendar file, one event per step."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from followup_rules.cli.options import CASE, Selecting, selecting

_CALENDAR_START = b"BEGIN:VCALENDAR"


@click.command("export")
@CASE
@click.option("--ics", "ics", required=True, metavar="FILE",
              help="Write the plan here as iCalendar ('-' for standard output); an earlier export is replaced.")
@click.option("--at", default=None, metavar="ISO8601",
              help="Project from this moment (default: now); without an offset, read in the candidate's timezone.")
@selecting
def command(case_file: str, ics: str, at: str | None, choices: Selecting) -> None:
    """Write the projected plan for CASE as calendar events with reminders and the rules behind them."""
    from followup_rules.channels.calendar import timeline_calendar
    from followup_rules.core.case import load_case
    from followup_rules.pipeline import moment
    from followup_rules.projection import project

    target = None if ics == "-" else Path(ics)
    if target is not None:
        _check_target(target, Path(case_file))
    case = load_case(case_file)
    timeline = project(case, moment(at, case), choices.select(case))
    data = timeline_calendar(timeline).to_ical()
    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    _write(target, data)
    click.echo(f"wrote {len(timeline.steps)} event(s) to {target}", err=True)


def _check_target(target: Path, case_file: Path) -> None:
    """Refuse to replace anything but an earlier calendar export (never the case or another file)."""
    from followup_rules.core.problems import UserError

    if target.is_dir():
        raise UserError(f"--ics {target}: is a folder; give a file name such as plan.ics")
    if case_file.exists() and target.exists() and target.resolve() == case_file.resolve():
        raise UserError(f"--ics {target}: is the case file itself; give another file name")
    if target.exists():
        with target.open("rb") as existing:
            head = existing.read(len(_CALENDAR_START) + 3).lstrip(b"\xef\xbb\xbf")
        if head and not head.startswith(_CALENDAR_START):
            raise UserError(f"--ics {target}: exists and is not an iCalendar file; refusing to overwrite it")


def _write(target: Path, data: bytes) -> None:
    """Write atomically, so an interrupted export never leaves half a calendar behind."""
    from followup_rules.core.problems import UserError

    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise UserError(f"--ics {target}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
