"""The email channel: an action as a standards-compliant message (an .eml file), delivered over SMTP.

Rendering builds the message with `email.message.EmailMessage` (policy SMTP: CRLF lines, encoded
non-ASCII headers, a quoted-printable UTF-8 plain-text body) from the draft that
`followup_rules.drafting.compose` writes. Delivery sends it once: the delivery journal
(`followup_rules.journal`) refuses a key that was sent, may have been sent, or is being sent.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from followup_rules.core.artifact import Artifact, Receipt
from followup_rules.core.problems import UserError
from followup_rules.plugin.hookspecs import hookimpl

if TYPE_CHECKING:
    from email.headerregistry import Address

    from followup_rules.core.case import Case
    from followup_rules.delivery.journal import Entry
    from followup_rules.resolve.advice import Action, Advice

CHANNEL = "email"
#: Draft kinds that are not messages to send by email.
NOT_EMAIL = frozenset({"linkedin_note", "call_script"})
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@hookimpl
def followup_channels() -> Sequence[str]:
    return [CHANNEL]


@hookimpl
def followup_render(action: "Action", index: int, case: "Case", advice: "Advice", channel: str,
                    settings: Mapping[str, Any]) -> Artifact | None:
    return render(action, index, case, advice, settings) if channel == CHANNEL else None


@hookimpl
def followup_deliver(artifact: Artifact, settings: Mapping[str, Any], dry_run: bool) -> Receipt | None:
    return deliver(artifact, settings, dry_run) if artifact.channel == CHANNEL else None


# --- rendering ------------------------------------------------------------------------------------------

def render(action: "Action", index: int, case: "Case", advice: "Advice", settings: Mapping[str, Any]) -> Artifact:
    """The action as an email: headers from the case and settings, text from the drafting templates.

    The key is the action key and the recipients' ids (``send_thank_you-rhernandez``): the
    journal's unit of "sent once". The Message-ID depends only on the case identity, that key and
    the sender's domain, so every rendering of the same message has the same Message-ID.

    :raises UserError: the action is not an email, a recipient has no address, or no sender is set.
    """
    import re
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import format_datetime

    from followup_rules.delivery.journal import action_key, case_identity
    from followup_rules.drafting.compose import compose

    label = f"action {index} ({action.action})"
    if action.channel not in (None, CHANNEL):
        raise UserError(f"{label} goes by {action.channel}, not email")
    if not action.to:
        raise UserError(f"{label} has nobody to write to, so there is no email to send")
    sender = _sender(settings, case)
    draft = compose(action, index, case, advice)
    if draft.kind in NOT_EMAIL:
        raise UserError(f"{label} is a {draft.kind.replace('_', ' ')}, not an email")
    recipients = [_recipient(case, person) for person in draft.to]
    key = f"{action_key(action)}-{'+'.join(draft.to)}"
    case_id = case_identity(case)
    message_id = f"<{re.sub(r'[.]{2,}', '.', f'{key}.{case_id}')}@{sender.domain}>"
    message = EmailMessage(policy=SMTP)
    try:
        message["From"] = sender
        message["To"] = recipients
        message["Subject"] = draft.subject
        message["Date"] = format_datetime(advice.at)
        message["Message-ID"] = message_id
        body = draft.body if draft.body.endswith("\n") else draft.body + "\n"
        message.set_content(body, charset="utf-8", cte="quoted-printable")
        data = message.as_bytes()
    except ValueError as exc:  # a line break or control character in a name or the subject
        raise UserError(f"{label}: cannot write the email: {exc}") from None
    return Artifact(channel=CHANNEL, action=action.action, key=key, to=tuple(str(r) for r in recipients),
                    subject=draft.subject, body=draft.body, media_type="message/rfc822", data=data,
                    filename=f"{key}.eml",
                    meta={"case": case_id, "message_id": message_id, "from": str(sender), "kind": draft.kind,
                          "template": draft.template, "recipients": list(draft.to), "date": advice.at.isoformat()})


def _address(name: str, addr: str) -> "Address":
    from email.errors import HeaderParseError
    from email.headerregistry import Address

    if any(ord(c) < 32 for c in name + addr):
        raise ValueError(f"{name or addr!r} contains a line break or another control character")
    try:
        address = Address(display_name=name, addr_spec=addr.strip())
    except (HeaderParseError, ValueError, IndexError) as exc:
        raise ValueError(f"{addr!r} is not an email address ({exc})") from None
    if not address.domain or not address.username:
        raise ValueError(f"{addr!r} is not an email address")
    return address


def _sender(settings: Mapping[str, Any], case: "Case") -> "Address":
    from email.utils import parseaddr

    text = settings.get("from")
    if not text:
        raise UserError("no sender address for the email: set `from:` in the settings file or FOLLOWUP_FROM "
                        f"(e.g. '{case.candidate_name} <you@example.com>')")
    name, addr = parseaddr(text)
    try:
        return _address(name or case.candidate_name, addr or text)
    except ValueError as exc:
        raise UserError(f"sender (`from:` or FOLLOWUP_FROM): {exc}") from None


def _recipient(case: "Case", person_id: str) -> "Address":
    person = case.person(person_id)
    if person is None:
        raise UserError(f"{case.name}: no interviewer has id {person_id!r}")
    if not person.email:
        raise UserError(f"{case.name}: {person.name} ({person_id}) has no email address; "
                        f"add `email:` to interviewer {person_id!r} in the case")
    try:
        return _address(person.name, person.email)
    except ValueError as exc:
        raise UserError(f"{case.name}: interviewer {person_id!r}: {exc}") from None


# --- delivery -------------------------------------------------------------------------------------------

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


def deliver(artifact: Artifact, settings: Mapping[str, Any], dry_run: bool) -> Receipt:
    """Send the artifact's message once, retrying transient failures; or, on a dry run, say what would happen.

    :return: ``sent``; ``duplicate`` when the journal shows it sent or being sent; ``failed`` with
        a one-line reason (the message stays saved beside the journal); ``dry-run``.
    :raises UserError: the SMTP settings cannot work (no host, no password, a password unencrypted).
    """
    from followup_rules.delivery.journal import Journal

    smtp = smtp_settings(settings)
    envelope = _envelope(artifact)
    journal = Journal.from_settings(settings)
    case = str(artifact.meta.get("case", ""))
    where = route(smtp)
    what = (f"“{artifact.subject}” ({envelope['message_id']}) from {envelope['from_header']} "
            f"to {', '.join(artifact.to)}")
    if dry_run:
        previous = journal.last(case, artifact.key)
        detail = f"would send {what} via {where}"
        if previous is not None and previous.state in ("sent", "uncertain"):
            detail += f"; but {_blocked(previous)}, so --send would send nothing"
        return Receipt(CHANNEL, artifact.key, "dry-run", detail)
    _check_route(smtp)
    claim = journal.claim(case, artifact.key, artifact.data or b"", artifact.filename or f"{artifact.key}.eml")
    if not claim.granted:
        assert claim.previous is not None
        status = "failed" if claim.previous.state == "uncertain" else "duplicate"
        return Receipt(CHANNEL, artifact.key, status, f"{_blocked(claim.previous)}; not sent again")
    saved = f"the message is saved at {claim.draft}"
    handed_over = False

    def hand_over(sending: bool) -> None:
        nonlocal handed_over
        if sending:
            journal.record(case, artifact.key, "handed_over")
        handed_over = sending

    try:
        reply = _send_with_retries(artifact.data or b"", envelope, smtp, hand_over)
    except DeliveryError as exc:
        if exc.kind == "uncertain":
            journal.record(case, artifact.key, "uncertain", str(exc))
            return Receipt(CHANNEL, artifact.key, "failed",
                           f"{exc}; it may have arrived, so it will not be sent again; {saved}")
        journal.record(case, artifact.key, "failed", str(exc))
        return Receipt(CHANNEL, artifact.key, "failed", f"{exc}; nothing was sent; {saved}")
    except BaseException as exc:  # Ctrl-C or a bug: the journal must not stay "pending"
        journal.record(case, artifact.key, "uncertain" if handed_over else "failed",
                       f"interrupted: {type(exc).__name__}")
        raise
    journal.record(case, artifact.key, "sent", reply, envelope["message_id"])
    return Receipt(CHANNEL, artifact.key, "sent", f"sent {what} via {where}: {reply}")


def _blocked(entry: "Entry") -> str:
    when = f"{entry.at:%Y-%m-%d %H:%M} UTC"
    if entry.state == "sent":
        return f"already sent on {when} ({entry.message_id})"
    if entry.state == "uncertain":
        return (f"an attempt on {when} may have delivered it ({entry.detail}); check the recipient's answer "
                f"or your mail server's log, and send {entry.draft} yourself if it did not arrive")
    return f"another followup process (pid {entry.pid} on {entry.host}) has been sending it since {when}"


def _envelope(artifact: Artifact) -> dict[str, Any]:
    """Sender, recipients and Message-ID, read from the message itself so the .eml is what is sent."""
    from email import message_from_bytes
    from email.policy import SMTP

    if not artifact.data:
        raise UserError(f"email {artifact.key!r} has no message to send")
    message = message_from_bytes(artifact.data, policy=SMTP)
    if message["From"] is None or message["To"] is None or message["Message-ID"] is None:
        raise UserError(f"email {artifact.key!r} lacks a From, To or Message-ID header")
    sender = message["From"].addresses[0].addr_spec
    recipients = [a.addr_spec for a in message["To"].addresses]
    return {"from": sender, "from_header": str(message["From"]), "to": recipients,
            "message_id": str(message["Message-ID"])}


def _check_route(smtp: Mapping[str, Any]) -> None:
    if not smtp["host"]:
        raise UserError("no SMTP server to send with: set `smtp.host` in the settings file or FOLLOWUP_SMTP_HOST")
    if smtp["user"] and smtp["password"] is None:
        raise UserError(f"SMTP login {smtp['user']!r} has no password: set FOLLOWUP_SMTP_PASSWORD")
    if smtp["user"] and smtp["security"] == "none" and smtp["host"] not in LOOPBACK:
        raise UserError(f"refusing to send the SMTP password to {smtp['host']} unencrypted: "
                        "use security starttls or tls")


def _send_with_retries(data: bytes, envelope: Mapping[str, Any], smtp: Mapping[str, Any],
                       hand_over: Callable[[bool], None]) -> str:
    """Send, retrying a transient failure ``retries`` times after ``backoff``, 2×, 4×… seconds."""
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
            time.sleep(float(smtp["backoff"]) * 2 ** attempt)
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
