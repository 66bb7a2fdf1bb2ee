"""Advice and explanations as text for people (aligned, local dates) or as markdown."""

from __future__ import annotations

import json
from typing import Any, Callable

from followup_rules.core.moments import when
from followup_rules.resolve.advice import Action, Advice, Window
from followup_rules.resolve.explanation import Explanation, Verdict

Paint = Callable[..., str]


def _plain(text: str, **_: Any) -> str:
    return text


def _window(window: Window | None, tz: Any) -> str:
    if window is None:
        return "any time"
    text = f"{when(window.opens, tz)} → {when(window.closes, tz) if window.closes else 'no deadline'}"
    return text + f" (aim {when(window.target, tz)})"


_STATE_COLOUR = {"overdue": "red", "open": "green", "upcoming": "blue"}


def advice_text(advice: Advice, tz: Any, style: Paint = _plain) -> str:
    lines = [style(f"Advice at {when(advice.at, tz)} for {advice.case}", bold=True),
             f"policy {advice.policy}; rulesets " + ", ".join(f"{r.id}@{r.version}" for r in advice.rulesets), ""]
    if not advice.actions:
        lines.append("No action is due or upcoming.")
    for n, action in enumerate(advice.actions, 1):
        lines.extend(_action_lines(n, action, tz, style))
    if advice.warnings:
        lines += ["", style("Warnings", bold=True)]
        width = max(len(w.code) for w in advice.warnings)
        for w in advice.warnings:
            rules = ", ".join(c.rule for c in w.by)
            lines.append(f"  {style(w.code.ljust(width), fg='yellow')}  {w.severity:<7}  {rules}")
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
    lines = [f"{n:>2}. {state} {style(label, bold=True)}"
             + (f" → {', '.join(action.to)}" if action.to else "")
             + (f" by {action.channel}" if action.channel else ""),
             f"    when     {_window(action.window, tz)}"]
    if action.include:
        lines.append(f"    include  {', '.join(action.include)}")
    if action.style:
        lines.append("    style    " + ", ".join(
            s.code + (f" (≤{s.max_paragraphs} paragraphs)" if s.max_paragraphs else "") for s in action.style))
    for o in action.overridden_by:
        lines.append(f"    employer {o.detail} (overrides the sources)")
    for c in action.by:
        lines.append(f"    because  {c.rule} [{c.source or 'own rule'}]: “{_short(c.quote)}”")
    for d in action.dissent:
        lines.append(f"    dissent  {d.rule}: {d.says}")
    return lines


def _short(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def advice_markdown(advice: Advice, tz: Any) -> str:
    lines = [f"# Advice for `{advice.case}` at {when(advice.at, tz)}", "",
             f"Policy: **{advice.policy}**. Rulesets: " + ", ".join(f"`{r.id}@{r.version}`" for r in advice.rulesets),
             "", "| # | state | action | to | window | backed by | dissent |", "|---|---|---|---|---|---|---|"]
    for n, a in enumerate(advice.actions, 1):
        lines.append(f"| {n} | {a.state} | {a.action}{' #' + str(a.ordinal) if a.ordinal else ''} | "
                     f"{', '.join(a.to)} | {_window(a.window, tz)} | {', '.join(c.rule for c in a.by)} | "
                     f"{'; '.join(d.rule for d in a.dissent)} |")
    if advice.warnings:
        lines += ["", "## Warnings", ""]
        lines += [f"- **{w.code}** ({w.severity}): {', '.join(c.rule for c in w.by)}" for w in advice.warnings]
    return "\n".join(lines) + "\n"


def explanation_text(explanation: Explanation, tz: Any, style: Paint = _plain) -> str:
    lines = [style(f"Explanation at {when(explanation.at, tz)} for {explanation.case}", bold=True), ""]
    for v in explanation.verdicts:
        lines.extend(_verdict_lines(v, tz, style))
        lines.append("")
    return "\n".join(lines)


def _verdict_lines(v: Verdict, tz: Any, style: Paint) -> list[str]:
    mark = style("FIRED", fg="green") if v.fired else style("not fired", fg="red")
    lines = [f"{style(v.rule, bold=True)}  {mark}  ({v.kind})", f"  says    {v.says}",
             f"  source  {v.source or 'own rule'} — {v.title}"]
    lines += [f"  quote   “{q}”" for q in v.quotes]
    if len(v.chain) > 1:
        lines.append("  chain   " + " → ".join(v.chain))
    if v.outcome is not None:
        lines.append("  conditions")
        lines.extend(_outcome_lines(v.outcome.to_dict(), 4, style))
    if v.window is not None:
        lines.append(f"  window  {_window(v.window, tz)}  [{v.state}]")
        lines += [f"          {step}" for step in v.window.steps]
    for item in v.why_not():
        lines.append(f"  why not {item['condition']} (actual {json.dumps(item['actual'])}); {item['hint']}")
    if v.note:
        lines.append(f"  note    {v.note}")
    return lines


def _outcome_lines(node: dict[str, Any], indent: int, style: Paint) -> list[str]:
    pad = " " * indent
    ok = style("✓", fg="green") if node["passed"] else style("✗", fg="red")
    if "op" in node:
        subject = node.get("fact") or f"param {node.get('param')}"
        extra = "  (implied by the window's anchor)" if node.get("implicit") else ""
        return [f"{pad}{ok} {subject} {node['op']} {json.dumps(node['expected'])}"
                f"  — actual {json.dumps(node['actual'])}{extra}"]
    kind = next(k for k in node if k != "passed")
    lines = [f"{pad}{ok} {kind}:"]
    for child in node[kind]:
        lines += _outcome_lines(child, indent + 2, style)
    return lines


def explanation_markdown(explanation: Explanation, tz: Any) -> str:
    lines = [f"# Explanation for `{explanation.case}` at {when(explanation.at, tz)}", ""]
    for v in explanation.verdicts:
        lines += [f"## `{v.rule}` — {'fired' if v.fired else 'not fired'}", "", f"{v.says}", "",
                  f"Source: `{v.source or 'own rule'}` ({v.title})", ""]
        lines += [f"> {q}" for q in v.quotes]
        if v.outcome is not None:
            lines += ["", "| condition | actual | result |", "|---|---|---|"]
            for leaf in _leaves(v.outcome.to_dict()):
                subject = leaf.get("fact") or f"param {leaf.get('param')}"
                lines.append(f"| `{subject} {leaf['op']} {json.dumps(leaf['expected'])}` | "
                             f"`{json.dumps(leaf['actual'])}` | {'pass' if leaf['passed'] else 'fail'} |")
        if v.window is not None:
            lines += ["", f"Window: {_window(v.window, None)} ({v.state})", ""]
            lines += [f"- {s}" for s in v.window.steps]
        for item in v.why_not():
            lines.append(f"- why not: `{item['condition']}`, actual `{json.dumps(item['actual'])}`; {item['hint']}")
        lines.append("")
    return "\n".join(lines)


def _leaves(node: dict[str, Any]) -> list[dict[str, Any]]:
    if "op" in node:
        return [node]
    kind = next(k for k in node if k != "passed")
    return [leaf for child in node[kind] for leaf in _leaves(child)]
