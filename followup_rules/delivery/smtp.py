"""Sending one message over SMTP: settings with their defaults, retries of transient failures, and
telling a failure before the message was handed over from one after (when it may have arrived)."""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping

from followup_rules.core.problems import UserError

#: Hosts to which a password may go unencrypted (a test server on this machine).
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class DeliveryError(Exception):
    """An SMTP attempt that failed: ``transient`` (retry), ``permanent`` (do not) or ``uncertain``
    (the connection broke after the message was handed over: it may have arrived)."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(text)
        self.kind = kind


def smtp_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The SMTP settings with their defaults, whoever built ``settings``."""
    from followup_rules.delivery.settings import DEFAULT_PORTS, SMTP_DEFAULTS, Secret

    smtp = {**SMTP_DEFAULTS, **{k: v for k, v in (settings.get("smtp") or {}).items() if v is not None}}
    smtp["port"] = smtp["port"] or DEFAULT_PORTS.get(smtp["security"], 587)
    if isinstance(smtp["password"], str):
        smtp["password"] = Secret(smtp["password"])
    return smtp


def route(smtp: Mapping[str, Any]) -> str:
    """Where a message goes, in words: host, port, encryption and login (never the password)."""
    if not smtp["host"]:
        return "no SMTP server yet (set `smtp.host` in the settings or FOLLOWUP_SMTP_HOST)"
    security = {"starttls": "STARTTLS", "tls": "TLS", "none": "no encryption"}[smtp["security"]]
    login = f", login {smtp['user']}" if smtp["user"] else ""
    return f"{smtp['host']}:{smtp['port']} ({security}{login})"


def check_route(smtp: Mapping[str, Any]) -> None:
    if not smtp["host"]:
        raise UserError("no SMTP server to send with: set `smtp.host` in the settings file or FOLLOWUP_SMTP_HOST")
    if smtp["user"] and smtp["password"] is None:
        raise UserError(f"SMTP login {smtp['user']!r} has no password: set FOLLOWUP_SMTP_PASSWORD")
    if smtp["user"] and smtp["security"] == "none" and smtp["host"] not in LOOPBACK:
        raise UserError(f"refusing to send the SMTP password to {smtp['host']} unencrypted: "
                        "use security starttls or tls")


def send_with_retries(data: bytes, envelope: Mapping[str, Any], smtp: Mapping[str, Any],
                       hand_over: Callable[[bool], None], wait: Callable[[float], None] = time.sleep) -> str:
    """Send, retrying a transient failure ``retries`` times after ``backoff``, 2×, 4×… seconds
    (spent in `wait`, which may do more than sleep: renew the sender's claim)."""
    retries = int(smtp["retries"])
    for attempt in range(retries + 1):
        try:
            return _transfer(data, envelope, smtp, hand_over)
        except DeliveryError as exc:
            if exc.kind != "transient":
                raise
            if attempt == retries:
                tries = f" (tried {retries + 1} times)" if retries else ""
                raise DeliveryError("permanent", f"{exc}{tries}") from None
            wait(float(smtp["backoff"]) * 2 ** attempt)
    raise AssertionError("unreachable: the loop returns or raises")


def _transfer(data: bytes, envelope: Mapping[str, Any], smtp: Mapping[str, Any],
              hand_over: Callable[[bool], None]) -> str:
    """One SMTP session; returns the server's acceptance reply or raises `DeliveryError`.

    ``hand_over(True)`` is called just before the message text goes out, ``hand_over(False)`` once
    the server has answered it: in between, a broken connection leaves the outcome unknown.
    """
    import re
    import smtplib
    import socket
    import ssl

    host, port, security = smtp["host"], int(smtp["port"]), smtp["security"]
    server = f"{host}:{port}"
    stage = "connect"
    sent = False
    client: smtplib.SMTP | None = None

    def expect(reply: tuple[int, bytes], *good: int) -> None:
        code, text = reply
        if code not in good:
            raise smtplib.SMTPResponseException(code, text)

    try:
        context = ssl.create_default_context(cafile=smtp["cafile"]) if security != "none" else None
        if security == "tls":
            client = smtplib.SMTP_SSL(host, port, timeout=float(smtp["timeout"]), context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=float(smtp["timeout"]))
        stage = "EHLO"
        client.ehlo_or_helo_if_needed()
        if security == "starttls":
            stage = "STARTTLS"
            client.starttls(context=context)
            client.ehlo()
        if smtp["user"]:
            stage = "login"
            client.login(smtp["user"], smtp["password"].reveal())
        stage = "MAIL FROM"
        expect(client.mail(envelope["from"]), 250)
        stage = "RCPT TO"
        for recipient in envelope["to"]:
            expect(client.rcpt(recipient), 250, 251)
        stage = "DATA"
        expect(client.docmd("DATA"), 354)
        hand_over(True)
        stage = "the end of the message"
        sent = True
        # The message is already CRLF-terminated (policy SMTP); lines starting with "." are doubled.
        client.send(re.sub(rb"(?m)^\.", b"..", data) + b".\r\n")
        code, text = client.getreply()
        sent = False
        hand_over(False)
        expect((code, text), 250)
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            pass  # the message is accepted; a rude goodbye changes nothing
        return f"{code} {text.decode('utf-8', 'replace')}".strip()
    except smtplib.SMTPResponseException as exc:
        answer = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        answer = " ".join(answer.split())
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            raise DeliveryError("permanent", f"{server} refused the login: {exc.smtp_code} {answer}") from None
        kind = "transient" if 400 <= exc.smtp_code < 500 else "permanent"
        raise DeliveryError(kind, f"{server} answered {exc.smtp_code} {answer} at {stage}") from None
    except (smtplib.SMTPServerDisconnected, ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
            ssl.SSLEOFError, TimeoutError) as exc:
        # smtplib reports a read timeout as a disconnection; the cause tells them apart.
        if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
            kind = "uncertain" if sent else "permanent"
            raise DeliveryError(kind, f"{server} did not answer within {smtp['timeout']:g} s at {stage}") from None
        kind = "uncertain" if sent else "transient"
        raise DeliveryError(kind, f"{server} dropped the connection at {stage}") from None
    except ConnectionRefusedError:
        raise DeliveryError("permanent",
                            f"connection refused by {server} (is an SMTP server listening there?)") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError("permanent", f"{server} does not support {stage}: {str(exc).rstrip('.')}") from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError("permanent", f"{server}: its certificate is not trusted ({exc.verify_message})") from None
    except ssl.SSLError as exc:
        raise DeliveryError("permanent", f"{server}: TLS failed at {stage} ({exc.reason or exc})") from None
    except socket.gaierror as exc:
        raise DeliveryError("permanent", f"cannot find SMTP host {host!r}: {exc.strerror}") from None
    except (smtplib.SMTPException, OSError) as exc:
        kind = "uncertain" if sent else "permanent"
        raise DeliveryError(kind, f"{server}: {exc.strerror or exc} at {stage}") from None
    finally:
        if client is not None:
            client.close()
