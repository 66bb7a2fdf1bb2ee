"""`followup rulesets new ID`: a commented starter ruleset with one rule and one test."""

from __future__ import annotations

import re
from pathlib import Path

import click

from followup_rules.cli.options import FORCE

STARTER = """\
# yaml-language-server: $schema={schema}
# A ruleset: advice as rules, each citing the text it rests on. Check it with
#   followup rulesets validate {file}
# and run its tests with
#   followup rulesets test {file}
id: {id}
version: 0.1.0                      # semver; bump it when the advice changes
title: {title}
# source:                           # for a published article: the file name in your sources folder
#   file: my-article.txt            # quotes are then checked with `validate --sources DIR`
#   title: The article's title
#   publisher: Who published it
# extends: levo-5-things@^1         # inherit a shipped ruleset; replace its rules under `overrides:`
rules:
  - id: thank-within-a-day
    kind: do                        # do (an action) or dont (a warning)
    strength: should                # must | should | may
    topic: thank-you-timing
    says: Send each interviewer a thank-you note within a day of the interview.
    quote: "Thank each interviewer within a day."   # verbatim from your source
    when:                           # the state of the case; `followup rulesets vocabulary` lists facts
      all:
        - {{fact: interview.ended, op: eq, value: true}}
        - {{fact: thank_you.all_thanked, op: eq, value: false}}
    then:                           # timing goes in the window, so upcoming actions show too
      action: send_thank_you
      to: unthanked_interviewers
      channel: email
      window: {{anchor: interview_end, unit: hours, opens: 0, closes: 24}}
      late_warning: thank_you_late
tests:
  - name: thank-you-due-the-evening-after
    case:                           # an inline case, or a path to a case file
      candidate: {{name: Sam Doe, timezone: America/New_York, country: US}}
      application: {{company: Example Corp, position: Analyst}}
      interviews:
        - start: "2025-03-06T14:00:00"
          end: "2025-03-06T15:00:00"
          interviewers: [{{id: pat, name: Pat Lee, role: hiring_manager}}]
    at: "2025-03-06T18:00:00-05:00"
    expect:
      actions:
        - {{rule: thank-within-a-day, state: open, closes: "2025-03-07T15:00:00-05:00"}}
  - name: nothing-once-thanked
    case:
      candidate: {{name: Sam Doe, timezone: America/New_York, country: US}}
      application: {{company: Example Corp, position: Analyst}}
      interviews:
        - start: "2025-03-06T14:00:00"
          end: "2025-03-06T15:00:00"
          interviewers: [{{id: pat, name: Pat Lee, role: hiring_manager}}]
      messages:
        - {{at: "2025-03-06T17:00:00", direction: out, kind: thank_you, channel: email, party: pat}}
    at: "2025-03-06T18:00:00-05:00"
    expect:
      silent: [thank-within-a-day]
  - name: nothing-while-the-interview-runs
    case:
      candidate: {{name: Sam Doe, timezone: America/New_York, country: US}}
      application: {{company: Example Corp, position: Analyst}}
      interviews:
        - start: "2025-03-06T14:00:00"
          end: "2025-03-06T15:00:00"
          interviewers: [{{id: pat, name: Pat Lee, role: hiring_manager}}]
    at: "2025-03-06T14:30:00-05:00"
    expect:
      silent: [thank-within-a-day]
"""


@click.command("new")
@click.argument("ruleset_id", metavar="ID")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: ID.yaml).")
@click.option("--title", default=None, help="The ruleset's title.")
@FORCE
def command(ruleset_id: str, output: str | None, title: str | None, force: bool) -> None:
    """Write a commented starter ruleset with one rule and its tests."""
    from followup_rules.core._resources import shipped_dir
    from followup_rules.core.files import refuse_existing, write_atomically
    from followup_rules.core.problems import UserError

    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", ruleset_id):
        raise UserError(f"ruleset id {ruleset_id!r} must be kebab-case, e.g. my-coaching-rules")
    path = Path(output or f"{ruleset_id}.yaml")
    refuse_existing(path, "--output" if output else "the new ruleset", force)
    schema = (shipped_dir("schemas") / "ruleset.schema.json").resolve().as_uri()
    text = STARTER.format(id=ruleset_id, title=title or ruleset_id.replace("-", " ").capitalize(), file=path,
                          schema=schema)
    write_atomically(path, text.encode("utf-8"))
    click.echo(f"wrote {path}; next: followup rulesets test {path}")
