"""`followup draft`: one action of the advice as messages ready to send, rendered by its channel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import click

from followup_rules.cli.options import (
    ACTION,
    AT,
    CASE,
    FORCE,
    FORMAT,
    SETTINGS,
    numbered_action,
    selecting,
)

if TYPE_CHECKING:
    from followup_rules.core.artifact import Artifact
    from followup_rules.core.case import Case
    from followup_rules.pipeline import Choices
    from followup_rules.resolve.advice import Action, Advice


@click.command("draft")
@CASE
@ACTION
@click.option("--channel", default=None, metavar="NAME",
              help="email, linkedin, phone, letter or a plugin's channel (default: the action's own).")
@click.option("--kind", default=None, metavar="KIND",
              help="The kind of message, e.g. thank_you or thank_you_group_lead (default: the action's).")
@click.option("--to", "person", default=None, metavar="ID", help="Only the message to this interviewer.")
@AT
@selecting
@SETTINGS
@FORMAT
@click.option("--out", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Also write the draft to FILE (an .eml for email); several messages go to FILE-<id>. "
                   "An existing file is replaced only with --force.")
@FORCE
def command(case_file: str, index: int, channel: str | None, kind: str | None, person: str | None, at: str | None,
            choices: Choices, settings_file: str | None, fmt: str, out: str | None, force: bool) -> None:
    """Draft action N of the advice for CASE: subject, recipients and text, from the case's data.

    An action for several people becomes one message per person when the sources ask for that
    (individual thank-you notes, LinkedIn notes); a status message goes to the primary contact.
    """
    from followup_rules.core.files import refuse_existing
    from followup_rules.core.problems import UserError
    from followup_rules.delivery.settings import load_settings
    from followup_rules.drafting import compose, kinds
    from followup_rules.plugin.manager import plugins

    inputs = (case_file, *choices.files, *((settings_file,) if settings_file else ()))
    if out:  # a file this command reads is refused before any work; each written name is checked below
        refuse_existing(out, "--out", force=True, inputs=inputs)
    settings = load_settings(settings_file)
    case, advice, chosen = numbered_action(case_file, at, choices, index)
    if kind is not None and kind not in kinds.KINDS:
        raise UserError(f"--kind {kind!r}: use one of {', '.join(kinds.KINDS)}")
    action = kinds.as_kind(chosen, kind) if kind else chosen
    kind = kinds.kind_of(action, index)
    hook = plugins().hook
    channel = channel or kinds.channel_for(chosen)
    known = {name for names in hook.followup_channels() for name in names} | set(kinds.CHANNEL_OF.values())
    if channel not in known:
        raise UserError(f"--channel {channel!r}: use one of {', '.join(sorted(known))}")
    artifacts, names = [], []
    for message in _messages(action, index, case, advice, person):
        try:
            artifact = hook.followup_render(action=message, index=index, case=case, advice=advice, channel=channel,
                                            settings=settings)
            fallback = f"no plugin renders the {channel} channel: plain text"
        except UserError as exc:
            # Reading a draft needs no sender or address book; writing the channel's file does.
            if out:
                raise
            reason = "; ".join(p.message for p in exc.problems)
            artifact, fallback = None, f"plain text, since the {channel} channel cannot render it: {reason}"
        if artifact is None:
            draft = compose.compose(message, index, case, advice)
            artifact = compose.text_artifact(draft, message, case, channel, [fallback])
        artifacts.append(artifact)
        names.append("-".join(message.to) or "draft")
    written = _write(artifacts, names, out, force, inputs) if out else []
    if fmt == "json":
        click.echo(json.dumps({"action": index, "name": chosen.action, "kind": kind, "channel": channel,
                               "policy": advice.policy, "rulesets": [r.to_dict() for r in advice.rulesets],
                               "advised": chosen.to_dict(),
                               "messages": [a.to_dict() for a in artifacts], "written": written},
                              indent=2, ensure_ascii=False))
        return
    click.echo(f"Action {index}: {chosen.action} as {kind.replace('_', ' ')} by {channel}")
    for artifact in artifacts:
        click.echo(_text(artifact, case), nl=False)
    for path in written:
        click.echo(f"wrote {path}")


def _messages(action: "Action", index: int, case: "Case", advice: "Advice",
              person: str | None) -> Sequence["Action"]:
    """The messages of the action, or only the one to `person`."""
    from dataclasses import replace

    from followup_rules.core.problems import UserError
    from followup_rules.drafting import compose

    if person is None:
        return compose.messages(action, case, advice)
    if person not in action.to:
        raise UserError(f"--to {person!r}: action {index} goes to {', '.join(action.to) or 'nobody'}")
    return (replace(action, to=(person,)),)


def _text(artifact: "Artifact", case: "Case") -> str:
    """One message for people: recipients, subject, when, the text, then the notes."""
    from datetime import datetime

    from followup_rules.core.moments import when

    def shown(entry: str) -> str:
        person = case.person(entry)
        if person is None:
            return entry
        return f"{person.name} <{person.email}>" if person.email else person.name

    lines = ["", f"To: {', '.join(shown(e) for e in artifact.to)}"]
    if artifact.subject:
        lines.append(f"Subject: {artifact.subject}")
    moment = artifact.meta.get("call_at") or artifact.meta.get("send_at")
    if moment:
        lines.append(f"When: {when(datetime.fromisoformat(moment), case.timezone)}")
    lines += ["", artifact.body.rstrip("\n"), ""]
    lines += [f"note: {note}" for note in artifact.notes]
    return "\n".join(lines) + "\n"


def _write(artifacts: Sequence["Artifact"], names: Sequence[str], out: str, force: bool,
           inputs: Sequence[str]) -> list[str]:
    """Write each artifact (its data, else its text); several go to FILE-<recipients>.<suffix>.

    Every name is checked before the first is written, so a refusal leaves nothing half done."""
    from followup_rules.core.files import refuse_existing, write_atomically

    target = Path(out)
    paths = [target] if len(artifacts) == 1 else [target.with_name(f"{target.stem}-{name}{target.suffix}")
                                                  for name in names]
    for path in paths:
        refuse_existing(path, "--out", force, inputs=inputs)
    for artifact, path in zip(artifacts, paths, strict=True):
        write_atomically(path, artifact.data if artifact.data is not None else artifact.body.encode("utf-8"))
    return [str(path) for path in paths]
