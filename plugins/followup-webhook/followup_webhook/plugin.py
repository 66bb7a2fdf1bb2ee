"""The hooks: post every finished advice when a webhook URL is set, and render and deliver the
``webhook`` channel (``followup draft CASE --action N --channel webhook``, or the Python API)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from followup_rules.plugin.hookspecs import hookimpl

from .webhook import WebhookConfig, WebhookError, post, where

if TYPE_CHECKING:
    from followup_rules.core.artifact import Artifact, Receipt
    from followup_rules.core.case import Case
    from followup_rules.resolve.advice import Action, Advice

CHANNEL = "webhook"


def advice_json(advice: Advice) -> bytes:
    """The body posted: the advice exactly as ``followup advise --format json`` gives it, UTF-8."""
    from followup_rules import advice_json as encode

    return encode(advice)


@hookimpl
def followup_advice(advice: Advice, case: Case) -> None:
    """Post the advice when FOLLOWUP_WEBHOOK_URL or the settings file's ``webhook.url`` is set.

    :raises WebhookError: the endpoint refused it or could not be reached (followup-rules reports
        this as a warning; the advice itself is unaffected).
    """
    from followup_rules.delivery.settings import load_settings

    config = WebhookConfig.from_settings(load_settings(None))
    if config is not None:
        from followup_rules.delivery.journal import case_identity

        post(config, advice_json(advice), "advice", {"X-Followup-Case": case_identity(case)})


@hookimpl
def followup_channels() -> Sequence[str]:
    return [CHANNEL]


@hookimpl
def followup_render(action: Action, index: int, case: Case, advice: Advice, channel: str,
                    settings: Mapping[str, Any]) -> Artifact | None:
    """For ``webhook``: the advice JSON, marked with the action it was chosen for."""
    if channel != CHANNEL:
        return None
    from followup_rules.core.artifact import Artifact
    from followup_rules.delivery.journal import case_identity

    return Artifact(channel=CHANNEL, action=action.action, key=f"{case.name}:{action.action}#{index}:{CHANNEL}",
                    to=(), subject=f"advice for {case.name}, action {index} ({action.action})",
                    body=advice_json(advice).decode("utf-8"), media_type="application/json",
                    filename=f"advice-action-{index}.json", meta={"action_index": index, "case": case_identity(case)})


@hookimpl
def followup_deliver(artifact: Artifact, settings: Mapping[str, Any], dry_run: bool) -> Receipt | None:
    """Post a ``webhook`` artifact's body; a dry run posts nothing and says where it would go.

    :raises UserError: no webhook URL is set, or the webhook settings are bad.
    """
    if artifact.channel != CHANNEL:
        return None
    from followup_rules.core.artifact import Receipt
    from followup_rules.core.problems import UserError

    config = WebhookConfig.from_settings(settings)
    if config is None:
        raise UserError("no webhook URL: set FOLLOWUP_WEBHOOK_URL or `webhook: {url: ...}` in the settings")
    body = artifact.body.encode("utf-8")
    signed = "signed" if config.secret else "unsigned (FOLLOWUP_WEBHOOK_SECRET is not set)"
    if dry_run:
        return Receipt(CHANNEL, artifact.key, "dry-run",
                       f"would POST {len(body)} bytes to {where(config.url)}, {signed}")
    headers = {"X-Followup-Case": str(artifact.meta.get("case", "")),
               "X-Followup-Action": str(artifact.meta.get("action_index", ""))}
    try:
        done = post(config, body, "action", headers)
    except WebhookError as exc:
        return Receipt(CHANNEL, artifact.key, "failed", str(exc))
    return Receipt(CHANNEL, artifact.key, "sent",
                   f"POST {where(config.url)} answered {done.status} after {done.attempts} attempt"
                   f"{'s' if done.attempts != 1 else ''} (delivery {done.delivery_id}), {signed}")
