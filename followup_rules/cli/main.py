"""The `followup` command."""

from __future__ import annotations

import json
import sys
from typing import Any, Sequence

import click

from followup_rules.cli.options import (AT, CASE, FORMAT, FORMAT_MD, INDUSTRY, LOCK, PROFILE, POLICY, PRECEDENCE,
    RULES_PATH, RULESET)
from followup_rules.core.problems import Problem, UserError


def _style(ctx_color: bool) -> Any:
    return click.style if ctx_color else (lambda text, **_: text)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


def _library(rules_path: Sequence[str]) -> Any:
    from followup_rules.api import default_library, library_with

    return library_with(rules_path) if rules_path else default_library()


def _selection(rulesets: Sequence[str], industry: str | None, case: Any, library: Any,
               lock: str | None = None, profile: Any = None) -> list[Any]:
    """The rulesets to use: --ruleset, else the lock file, else the profile's, else the default profile."""
    from followup_rules.api import select
    from followup_rules.rules.lock import find_lock, read_lock

    lock_file = None if rulesets else find_lock(lock)
    if lock_file is not None:
        return read_lock(lock_file, library)
    wanted = list(rulesets) or list(profile.rulesets if profile else ())
    chosen = select(case, wanted or None, library)
    industry = industry or (profile.industry if profile else None)
    if industry and not wanted:
        chosen = [r for r in chosen if not r.id.startswith("industry-")]
        chosen.append(library.get(f"industry-{industry}"))
    return chosen


def _from_profile(profile: Any, name: str, given: Any) -> Any:
    """An option's value: the command line's when given there, else the profile's, else the default."""
    from click.core import ParameterSource

    source = click.get_current_context().get_parameter_source(name)
    chosen = getattr(profile, name)
    return chosen if source == ParameterSource.DEFAULT and chosen else given


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="followup-rules")
def cli() -> None:
    """Advice on following up after a job interview, as rules that cite their sources."""


@cli.command()
@CASE
@AT
@RULESET
@RULES_PATH
@INDUSTRY
@POLICY
@PRECEDENCE
@click.option("--strict", is_flag=True, help="Exit 1 when the advice holds an error-level warning.")
@LOCK
@PROFILE
@FORMAT_MD
def advise(case_file: str, at: str | None, rulesets: Sequence[str], rules_path: Sequence[str],
           industry: str | None, policy: str, precedence: Sequence[str], strict: bool, lock: str | None,
           profile_file: str | None, fmt: str) -> None:
    """What to do now and next for CASE, each item citing its rules."""
    from followup_rules import api
    from followup_rules.cli import render
    from followup_rules.rules.profile import find_profile

    profile = find_profile(profile_file)
    case = api.load_case(case_file)
    library = _library(rules_path)
    advice = api.advise(case, at, _selection(rulesets, industry, case, library, lock, profile),
                        policy=_from_profile(profile, "policy", policy),
                        precedence=_from_profile(profile, "precedence", precedence),
                        params=profile.params, library=library)
    if fmt == "json":
        _dump(advice.to_dict())
    elif fmt == "markdown":
        click.echo(render.advice_markdown(advice, case.timezone), nl=False)
    else:
        click.echo(render.advice_text(advice, case.timezone, _style(sys.stdout.isatty())), nl=False)
    if strict and any(w.severity == "error" for w in advice.warnings):
        sys.exit(1)


@cli.command()
@CASE
@AT
@RULESET
@RULES_PATH
@INDUSTRY
@click.option("--rule", "rule", metavar="ID", help="Only this rule (`id` or `ruleset/id`).")
@click.option("--why-not", "why_not", is_flag=True, help="Only rules that did not fire, with what would flip them.")
@LOCK
@PROFILE
@FORMAT_MD
def explain(case_file: str, at: str | None, rulesets: Sequence[str], rules_path: Sequence[str],
            industry: str | None, rule: str | None, why_not: bool, lock: str | None, profile_file: str | None,
            fmt: str) -> None:
    """Why each rule fired or not for CASE."""
    from followup_rules import api
    from followup_rules.cli import render
    from followup_rules.rules.profile import find_profile

    profile = find_profile(profile_file)
    case = api.load_case(case_file)
    library = _library(rules_path)
    explanation = api.explain(case, at, _selection(rulesets, industry, case, library, lock, profile),
                              params=profile.params, library=library).only(rule, why_not)
    if rule and not explanation.verdicts:
        raise UserError(f"no rule {rule!r} in the selected rulesets")
    if fmt == "json":
        _dump(explanation.to_dict())
    elif fmt == "markdown":
        click.echo(render.explanation_markdown(explanation, case.timezone), nl=False)
    else:
        click.echo(render.explanation_text(explanation, case.timezone, _style(sys.stdout.isatty())), nl=False)


@cli.group()
def rulesets() -> None:
    """List, show, validate and test rulesets."""


@rulesets.command("list")
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
        _dump(rows)
        return
    width = max((len(r["id"]) for r in rows), default=2)
    for r in rows:
        click.echo(f"{r['id']:<{width}}  {r['version']:<8} {r['group']:<10} {r['rules']:>3} rules  {r['title']}")


@rulesets.command("show")
@click.argument("spec", metavar="ID[@RANGE]")
@RULES_PATH
@FORMAT
def rulesets_show(spec: str, rules_path: Sequence[str], fmt: str) -> None:
    """One ruleset's rules, with their conditions and quotes."""
    ruleset = _library(rules_path).get(spec)
    if fmt == "json":
        _dump(ruleset.doc.data if ruleset.doc else {})
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


@rulesets.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--sources", type=click.Path(file_okay=False), help="Check every quote against the articles in this folder.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
def rulesets_validate(paths: Sequence[str], sources: str | None, fmt: str) -> None:
    """Check rulesets (default: the shipped ones); exit 2 on any error."""
    from followup_rules.rules.validate import validate_paths

    problems = validate_paths(paths, sources)
    if fmt == "json":
        _dump([p.to_dict() for p in problems])
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


@rulesets.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--min-coverage", "min_coverage", type=click.FloatRange(0, 100), default=None, metavar="N",
              help="Fail unless N% of rules are seen firing and silent and every condition true and false.")
@FORMAT
def rulesets_test(paths: Sequence[str], min_coverage: float | None, fmt: str) -> None:
    """Run the YAML tests inside rulesets (default: the shipped ones); exit 1 on a failure."""
    from followup_rules.authoring.testing import run_paths

    report = run_paths(paths)
    if fmt == "json":
        _dump(report.to_dict())
    else:
        click.echo(report.text(), nl=False)
    short = min_coverage is not None and report.coverage_percent() < min_coverage
    if short and fmt == "text":
        click.echo(f"coverage {report.coverage_percent():.1f}% is below --min-coverage {min_coverage:g}; missing:")
        for gap in report.missing():
            click.echo(f"  {gap}")
    if report.failed or short:
        sys.exit(1)


@rulesets.command("vocabulary")
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
        _dump(data)
        return
    for name, f in data["facts"].items():
        values = f" ({', '.join(f['values'])})" if f["values"] else ""
        click.echo(f"{name:<42} {f['type']}{'?' if f['nullable'] else ''}{values}  {f['description']}")
    for key in ("actions", "warnings", "include", "style", "expectations", "anchors", "recipients", "channels",
                "operators"):
        click.echo(f"\n{key}: " + ", ".join(data[key]))


@cli.command()
@click.argument("draft_file", metavar="DRAFT", type=click.Path(dir_okay=False))
@click.option("--case", "case_file", required=True, metavar="CASE", type=click.Path(dir_okay=False),
              help="The case the draft belongs to.")
@click.option("--channel", type=click.Choice(["email", "linkedin", "letter"]), default=None,
              help="How the draft will be sent (default: the case's draft channel, else email).")
@click.option("--kind", type=click.Choice(["thank_you", "follow_up", "materials", "resource",
                                           "competing_offer_notice", "rejection_response", "feedback_request",
                                           "other"]),
              default=None, help="What the draft is (default: the case's draft kind, else follow_up).")
@AT
@RULESET
@RULES_PATH
@FORMAT
def check(draft_file: str, case_file: str, channel: str | None, kind: str | None, at: str | None,
          rulesets: Sequence[str], rules_path: Sequence[str], fmt: str) -> None:
    """Check the text in DRAFT as CASE's draft; exit 1 when a don't rule fires on it."""
    from followup_rules import api
    from followup_rules.drafting.check import check_draft, read_draft

    body = read_draft(draft_file)
    case = api.load_case(case_file)
    result = check_draft(case, body, draft_file, at, list(rulesets) or None, _library(rules_path), channel, kind)
    if fmt == "json":
        _dump(result.to_dict())
    else:
        click.echo(result.text(), nl=False)
    if result.failed:
        sys.exit(1)


@rulesets.command("compare")
@click.option("--topic", default=None, metavar="TOPIC", help="Only this topic (a rule's `topic:`).")
@FORMAT_MD
def rulesets_compare(topic: str | None, fmt: str) -> None:
    """Each shipped source ruleset's position on each topic, side by side."""
    from followup_rules.authoring import compare

    sources = [e.ruleset for e in _library(()).entries if e.group == "sources"]
    comparisons = compare.compare(sources, topic)
    if fmt == "json":
        _dump([c.to_dict() for c in comparisons])
    elif fmt == "markdown":
        click.echo(compare.markdown(comparisons), nl=False)
    else:
        click.echo(compare.text(comparisons), nl=False)


#: The commands beyond those above, by module of `followup_rules.cli.commands`.
COMMAND_MODULES = ("diff", "draft", "export", "lint", "lock", "new", "plugins", "send", "timeline")


def _add_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        module = importlib.import_module(f"followup_rules.cli.commands.{name}")
        if hasattr(module, "command"):
            cli.add_command(module.command)
        if hasattr(module, "rulesets_command"):
            rulesets.add_command(module.rulesets_command)


_add_commands()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; user errors become one line per problem on stderr and exit code 2."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="followup", standalone_mode=False)
    except UserError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}" if isinstance(problem, Problem) else str(problem), err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "followup"
        click.echo(f"error: {exc.format_message()} (see `{command} --help`)", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
