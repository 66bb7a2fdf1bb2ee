"""`followup advise`: what to do now and next for a case, each item citing its rules."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from followup_rules.cli.options import AT, CASE, FORMAT_MD, paint, selecting

if TYPE_CHECKING:
    from followup_rules.pipeline import Choices


@click.command("advise")
@CASE
@AT
@selecting
@click.option("--strict", is_flag=True, help="Exit 1 when the advice holds an error-level warning.")
@FORMAT_MD
def command(case_file: str, at: str | None, choices: Choices, strict: bool, fmt: str) -> None:
    """What to do now and next for CASE, each item citing its rules."""
    from followup_rules import pipeline
    from followup_rules.cli import advice_view
    from followup_rules.core.case import load_case

    case = load_case(case_file)
    advice = pipeline.advise(case, pipeline.moment(at, case), choices.select(case))
    if fmt == "json":
        from followup_rules.resolve.encoder import advice_json

        click.echo(advice_json(advice))
    elif fmt == "markdown":
        click.echo(advice_view.advice_markdown(advice, case.timezone), nl=False)
    else:
        click.echo(advice_view.advice_text(advice, case.timezone, paint()), nl=False)
    if strict and any(w.severity == "error" for w in advice.warnings):
        sys.exit(1)
