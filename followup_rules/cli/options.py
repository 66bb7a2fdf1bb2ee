"""Command-line options shared by the `followup` commands."""

from __future__ import annotations

import click

CASE = click.argument("case_file", metavar="CASE", type=click.Path(dir_okay=False))
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                      show_default=True, help="Output for people (text) or programs (json).")
FORMAT_MD = click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
                         show_default=True, help="Output format.")
AT = click.option("--at", default=None, metavar="ISO8601",
                  help="The moment to evaluate (default: now); without an offset, read in the candidate's timezone.")
RULESET = click.option("--ruleset", "rulesets", multiple=True, metavar="ID[@RANGE]",
                       help="Use these rulesets instead of the default profile (repeatable).")
RULES_PATH = click.option("--rules-path", "rules_path", multiple=True, type=click.Path(),
                          help="Extra folder or file of rulesets (repeatable; also FOLLOWUP_RULES_PATH).")
LOCK = click.option("--lock", "lock", default=None, type=click.Path(dir_okay=False),
                    help="Use exactly the rulesets of this lock file (default: ./followup.lock if present).")
INDUSTRY = click.option("--industry", help="Use this industry overlay instead of the case's.")
POLICY = click.option("--policy", type=click.Choice(["agreement", "strictest", "precedence"]), default="agreement",
                      show_default=True, help="How the sources' advice is merged.")
PRECEDENCE = click.option("--precedence", "precedence", multiple=True, metavar="ID",
                          help="Ruleset order for --policy precedence (repeatable; default: the selection order).")
PROFILE = click.option("--profile", "profile_file", default=None, type=click.Path(dir_okay=False), metavar="FILE",
                       help="Rulesets, policy and readings to use (default: ./followup.yaml if present).")
SETTINGS = click.option("--settings", "settings_file", type=click.Path(dir_okay=False), metavar="FILE",
                        help="Settings file (default: ~/.config/followup-rules/settings.yaml when it exists).")
