"""`followup rulesets diff OLD NEW`: rules added, removed and changed, and test cases whose advice changed."""

from __future__ import annotations

import json

import click


@click.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
              help="Output for people (text), a changelog (markdown) or programs (json).")
def command(old: str, new: str, fmt: str) -> None:
    """What changed from ruleset file OLD to NEW, and which of their test cases now get different advice."""
    from followup_rules.authoring.diff import diff_paths, markdown, text

    result = diff_paths(old, new)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        click.echo(markdown(result), nl=False)
    else:
        click.echo(text(result), nl=False)
