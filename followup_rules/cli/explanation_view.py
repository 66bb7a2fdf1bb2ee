"""Explanations as text for people or as markdown: how each action was merged, then every rule's verdict."""

from __future__ import annotations

import json
from typing import Any

from followup_rules.cli.advice_view import Paint, _plain, window_text
from followup_rules.core.moments import when
from followup_rules.resolve.explanation import Explanation, Merged, Verdict


def explanation_text(explanation: Explanation, tz: Any, style: Paint = _plain) -> str:
    """How each advised action was merged, then every rule's verdict, condition by condition."""
    lines = [style(f"Explanation at {when(explanation.at, tz)} for {explanation.case}", bold=True), ""]
    lines += [f"note: {note}" for note in explanation.notes]
    if explanation.merges:
        lines += [style(f"How the advice was merged (policy {explanation.policy})", bold=True), ""]
        for merged in explanation.merges:
            lines.extend(_merge_lines(merged, tz))
            lines.append("")
        lines += [style("Every rule", bold=True), ""]
    for v in explanation.verdicts:
        lines.extend(_verdict_lines(v, tz, style))
        lines.append("")
    return "\n".join(lines)


def _merge_lines(merged: Merged, tz: Any) -> list[str]:
    trace = merged.trace
    lines = [f"{merged.number:>2}. {merged.sentence}", "    sources"]
    width = max((len(p.ruleset) for p in trace.positions), default=0)
    for p in trace.positions:
        state = f"{p.state or 'no timing':<9}"
        lines.append(f"      {p.ruleset:<{width}}  {state}  {window_text(p.window, tz)}")
    lines += [f"    decision  {trace.decision}", f"    target    {trace.target}",
              f"    backed by {', '.join(trace.backers) or 'no source'}"]
    lines += [f"    dissent   {ruleset}: {why}" for ruleset, why in trace.dissent]
    lines += [f"    changed   {change}" for change in trace.changes]
    return lines


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
        lines.append(f"  window  {window_text(v.window, tz)}  [{v.state}]")
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
    lines += [f"> {note}" for note in explanation.notes]
    if explanation.merges:
        lines += [f"## How the advice was merged (policy {explanation.policy})", ""]
        for merged in explanation.merges:
            trace = merged.trace
            lines += [f"{merged.number}. {merged.sentence}", "", "| source | state | window |", "|---|---|---|"]
            lines += [f"| `{p.ruleset}` | {p.state or 'no timing'} | {window_text(p.window, tz)} |"
                      for p in trace.positions]
            lines += ["", f"- decision: {trace.decision}", f"- target: {trace.target}",
                      f"- backed by: {', '.join(trace.backers) or 'no source'}"]
            lines += [f"- dissent: `{r}` {why}" for r, why in trace.dissent]
            lines += [f"- changed: {c}" for c in trace.changes]
            lines.append("")
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
            lines += ["", f"Window: {window_text(v.window, None)} ({v.state})", ""]
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
