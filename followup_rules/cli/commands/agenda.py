"""`followup agenda`: what is due across every application, most urgent first."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from followup_rules.cli.options import SETTINGS, echo_json, selecting

if TYPE_CHECKING:
    from followup_rules.pipeline import Choices
    from followup_rules.tracking.docket import Agenda


@click.command("agenda")
@click.argument("paths", metavar="[DIR|FILES...]", nargs=-1, type=click.Path())
@click.option("--at", default=None, metavar="ISO8601",
              help="The moment (default: now); without an offset, read in each candidate's timezone.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "ics"]), default="text",
              show_default=True, help="For people, programs, notes, or a calendar program.")
@click.option("--mail", is_flag=True, help="Mail the agenda to yourself as a digest (a dry run unless --send).")
@click.option("--send", "really", is_flag=True, help="With --mail: really send it.")
@click.option("--to", "to", default=None, metavar="ADDRESS", help="With --mail: where to (default: your sender address).")
@SETTINGS
@selecting
def command(paths: tuple[str, ...], at: str | None, fmt: str, mail: bool, really: bool, to: str | None,
            settings_file: str | None, choices: Choices) -> None:
    """What is due across every case in DIR (default: the current folder) or FILES, by urgency:
    overdue, due today, this week, upcoming; then what waits on the employer.

    A case that cannot be read is listed with its error and the rest are still shown; the exit code
    is 2 only when every case failed.
    """
    from followup_rules.core.problems import UserError
    from followup_rules.tracking import digest
    from followup_rules.tracking.docket import build_agenda, case_files

    if really and not mail:
        raise UserError("--send sends the --mail digest; add --mail")
    files = case_files(paths or (".",))
    if not files:
        raise UserError(f"no case files (.yaml, .yml, .json) in {', '.join(paths or ('.',))}")
    agenda = build_agenda(files, at, choices.select)
    if fmt == "json":
        echo_json(agenda.to_dict())
    elif fmt == "markdown":
        click.echo(digest.markdown(agenda), nl=False)
    elif fmt == "ics":
        click.echo(digest.ics(agenda).decode("utf-8"), nl=False)
    else:
        click.echo(digest.text(agenda), nl=False)
    if mail:
        _mail(agenda, settings_file, to, really)
    for broken in agenda.broken:
        for problem in broken.problems:
            click.echo(f"error: {problem}", err=True)
    if agenda.all_broken:
        sys.exit(2)


def _mail(agenda: "Agenda", settings_file: str | None, to: str | None, really: bool) -> None:
    """The text agenda through the email channel, once per agenda (the journal refuses a repeat)."""
    import hashlib

    from followup_rules.channels.email import note
    from followup_rules.cli.commands.send import receipt_text
    from followup_rules.core.problems import UserError
    from followup_rules.delivery.settings import load_settings
    from followup_rules.plugin.manager import plugins
    from followup_rules.tracking import digest

    settings = load_settings(settings_file)
    body = digest.text(agenda)
    key = f"agenda-{agenda.at:%Y%m%d}-{hashlib.sha256(body.encode()).hexdigest()[:10]}"
    artifact = note(digest.subject(agenda), body, key, settings, agenda.at, to)
    receipt = plugins().hook.followup_deliver(artifact=artifact, settings=settings, dry_run=not really)
    if receipt is None:
        raise UserError("no plugin delivers the email channel")
    if not really:
        click.echo("Dry run: nothing was sent. Run again with --mail --send to send the digest.", err=True)
    click.echo(receipt_text(receipt, artifact), nl=False, err=True)
    if receipt.status == "failed":
        raise UserError(f"the digest was not sent: {receipt.detail}")
