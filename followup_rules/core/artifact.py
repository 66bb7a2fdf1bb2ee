"""What channels produce and deliver: artifacts (drafts, events, notes) and delivery receipts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Artifact:
    """An action rendered for one channel: a message draft, a calendar file, a call script."""

    channel: str
    action: str
    key: str
    to: tuple[str, ...]
    subject: str
    body: str
    media_type: str = "text/plain"
    data: bytes | None = None
    filename: str | None = None
    notes: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "action": self.action, "key": self.key, "to": list(self.to),
                "subject": self.subject, "body": self.body, "media_type": self.media_type,
                "filename": self.filename, "notes": list(self.notes), "meta": self.meta}


@dataclass(frozen=True)
class Receipt:
    """The outcome of a delivery (or of a dry run)."""

    channel: str
    key: str
    status: str  # "sent" | "dry-run" | "duplicate" | "failed"
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "key": self.key, "status": self.status, "detail": self.detail}
