"""The email channel: an action as a standards-compliant message (an .eml file), delivered over SMTP.

Rendering builds the message with `email.message.EmailMessage` (policy SMTP: CRLF lines, encoded
non-ASCII headers, a quoted-printable UTF-8 plain-text body) from the draft that
`followup_rules.drafting.compose` writes. Delivery sends it once: the delivery journal
(`followup_rules.journal`) refuses a key that was sent, may have been sent, or is being sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from followup_rules.core.artifact import Artifact, Receipt
from followup_rules.core.problems import UserError
from followup_rules.delivery.smtp import DeliveryError, check_route, route, send_with_retries, smtp_settings
from followup_rules.plugin.hookspecs import hookimpl

if TYPE_CHECKING:
    from datetime import datetime
    from email.headerregistry import Address

    from followup_rules.core.case import Case
    from followup_rules.delivery.journal import Entry
    from followup_rules.resolve.advice import Action, Advice

CHANNEL = "email"
#: Draft kinds that are not messages to send by email.
NOT_EMAIL = frozenset({"linkedin_note", "call_script"})


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


def note(subject: str, body: str, key: str, settings: Mapping[str, Any], at: "datetime",
         to: str | None = None) -> Artifact:
    """A plain message from the candidate to themself (the agenda digest): to `to`, else the sender.

    :raises UserError: no sender is set, or an address is not one.
    """
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import format_datetime, parseaddr

    text = settings.get("from")
    if not text:
        raise UserError("no sender address for the digest: set `from:` in the settings file or FOLLOWUP_FROM")
    try:
        name, addr = parseaddr(text)
        sender = _address(name, addr or text)
        recipient = sender if to is None else _address(*parseaddr(to))
    except ValueError as exc:
        raise UserError(f"digest: {exc}") from None
    message_id = f"<{key}@{sender.domain}>"
    message = EmailMessage(policy=SMTP)
    message["From"], message["To"], message["Subject"] = sender, recipient, subject
    message["Date"], message["Message-ID"] = format_datetime(at), message_id
    message.set_content(body if body.endswith("\n") else body + "\n", charset="utf-8", cte="quoted-printable")
    return Artifact(channel=CHANNEL, action="digest", key=key, to=(str(recipient),), subject=subject, body=body,
                    media_type="message/rfc822", data=message.as_bytes(), filename=f"{key}.eml",
                    meta={"case": "agenda", "message_id": message_id, "from": str(sender), "kind": "digest",
                          "date": at.isoformat()})


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
    from followup_rules.core.case import Contact

    person = case.person(person_id)
    if person is None:
        raise UserError(f"{case.name}: no interviewer or contact has id {person_id!r}")
    what = "contact" if isinstance(person, Contact) else "interviewer"
    if not person.email:
        raise UserError(f"{case.name}: {person.name} ({person_id}) has no email address; "
                        f"add `email:` to {what} {person_id!r} in the case")
    try:
        return _address(person.name, person.email)
    except ValueError as exc:
        raise UserError(f"{case.name}: {what} {person_id!r}: {exc}") from None


# --- delivery -------------------------------------------------------------------------------------------

def deliver(artifact: Artifact, settings: Mapping[str, Any], dry_run: bool) -> Receipt:
    """Send the artifact's message once, retrying transient failures; or, on a dry run, say what would happen.

    :return: ``sent``; ``duplicate`` when the journal shows it sent or being sent; ``failed`` with
        a one-line reason (the message stays saved beside the journal); ``dry-run``.
    :raises UserError: the SMTP settings cannot work (no host, no password, a password unencrypted).
    """
    import time

    from followup_rules.delivery.journal import RENEW_EVERY, Journal

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
    check_route(smtp)
    claim = journal.claim(case, artifact.key, artifact.data or b"", artifact.filename or f"{artifact.key}.eml")
    if not claim.granted:
        previous = claim.previous
        if previous is None or claim.busy and previous.state not in ("sent", "uncertain"):
            return Receipt(CHANNEL, artifact.key, "duplicate",
                           "another followup process on this machine is sending it now; not sent again")
        status = "failed" if previous.state == "uncertain" else "duplicate"
        return Receipt(CHANNEL, artifact.key, status, f"{_blocked(previous)}; not sent again")
    saved = f"the message is saved at {claim.draft}"
    handed_over = False

    def hand_over(sending: bool) -> None:
        nonlocal handed_over
        if sending:
            journal.record(case, artifact.key, "handed_over")
        handed_over = sending

    renewed = time.monotonic()

    def wait(seconds: float) -> None:
        """Sleep before a retry, renewing the claim so that no other sender takes it over meanwhile."""
        nonlocal renewed
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(left, RENEW_EVERY))
            if time.monotonic() - renewed >= RENEW_EVERY:
                journal.renew(case, artifact.key, f"waiting {seconds:g} s to retry")
                renewed = time.monotonic()

    try:
        reply = send_with_retries(artifact.data or b"", envelope, smtp, hand_over, wait)
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


