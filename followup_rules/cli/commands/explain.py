"""`followup explain`: why each rule fired or not, every condition with its actual value."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from followup_rules.cli.options import AT, CASE, FORMAT_MD, echo_json, paint, selecting

if TYPE_CHECKING:
    from followup_rules.pipeline import Choices


@click.command("explain")
@CASE
@AT
@selecting
@click.option("--rule", "rules", multiple=True, metavar="ID",
              help="Only this rule (`id` or `ruleset/id`) and the actions it helped merge (repeatable).")
@click.option("--why-not", "why_not", is_flag=True, help="Only rules that did not fire, with what would flip them.")
@FORMAT_MD
def command(case_file: str, at: str | None, choices: Choices, rules: tuple[str, ...], why_not: bool,
            fmt: str) -> None:
    """Why each rule fired or not for CASE."""
    from followup_rules import pipeline
    from followup_rules.cli import explanation_view
    from followup_rules.core.case import load_case

    case = load_case(case_file)
    explanation = pipeline.explain(case, pipeline.moment(at, case), choices.select(case)).only(rules, why_not)
    if fmt == "json":
        echo_json(explanation.to_dict())
    elif fmt == "markdown":
        click.echo(explanation_view.explanation_markdown(explanation, case.timezone), nl=False)
    else:
        click.echo(explanation_view.explanation_text(explanation, case.timezone, paint()), nl=False)
