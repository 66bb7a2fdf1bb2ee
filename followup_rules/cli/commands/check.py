"""`followup check`: what a draft gets wrong, each problem with its rule, quote and place."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from followup_rules.cli.options import AT, FORMAT, echo_json, selecting
from followup_rules.core.vocabulary import OUT_KINDS

if TYPE_CHECKING:
    from followup_rules.pipeline import Choices


@click.command("check")
@click.argument("draft_file", metavar="DRAFT", type=click.Path(dir_okay=False))
@click.option("--case", "case_file", required=True, metavar="CASE",
              type=click.Path(dir_okay=False, allow_dash=True), help="The case the draft belongs to ('-': standard input).")
@click.option("--channel", type=click.Choice(["email", "linkedin", "letter"]), default=None,
              help="How the draft will be sent (default: the case's draft channel, else email).")
@click.option("--kind", type=click.Choice(OUT_KINDS),
              default=None, help="What the draft is (default: the case's draft kind, else the message the advice "
                                 "expects next, else follow_up).")
@AT
@selecting
@FORMAT
def command(draft_file: str, case_file: str, channel: str | None, kind: str | None, at: str | None,
            choices: Choices, fmt: str) -> None:
    """Check the text in DRAFT as CASE's draft; exit 1 when a don't rule fires on it."""
    from dataclasses import replace

    from followup_rules import pipeline
    from followup_rules.core.case import load_case
    from followup_rules.drafting.draft_check import check_draft, read_draft
    from followup_rules.drafting.kinds import next_kind, outvoted

    body = read_draft(draft_file)
    case = load_case(case_file)
    selection = choices.select(case)
    # What the advice expects at that moment: the kind of message to check, and which sources it outvoted.
    when = pipeline.moment(at, case)
    advice = pipeline.advise(replace(case, draft=None), when, selection, observe=False, ahead=False)
    kind = kind or (case.draft.kind if case.draft else None) or next_kind(advice) or "follow_up"
    # Without --at the draft keeps the sending time the case gives it.
    sent = case.draft.at if at is None and case.draft is not None and case.draft.at is not None else when
    result = check_draft(case, body, draft_file, at, selection, channel, kind, outvoted(advice, kind, sent))
    if fmt == "json":
        echo_json(result.to_dict())
    else:
        click.echo(result.text(), nl=False)
    if result.failed:
        sys.exit(1)
