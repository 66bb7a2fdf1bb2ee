"""`followup send`: an action of the advice as email, each message sent once; without --send, a dry run."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, Sequence

import click

from followup_rules.cli.options import ACTION, AT, CASE, FORMAT, SETTINGS, numbered_action, selecting

if TYPE_CHECKING:
    from followup_rules.core.artifact import Artifact, Receipt
    from followup_rules.core.case import Case
    from followup_rules.pipeline import Choices
    from followup_rules.resolve.advice import Action, Advice


@click.command("send")
@CASE
@ACTION
@click.option("--send", "really", is_flag=True,
              help="Really send it. Without this flag nothing is sent: it shows what would be.")
@click.option("--no-record", "no_record", is_flag=True,
              help="Do not add the messages sent to CASE (by default each one is recorded there, as `followup log`).")
@SETTINGS
@AT
@selecting
@FORMAT
def command(case_file: str, index: int, really: bool, no_record: bool, settings_file: str | None, at: str | None,
            choices: Choices, fmt: str) -> None:
    """Send action N of the advice for CASE by email, each message at most once (exit 2 when one fails).

    An action for several people becomes one message per person when the sources ask for that
    (individual thank-you notes); each message is journaled on its own. Each message sent is
    recorded in CASE (unless --no-record), so the next advice knows it went out.
    """
    from followup_rules.core.problems import UserError
    from followup_rules.delivery.settings import load_settings
    from followup_rules.plugin.manager import plugins

    settings = load_settings(settings_file)
    case, advice, action = numbered_action(case_file, at, choices, index, counted=True)
    hook = plugins().hook
    artifacts = []
    for part in _messages(action, case, advice):
        artifact = hook.followup_render(action=part, index=index, case=case, advice=advice, channel="email",
                                        settings=settings)
        if artifact is None:
            raise UserError("no plugin renders the email channel")
        artifacts.append(artifact)
    results: list[tuple[Artifact, Receipt]] = []
    for artifact in artifacts:
        receipt = hook.followup_deliver(artifact=artifact, settings=settings, dry_run=not really)
        if receipt is None:
            raise UserError("no plugin delivers the email channel")
        results.append((artifact, receipt))
    if fmt == "json":
        click.echo(json.dumps({"action": index, "policy": advice.policy,
                               "rulesets": [r.to_dict() for r in advice.rulesets], "advised": action.to_dict(),
                               "messages": [_json(a, r) for a, r in results]}, indent=2, ensure_ascii=False))
    else:
        if not really:
            click.echo("Dry run: nothing was sent. Run again with --send to send it.")
        for artifact, receipt in results:
            if receipt.status != "failed":
                click.echo(receipt_text(receipt, artifact), nl=False)
    recorded = _record(case_file, advice, results) if really and not no_record else []
    for line in recorded:
        click.echo(f"recorded in {case_file}: {line}", err=fmt == "json")
    failures = [r for _, r in results if r.status == "failed"]
    for receipt in failures:
        click.echo(f"error: {receipt.detail}", err=True)
    if failures:
        sys.exit(2)


def _record(case_file: str, advice: "Advice", results: Sequence[tuple["Artifact", "Receipt"]]) -> list[str]:
    """Add each message delivered to the case file, dated as its Date header; what was recorded."""
    from followup_rules.drafting.kinds import CASE_KINDS
    from followup_rules.tracking.case_log import Entry, record

    entries = [Entry("out", CASE_KINDS.get(str(artifact.meta.get("kind")), "other"), advice.at, person, "email",
                     artifact.body)
               for artifact, receipt in results if receipt.status == "sent"
               for person in artifact.meta.get("recipients") or [None]]
    if entries:
        record(case_file, entries)
    return [entry.says() for entry in entries]


def _messages(action: "Action", case: "Case", advice: "Advice") -> Sequence["Action"]:
    """The action as the messages to send (one per person for individual notes)."""
    from followup_rules.drafting.compose import messages
    from followup_rules.drafting.kinds import is_message

    return messages(action, case, advice) if is_message(action) else (action,)


def _json(artifact: "Artifact", receipt: "Receipt") -> dict[str, Any]:
    return {"receipt": receipt.to_dict(), "artifact": artifact.to_dict(),
            "eml": (artifact.data or b"").decode("utf-8", "replace")}


def receipt_text(receipt: "Receipt", artifact: "Artifact") -> str:
    """One message's outcome for people; on a dry run, with the message itself."""
    if receipt.status != "dry-run":
        return f"{receipt.status}: {receipt.detail}\n"
    meta = artifact.meta
    lines = ["", receipt.detail, "", f"From: {meta.get('from', '')}", f"To: {', '.join(artifact.to)}",
             f"Subject: {artifact.subject}", f"Date: {meta.get('date', '')}",
             f"Message-ID: {meta.get('message_id', '')}", "", artifact.body.rstrip("\n"), ""]
    return "\n".join(lines)
