"""`followup timeline`: the projected plan, step by step, with the rules behind each step."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from followup_rules.cli.options import CASE, FORMAT, echo_json, paint, selecting

if TYPE_CHECKING:
    from followup_rules.pipeline import Choices
    from followup_rules.projection import Timeline
    from followup_rules.resolve.advice import Window

_ENDED = {
    "stop": "The rules say stop following up here.",
    "done": "Nothing more is left to do unless the employer writes.",
    "max_steps": "Stopped after the maximum number of steps; more may follow.",
}


@click.command("timeline")
@CASE
@click.option("--at", default=None, metavar="ISO8601",
              help="Project from this moment (default: now); without an offset, read in the candidate's timezone.")
@selecting
@click.option("--max-steps", "max_steps", type=click.IntRange(0, 100), default=12, show_default=True,
              help="Project at most this many steps.")
@FORMAT
def command(case_file: str, at: str | None, choices: Choices, max_steps: int, fmt: str) -> None:
    """The whole plan for CASE if nothing new arrives: each step, its date and the rules behind it."""
    from followup_rules.core.case import load_case
    from followup_rules.pipeline import moment
    from followup_rules.projection import project

    case = load_case(case_file)
    timeline = project(case, moment(at, case), choices.select(case), max_steps)
    if fmt == "json":
        echo_json(timeline.to_dict())
        return
    click.echo(timeline_text(timeline, paint()), nl=False)


def timeline_text(timeline: Timeline, style: Callable[..., str]) -> str:
    """The timeline for people: one block per step, dates in the candidate's timezone."""
    from followup_rules.core.moments import when

    tz = timeline.case.timezone
    lines = [style(f"Plan from {when(timeline.start, tz)} for {timeline.case.name}", bold=True),
             f"policy {timeline.policy}; rulesets "
             + ", ".join(f"{r.id}@{r.version}" for r in timeline.advice.rulesets), ""]
    if not timeline.steps:
        lines.append("No step is due or upcoming.")
    for step in timeline.steps:
        late = style(" (late)", fg="red") if step.late else ""
        lines.append(f"{step.number:>2}. {when(step.at, tz)}  {style(step.title, bold=True)} by {step.channel}{late}")
        lines.append(f"    window   {_window(step.window, tz)}")
        for c in step.by:
            lines.append(f"    because  {c.rule} [{c.source or 'own rule'}]: {c.says}")
        for c in step.despite:
            lines.append(f"    despite  {c.rule}: {c.says} (outweighed under {timeline.policy})")
    if timeline.closing:
        lines += ["", style(f"Then, from {when(timeline.end, tz)}", bold=True)]
        for action in timeline.closing:
            lines.append(f"    {action.action}")
            for c in action.by:
                lines.append(f"      because  {c.rule} [{c.source or 'own rule'}]: {c.says}")
    lines += ["", _ENDED[timeline.ended]]
    return "\n".join(lines) + "\n"


def _window(window: Window | None, tz: Any) -> str:
    from followup_rules.core.moments import when

    if window is None:
        return "any time"
    closes = when(window.closes, tz) if window.closes else "no deadline"
    return f"opens {when(window.opens, tz)}, aim {when(window.target, tz)}, closes {closes}"
