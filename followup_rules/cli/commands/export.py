"""`followup export`: the projected plan as an iCalendar file, one event per step."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from followup_rules.cli.options import CASE, FORCE, selecting

if TYPE_CHECKING:
    from followup_rules.pipeline import Choices


@click.command("export")
@CASE
@click.option("--ics", "ics", required=True, metavar="FILE",
              help="Write the plan here as iCalendar ('-' for standard output); a calendar that holds only "
                   "followup's events (an earlier export) is replaced, any other file only with --force.")
@click.option("--at", default=None, metavar="ISO8601",
              help="Project from this moment (default: now); without an offset, read in the candidate's timezone.")
@selecting
@FORCE
def command(case_file: str, ics: str, at: str | None, choices: Choices, force: bool) -> None:
    """Write the projected plan for CASE as calendar events with reminders and the rules behind them."""
    from followup_rules.channels.calendar import exported_here, timeline_calendar
    from followup_rules.core.case import load_case
    from followup_rules.core.files import refuse_existing, write_atomically
    from followup_rules.pipeline import moment
    from followup_rules.projection import project

    target = None if ics == "-" else Path(ics)
    if target is not None:
        refuse_existing(target, "--ics", force, ours=exported_here, inputs=(case_file, *choices.files))
    case = load_case(case_file)
    timeline = project(case, moment(at, case), choices.select(case))
    data = timeline_calendar(timeline).to_ical()
    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_atomically(target, data)
    click.echo(f"wrote {len(timeline.steps)} event(s) to {target}", err=True)

