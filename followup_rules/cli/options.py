"""Command-line options shared by the `followup` commands, and the one way they select rulesets."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

import click

if TYPE_CHECKING:
    from followup_rules.core.case import Case
    from followup_rules.pipeline import Choices
    from followup_rules.resolve.advice import Action, Advice

CASE = click.argument("case_file", metavar="CASE", type=click.Path(dir_okay=False, allow_dash=True))
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                      show_default=True, help="Output for people (text) or programs (json).")
FORMAT_MD = click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
                         show_default=True, help="Output format.")
AT = click.option("--at", default=None, metavar="ISO8601",
                  help="The moment to evaluate (default: now); without an offset, read in the candidate's timezone.")
RULES_PATH = click.option("--rules-path", "rules_path", multiple=True, type=click.Path(),
                          help="Extra folder or file of rulesets (repeatable; also FOLLOWUP_RULES_PATH).")
PROFILE = click.option("--profile", "profile_file", default=None, type=click.Path(dir_okay=False), metavar="FILE",
                       help="Rulesets, policy and readings to use (default: followup.yaml here or in a parent folder).")
ACTION = click.option("--action", "index", type=int, required=True, metavar="N",
                      help="The action: its number in `followup advise` (1-based).")
FORCE = click.option("--force", is_flag=True,
                     help="Replace the file to write even when it exists and is not this command's own earlier output.")
SETTINGS = click.option("--settings", "settings_file", type=click.Path(dir_okay=False), metavar="FILE",
                        help="Settings file (default: ~/.config/followup-rules/settings.yaml when it exists).")

_SELECTING = (
    click.option("--ruleset", "rulesets", multiple=True, metavar="ID[@RANGE]",
                 help="Use these rulesets instead of the lock file or profile (repeatable)."),
    RULES_PATH,
    click.option("--industry", default=None,
                 help="Add this industry overlay (with --ruleset), or use it instead of the case's."),
    click.option("--policy", type=click.Choice(["agreement", "strictest", "precedence"]), default=None,
                 help="How the sources' advice is merged (default: the profile's, else agreement)."),
    click.option("--precedence", "precedence", multiple=True, metavar="ID",
                 help="Ruleset order for --policy precedence (repeatable; default: the selection order)."),
    click.option("--lock", "lock", default=None, type=click.Path(dir_okay=False),
                 help="Use exactly the rulesets of this lock file (default: followup.lock here or in a parent)."),
    PROFILE,
)


def numbered_action(case_file: str, at: str | None, choices: Choices, index: int,
                    counted: bool = False) -> tuple[Case, Advice, Action]:
    """The case, its advice (as `followup advise` gives it) and its action number `index`; a wrong
    number says the range, or with `counted` how many actions there are."""
    from followup_rules import pipeline
    from followup_rules.core.case import load_case
    from followup_rules.core.problems import UserError

    case = load_case(case_file)
    moment, selection = pipeline.moment(at, case), choices.select(case)
    # Projected steps come last, so only a number past the others needs the projection's evaluation.
    advice = pipeline.advise(case, moment, selection, ahead=False)
    if index > len(advice.actions):
        advice = pipeline.advise(case, moment, selection)
    if not 1 <= index <= len(advice.actions):
        span = f"1–{len(advice.actions)}" if advice.actions else "none: the advice has no actions"
        wrong = (f"the advice has {len(advice.actions)} actions, numbered from 1" if counted
                 else f"choose an action numbered {span}")
        raise UserError(f"--action {index}: {wrong} (see `followup advise {case_file}`)")
    return case, advice, advice.actions[index - 1]


def selecting(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the ruleset-selection options, collected into one `choices` argument."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from dataclasses import fields

        from followup_rules.pipeline import Choices

        # click gives the repeatable options as lists or tuples; Choices holds tuples.
        given = {f.name: kwargs.pop(f.name) for f in fields(Choices)}
        given = {name: tuple(value) if isinstance(value, (list, tuple)) else value for name, value in given.items()}
        return command(*args, choices=Choices(**given), **kwargs)

    for option in reversed(_SELECTING):
        run = option(run)
    return run


def echo_json(data: Any) -> None:
    """Print JSON for programs: indented, UTF-8 as is."""
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def paint() -> Callable[..., str]:
    """click.style on a terminal, plain text when piped or when NO_COLOR is set (no-color.org)."""
    import os
    import sys

    return click.style if sys.stdout.isatty() and not os.environ.get("NO_COLOR") else (lambda text, **_: text)

