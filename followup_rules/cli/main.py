"""The `followup` command: the group of commands, and how errors reach the user."""

from __future__ import annotations

import sys
from typing import Sequence

import click

from followup_rules.cli._lazy import LazyGroup
from followup_rules.core.problems import Problem, UserError

#: Every command, by name: the module that defines it as `command`, imported when it runs.
COMMANDS = {name: f"followup_rules.cli.commands.{name}"
            for name in ("advise", "agenda", "batch", "check", "draft", "explain", "export", "log", "new", "plugins",
                         "rulesets", "send", "timeline")}


EPILOG = ("A CASE given as - is read from standard input. Documentation: the README and docs/ of "
          "followup-rules (docs/problems.md explains every error code). Shell completion: add "
          "eval \"$(_FOLLOWUP_COMPLETE=bash_source followup)\" to ~/.bashrc (zsh_source, fish_source for "
          "zsh and fish). NO_COLOR=1 turns colours off.")


@click.group(cls=LazyGroup, modules=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=EPILOG)
@click.version_option(package_name="followup-rules")
def cli() -> None:
    """Advice on following up after a job interview, as rules that cite their sources."""


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; user errors become one line per problem on stderr and exit code 2."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="followup", standalone_mode=False)
    except UserError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}" if isinstance(problem, Problem) else str(problem), err=True)
        sys.exit(2)
    except click.exceptions.NoArgsIsHelpError as exc:  # `followup` alone: the help, which is no error
        click.echo(exc.ctx.get_help() if exc.ctx else cli.get_help(click.Context(cli)))
        sys.exit(0)
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
