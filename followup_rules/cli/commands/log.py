"""`followup log`: record in a case file what happened, keeping the file as the user wrote it."""

from __future__ import annotations

from datetime import date

import click

from followup_rules.cli.options import CASE
from followup_rules.core.vocabulary import CHANNELS

_WHAT = ("sent", "received", "materials")


@click.command("log")
@CASE
@click.argument("what", metavar="sent|received|materials", type=click.Choice(_WHAT))
@click.argument("kind", metavar="KIND", required=False)
@click.option("--to", "to", multiple=True, metavar="ID",
              help="Who it was sent to (an interviewer or contact id; repeatable; default: everyone it concerns).")
@click.option("--from", "sender", default=None, metavar="ID", help="Who it came from (an interviewer or contact id).")
@click.option("--via", default="email", show_default=True, type=click.Choice(CHANNELS), help="How it went.")
@click.option("--at", default=None, metavar="ISO8601",
              help="When it happened (default: now); without an offset, read in the candidate's timezone.")
@click.option("--decision-date", "decision_date", default=None, metavar="YYYY-MM-DD",
              help="A new decision date the message gave (received only).")
@click.option("--item", "items", multiple=True, metavar="ITEM",
              help="With `materials sent`: which materials (repeatable; default: every one still owed).")
def command(case_file: str, what: str, kind: str | None, to: tuple[str, ...], sender: str | None, via: str,
            at: str | None, decision_date: str | None, items: tuple[str, ...]) -> None:
    """Add what happened to CASE as a new entry, keeping its comments and layout.

    \b
    followup log CASE sent thank_you --to pat [--via email] [--at T]
    followup log CASE received reply --from jordan [--decision-date D]
    followup log CASE received rejection|offer|timeline_update ...
    followup log CASE materials sent [--item "code sample"] [--to pat]
    """
    from followup_rules.core.case import load_case
    from followup_rules.core.problems import UserError
    from followup_rules.pipeline import moment
    from followup_rules.tracking.case_log import Entry, record

    case = load_case(case_file)
    when = moment(at, case)
    new_date = _date(decision_date)
    if what == "materials":
        if kind not in (None, "sent"):
            raise UserError(f"`followup log CASE materials {kind}`: only `materials sent` can be recorded")
        if len(to) > 1:
            raise UserError("`materials sent` goes to one person: give --to once")
        entries = [Entry("materials", "materials", when, to[0] if to else None, via, items=items)]
    elif kind is None:
        raise UserError(f"`followup log CASE {what} KIND`: say what was {what} (e.g. "
                        + ("thank_you, follow_up" if what == "sent" else "reply, rejection, offer") + ")")
    elif what == "sent":
        if sender or new_date:
            raise UserError("--from and --decision-date describe a message received, not sent")
        entries = [Entry("out", kind, when, person, via) for person in to] or [Entry("out", kind, when, None, via)]
    else:
        if to:
            raise UserError("--to names who a message was sent to; for a message received use --from")
        entries = [Entry("in", kind, when, sender, via, decision_date=new_date)]
    record(case_file, entries)
    for entry in entries:
        click.echo(f"recorded in {case_file}: {entry.says()}")


def _date(text: str | None) -> date | None:
    from followup_rules.core.problems import UserError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--decision-date {text!r}: not a date (use YYYY-MM-DD, e.g. 2025-03-21)") from None
