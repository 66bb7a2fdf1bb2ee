"""The webhook: where to post, how the body is signed, and the POST with bounded retries (urllib only).

Configuration, environment over settings file (``~/.config/followup-rules/settings.yaml``)::

    webhook:
      url: https://hooks.example.com/followup   # or FOLLOWUP_WEBHOOK_URL
      timeout: 5        # seconds per attempt
      retries: 3        # extra attempts after a 5xx answer or a connection error (0-10)
      backoff: 0.5      # seconds before the first retry, doubled for each next one (at most 30)

The signing secret comes only from FOLLOWUP_WEBHOOK_SECRET, never from a file or a ruleset.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from followup_rules.core.problems import UserError

SIGNATURE_HEADER = "X-Followup-Signature"
ENV_URL = "FOLLOWUP_WEBHOOK_URL"
ENV_SECRET = "FOLLOWUP_WEBHOOK_SECRET"
MAX_BACKOFF = 30.0
#: How much of an answer is read before the connection is closed (answers are not used).
_READ_LIMIT = 65536


class WebhookError(Exception):
    """A POST that did not succeed: a 4xx answer (not retried), or every attempt failed."""


@dataclass(frozen=True)
class WebhookConfig:
    """Where and how to post. `secret` is never shown in a repr."""

    url: str
    secret: str | None = field(default=None, repr=False)
    timeout: float = 5.0
    retries: int = 3
    backoff: float = 0.5

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> WebhookConfig | None:
        """The configuration from ``settings["webhook"]`` and the environment; None when no URL is set.

        :raises UserError: a URL that is not http(s), or a bad timeout, retries or backoff.
        """
        section = settings.get("webhook") or {}
        if not isinstance(section, Mapping):
            raise UserError("settings: `webhook` must be a mapping such as `url:` and `timeout:`")
        url = os.environ.get(ENV_URL) or section.get("url")
        if not url:
            return None
        if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
            shown = where(url) if isinstance(url, str) else repr(url)
            raise UserError(f"webhook url {shown}: only http:// and https:// URLs are posted to")
        return cls(url=url, secret=os.environ.get(ENV_SECRET) or None,
                   timeout=_number(section, "timeout", 5.0, 0.1, 300.0),
                   retries=int(_number(section, "retries", 3, 0, 10, whole=True)),
                   backoff=_number(section, "backoff", 0.5, 0.0, MAX_BACKOFF))


def _number(section: Mapping[str, Any], key: str, default: float, low: float, high: float,
            whole: bool = False) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or whole and not isinstance(value, int) \
            or not low <= value <= high:
        kind = "a whole number" if whole else "a number"
        raise UserError(f"settings: webhook.{key} {value!r}: expected {kind} from {low:g} to {high:g}")
    return float(value)


def where(url: str) -> str:
    """The URL as messages show it: scheme, host and port only, since webhook paths often hold a token."""
    parts = urllib.parse.urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}" + ("/…" if parts.path.strip("/") or parts.query else "")


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of `body` under `secret`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is the signature of `body` under `secret` (for receivers; constant time)."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)


@dataclass(frozen=True)
class Delivery:
    """A successful POST: the status the endpoint answered and how many attempts it took."""

    status: int
    attempts: int
    delivery_id: str


def _opener() -> Any:
    # The HTTP modules load here, on the first POST: every `followup` command loads this plugin.
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        """A redirect is answered as an error: the signed body goes to the configured URL or nowhere."""

        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(_NoRedirect())


def post(config: WebhookConfig, body: bytes, event: str, headers: Mapping[str, str] | None = None,
         sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """POST `body` (JSON) to the endpoint, retrying a 5xx answer, a timeout or a connection error.

    Every attempt carries the same ``X-Followup-Delivery`` id, so a receiver can drop a repeat
    whose first answer was lost. Waits ``backoff * 2**n`` seconds (at most 30) before retry n+1.

    :raises WebhookError: a 4xx answer or a redirect (neither retried), or every attempt failed.
    """
    import http.client
    import urllib.error
    import urllib.request
    import uuid
    from importlib.metadata import PackageNotFoundError, version

    try:
        agent = f"followup-webhook/{version('followup-webhook')}"
    except PackageNotFoundError:
        agent = "followup-webhook"
    delivery_id = str(uuid.uuid4())
    all_headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": agent,
                   "X-Followup-Event": event, "X-Followup-Delivery": delivery_id, **(headers or {})}
    if config.secret:
        all_headers[SIGNATURE_HEADER] = sign(config.secret, body)
    opener = _opener()
    attempts = config.retries + 1
    last = ""
    for attempt in range(attempts):
        request = urllib.request.Request(config.url, data=body, headers=all_headers, method="POST")
        try:
            with opener.open(request, timeout=config.timeout) as response:
                response.read(_READ_LIMIT)
                return Delivery(response.status, attempt + 1, delivery_id)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code < 500:
                why = "redirects are not followed" if 300 <= exc.code < 400 else "not retried"
                raise WebhookError(f"webhook: POST {where(config.url)} answered {exc.code} {exc.reason} ({why})"
                                   ) from None
            last = f"answered {exc.code} {exc.reason}"
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            last = f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
        if attempt + 1 < attempts:
            sleep(min(config.backoff * 2 ** attempt, MAX_BACKOFF))
    plural = "s" if attempts != 1 else ""
    raise WebhookError(f"webhook: POST {where(config.url)} failed after {attempts} attempt{plural}: {last}")
