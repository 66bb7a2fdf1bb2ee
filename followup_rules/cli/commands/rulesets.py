"""`followup rulesets`: list, show, validate, test, compare and lint rulesets; lock, diff and start them."""

from __future__ import annotations

import json
import sys
from typing import Any, Sequence

import click

from followup_rules.cli._lazy import LazyGroup
from followup_rules.cli.options import FORMAT, FORMAT_MD, RULES_PATH, echo_json

#: The subcommands in modules of their own, imported when they run.
SUBCOMMANDS = {name: f"followup_rules.cli.commands.rulesets_{name}" for name in ("diff", "lint", "lock", "new")}


def _library(rules_path: Sequence[str]) -> Any:
    from followup_rules.pipeline import default_library, library_with

    return library_with(rules_path) if rules_path else default_library()


@click.group("rulesets", cls=LazyGroup, modules=SUBCOMMANDS)
def command() -> None:
    """List, show, validate and test rulesets."""


@command.command("list")
@RULES_PATH
@FORMAT
def rulesets_list(rules_path: Sequence[str], fmt: str) -> None:
    """Every ruleset on the search path."""
    library = _library(rules_path)
    rows = [{"id": e.ruleset.id, "version": e.ruleset.version, "group": e.group,
             "rules": len(library.resolve(e.ruleset).rules), "extends": e.ruleset.extends,
             "source": e.ruleset.source_file, "title": e.ruleset.title, "path": e.ruleset.path}
            for e in library.entries]
    if fmt == "json":
        echo_json(rows)
        return
    width = max((len(r["id"]) for r in rows), default=2)
    for r in rows:
        click.echo(f"{r['id']:<{width}}  {r['version']:<8} {r['group']:<10} {r['rules']:>3} rules  {r['title']}")


@command.command("show")
@click.argument("spec", metavar="ID[@RANGE]")
@RULES_PATH
@FORMAT
def rulesets_show(spec: str, rules_path: Sequence[str], fmt: str) -> None:
    """One ruleset's rules, with their conditions and quotes."""
    ruleset = _library(rules_path).get(spec)
    if fmt == "json":
        echo_json(ruleset.doc.data if ruleset.doc else {})
        return
    click.echo(f"{ruleset.id}@{ruleset.version}  {ruleset.title}")
    click.echo(f"source: {ruleset.source_file or 'own rules'}  ({ruleset.path})")
    for name, p in ruleset.parameters.items():
        click.echo(f"parameter {name} = {json.dumps(p.default)}  {p.description}")
    for rule in ruleset.rules:
        then = rule.then.action or rule.then.warning
        click.echo(f"\n{rule.id}  [{rule.kind}, {rule.strength}] → {then}")
        click.echo(f"  says  {rule.says}")
        if rule.when is not None:
            click.echo(f"  when  {rule.when.describe()}")
        if rule.then.window is not None:
            w = rule.then.window
            click.echo(f"  window {w.anchor} + {w.opens}..{w.closes if w.closes is not None else '∞'} {w.unit}")
        for q in rule.quotes:
            click.echo(f"  quote “{q}”")


@command.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--sources", type=click.Path(file_okay=False), help="Check every quote against the articles in this folder.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
def rulesets_validate(paths: Sequence[str], sources: str | None, fmt: str) -> None:
    """Check rulesets (default: the shipped ones); exit 2 on any error."""
    from followup_rules.rules.validate import validate_paths

    problems = validate_paths(paths, sources)
    if fmt == "json":
        echo_json([p.to_dict() for p in problems])
    elif fmt == "github":
        for p in problems:
            click.echo(p.github())
    else:
        for p in problems:
            click.echo(f"{p.severity}: {p}", err=True)
        if not problems:
            click.echo("all rulesets valid")
    if any(p.severity == "error" for p in problems):
        sys.exit(2)


@command.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--min-coverage", "min_coverage", type=click.FloatRange(0, 100), default=None, metavar="N",
              help="Fail unless N% of rules are seen firing and silent and every condition true and false.")
@FORMAT
def rulesets_test(paths: Sequence[str], min_coverage: float | None, fmt: str) -> None:
    """Run the YAML tests inside rulesets (default: the shipped ones); exit 1 on a failure, 2 on bad test input."""
    from followup_rules.authoring.testing import run_paths

    report = run_paths(paths)
    if fmt == "json":
        echo_json(report.to_dict())
    else:
        click.echo(report.text(), nl=False)
    short = min_coverage is not None and report.coverage_percent() < min_coverage
    if short and fmt == "text":
        click.echo(f"coverage {report.coverage_percent():.1f}% is below --min-coverage {min_coverage:g}; missing:")
        for gap in report.missing():
            click.echo(f"  {gap}")
    for problem in report.errors:
        click.echo(f"error: {problem}", err=True)
    if report.errors:
        sys.exit(2)
    if report.failed or short:
        sys.exit(1)


@command.command("vocabulary")
@FORMAT
def rulesets_vocabulary(fmt: str) -> None:
    """The facts, actions, warnings and codes rules may use."""
    from followup_rules.core import vocabulary as v

    data: dict[str, Any] = {"facts": {f.name: {"type": f.type, "values": list(f.values), "nullable": f.nullable,
                                "description": f.description} for f in v.FACTS.values()},
            "actions": list(v.ACTIONS), "warnings": list(v.WARNINGS), "include": list(v.INCLUDE_CODES),
            "style": list(v.STYLE_CODES), "expectations": list(v.EXPECTATION_CODES),
            "anchors": list(v.ANCHORS), "recipients": list(v.RECIPIENTS), "channels": list(v.CHANNELS),
            "operators": list(v.OPS)}
    if fmt == "json":
        echo_json(data)
        return
    for name, f in data["facts"].items():
        values = f" ({', '.join(f['values'])})" if f["values"] else ""
        click.echo(f"{name:<42} {f['type']}{'?' if f['nullable'] else ''}{values}  {f['description']}")
    for key in ("actions", "warnings", "include", "style", "expectations", "anchors", "recipients", "channels",
                "operators"):
        click.echo(f"\n{key}: " + ", ".join(data[key]))


@command.command("compare")
@click.option("--topic", default=None, metavar="TOPIC", help="Only this topic (a rule's `topic:`).")
@FORMAT_MD
def rulesets_compare(topic: str | None, fmt: str) -> None:
    """Each shipped source ruleset's position on each topic, side by side."""
    from followup_rules.authoring import compare

    sources = [e.ruleset for e in _library(()).entries if e.group == "sources"]
    comparisons = compare.compare(sources, topic)
    if fmt == "json":
        echo_json([c.to_dict() for c in comparisons])
    elif fmt == "markdown":
        click.echo(compare.markdown(comparisons), nl=False)
    else:
        click.echo(compare.text(comparisons), nl=False)
