"""A followup-rules plugin that posts the advice JSON to an HTTP endpoint (see `followup_webhook.plugin`)."""

from .webhook import SIGNATURE_HEADER, WebhookConfig, WebhookError, post, sign, verify

__all__ = ["SIGNATURE_HEADER", "WebhookConfig", "WebhookError", "post", "sign", "verify"]
