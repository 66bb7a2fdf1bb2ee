"""Advice as text for people (aligned, local dates, most urgent first) or as markdown."""

from __future__ import annotations

import json
from typing import Any, Callable

from followup_rules.core.moments import when
from followup_rules.resolve.advice import Action, Advice, Window

Paint = Callable[..., str]


def _plain(text: str, **_: Any) -> str:
    return text


def window_text(window: Window | None, tz: Any) -> str:
    if window is None:
        return "any time"
    closes = when(window.closes, tz) + (" (soft)" if window.soft else "") if window.closes else "no deadline"
    return f"{when(window.opens, tz)} → {closes} (aim {when(window.target, tz)})"


_STATE_COLOUR = {"overdue": "red", "open": "green", "upcoming": "blue"}


def advice_text(advice: Advice, tz: Any, style: Paint = _plain) -> str:
    """The advice for people: one numbered block per action, most urgent first, then conflicts,
    what was set aside, warnings and what to expect."""
    lines = [style(f"Advice at {when(advice.at, tz)} for {advice.case}", bold=True),
             f"policy {advice.policy}; rulesets " + ", ".join(f"{r.id}@{r.version}" for r in advice.rulesets), ""]
    if not advice.actions:
        lines.append("No action is due or upcoming.")
    for n, action in enumerate(advice.actions, 1):
        lines.extend(_action_lines(n, action, tz, style))
    if advice.conflicts:
        lines += ["", style("Where the sources disagree", bold=True)]
        for conflict in advice.conflicts:
            lines.append(f"  {conflict.about}: {conflict.resolution}")
            for side in conflict.sides:
                lines.append(f"    {', '.join(c.rule for c in side.by)}")
                lines.append(f"        {side.says}")
    if advice.set_aside:
        lines += ["", style("Set aside", bold=True)]
        for entry in advice.set_aside:
            lines.append(f"  {entry.action.action}, advised by {', '.join(c.rule for c in entry.action.by)}: "
                         f"{entry.reason}")
    if advice.warnings:
        lines += ["", style("Warnings", bold=True)]
        width = max(len(w.code) for w in advice.warnings)
        for w in advice.warnings:
            rules = ", ".join(c.rule for c in w.by)
            lines.append(f"  {style(w.code.ljust(width), fg='yellow')}  {w.severity:<7}  {rules}")
            if w.note:
                lines.append("  " + " " * width + f"  {w.note}")
            if w.evidence:
                lines.append("  " + " " * width + "  evidence: " + ", ".join(
                    f"{k}={json.dumps(v)}" for k, v in sorted(w.evidence.items())))
    if advice.expectations:
        lines += ["", style("Expect", bold=True)]
        for e in advice.expectations:
            lines.append(f"  {e.code}  ({', '.join(c.rule for c in e.by)})")
    return "\n".join(lines) + "\n"


def _action_lines(n: int, action: Action, tz: Any, style: Paint) -> list[str]:
    label = action.action + (f" #{action.ordinal}" if action.ordinal else "") + (
        f" ({action.code})" if action.code else "")
    state = style(f"{action.state:<8}", fg=_STATE_COLOUR[action.state])
    lines = [f"{n:>2}. {style(f'{action.strength:<6}', bold=True)} {action.sentence}",
             f"    {state} {label}" + (f" → {', '.join(action.to)}" if action.to else "")
             + (f" by {action.channel}" if action.channel else "")
             + (f" ({action.projected})" if action.projected else ""),
             f"    when     {window_text(action.window, tz)}"]
    if action.include:
        lines.append(f"    include  {', '.join(action.include)}")
    if action.style:
        lines.append("    style    " + ", ".join(
            s.code + (f" (≤{s.max_paragraphs} paragraphs)" if s.max_paragraphs else "") for s in action.style))
    for o in action.overridden_by:
        lines.append(f"    changed  {o.detail} ({o.instruction})")
    for c in action.by:
        lines.append(f"    because  {c.rule} [{c.source or 'own rule'}]: “{_short(c.quote)}”")
    for d in action.dissent:
        lines.append(f"    dissent  {d.rule}: {window_text(d.window, tz)}")
    return lines


def _short(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def advice_markdown(advice: Advice, tz: Any) -> str:
    lines = [f"# Advice for `{advice.case}` at {when(advice.at, tz)}", "",
             f"Policy: **{advice.policy}**. Rulesets: " + ", ".join(f"`{r.id}@{r.version}`" for r in advice.rulesets),
             "", "| # | must/should/may | what | state | window | backed by | dissent |", "|---|---|---|---|---|---|---|"]
    for n, a in enumerate(advice.actions, 1):
        lines.append(f"| {n} | {a.strength} | {a.sentence} | {a.state} | {window_text(a.window, tz)} | "
                     f"{', '.join(c.rule for c in a.by)} | {'; '.join(d.rule for d in a.dissent)} |")
    if advice.conflicts:
        lines += ["", "## Where the sources disagree", ""]
        lines += [f"- **{c.about}**: " + "; ".join(f"{s.says} ({', '.join(x.rule for x in s.by)})" for s in c.sides)
                  + f". {c.resolution}" for c in advice.conflicts]
    if advice.set_aside:
        lines += ["", "## Set aside", ""]
        lines += [f"- {s.action.action}: {s.reason}" for s in advice.set_aside]
    if advice.warnings:
        lines += ["", "## Warnings", ""]
        lines += [f"- **{w.code}** ({w.severity}): {', '.join(c.rule for c in w.by)}" for w in advice.warnings]
    return "\n".join(lines) + "\n"


