"""`followup rulesets lint`: rules that can never fire, shadowed rules, contradictory advice, unused parameters."""

from __future__ import annotations

import json
import sys
from typing import Sequence

import click

from followup_rules.cli.options import FORMAT


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path())
@FORMAT
def command(paths: Sequence[str], fmt: str) -> None:
    """Lint rulesets within and across each other (default: the shipped ones); exit 2 on an error.

    Contradictions between different sources are reported as info: the shipped sources disagree by design.
    """
    from followup_rules.authoring.lint.linter import lint_paths, text

    findings = lint_paths(paths)
    if fmt == "json":
        click.echo(json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False))
    else:
        click.echo(text(findings), nl=False)
    if any(f.problem.severity == "error" for f in findings):
        sys.exit(2)
