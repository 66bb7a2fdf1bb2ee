"""`followup check`: what a draft gets wrong, each problem with its rule, quote and place."""

from __future__ import annotations

import sys

import click

from followup_rules.cli.options import AT, FORMAT, Selecting, echo_json, selecting


@click.command("check")
@click.argument("draft_file", metavar="DRAFT", type=click.Path(dir_okay=False))
@click.option("--case", "case_file", required=True, metavar="CASE",
              type=click.Path(dir_okay=False, allow_dash=True), help="The case the draft belongs to ('-': standard input).")
@click.option("--channel", type=click.Choice(["email", "linkedin", "letter"]), default=None,
              help="How the draft will be sent (default: the case's draft channel, else email).")
@click.option("--kind", type=click.Choice(["thank_you", "follow_up", "materials", "resource",
                                           "competing_offer_notice", "rejection_response", "feedback_request",
                                           "other"]),
              default=None, help="What the draft is (default: the case's draft kind, else follow_up).")
@AT
@selecting
@FORMAT
def command(draft_file: str, case_file: str, channel: str | None, kind: str | None, at: str | None,
            choices: Selecting, fmt: str) -> None:
    """Check the text in DRAFT as CASE's draft; exit 1 when a don't rule fires on it."""
    from followup_rules.core.case import load_case
    from followup_rules.drafting.draft_check import check_draft, read_draft

    body = read_draft(draft_file)
    case = load_case(case_file)
    result = check_draft(case, body, draft_file, at, choices.select(case), channel, kind)
    if fmt == "json":
        echo_json(result.to_dict())
    else:
        click.echo(result.text(), nl=False)
    if result.failed:
        sys.exit(1)
