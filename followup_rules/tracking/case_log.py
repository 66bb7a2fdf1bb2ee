"""The case file as a log: what happened since the interview, added to the file the user wrote.

An entry (a message sent or received, materials sent) is added with ruamel.yaml's round-trip mode,
which keeps the user's comments, key order, quoting and indentation; only the new lines differ.
The case is checked before (it must be a valid case) and after (the result must be one too), and
written through `core.files.write_atomically`, so an interrupted write leaves the old file whole.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping, Sequence

from followup_rules.core.case import Case, case_from_text, load_case
from followup_rules.core.files import write_atomically
from followup_rules.core.problems import Problem, UserError, did_you_mean
from followup_rules.core.vocabulary import CHANNELS, IN_KINDS, OUT_KINDS


@dataclass(frozen=True)
class Entry:
    """One thing that happened: a message out or in, or materials sent (``direction`` "materials")."""

    direction: str
    kind: str
    at: datetime
    party: str | None = None
    channel: str = "email"
    body: str | None = None
    decision_date: date | None = None
    items: tuple[str, ...] = field(default=())

    def says(self) -> str:
        """The entry for people: "sent thank_you to pat by email on 2025-03-06 18:30"."""
        when = f"{self.at:%Y-%m-%d %H:%M}"
        if self.direction == "materials":
            return f"sent {', '.join(self.items)}" + (f" to {self.party}" if self.party else "") + f" on {when}"
        verb, word = ("sent", "to") if self.direction == "out" else ("received", "from")
        who = f" {word} {self.party}" if self.party else ""
        new_date = f", decision date now {self.decision_date}" if self.decision_date else ""
        return f"{verb} {self.kind}{who} by {self.channel} on {when}{new_date}"


def check_entry(entry: Entry, case: Case) -> None:
    """A UserError naming what in `entry` does not fit `case` (its kinds, its people, its materials)."""
    problems = []
    kinds = {"out": OUT_KINDS, "in": IN_KINDS}.get(entry.direction)
    if kinds is not None and entry.kind not in kinds:
        problems.append(_problem(case, "FR013", f"{entry.kind!r} is not something {_verb(entry)}",
                                 did_you_mean(entry.kind, kinds) or "one of " + ", ".join(kinds)))
    if entry.channel not in CHANNELS:
        problems.append(_problem(case, "FR013", f"{entry.channel!r} is not a channel",
                                 did_you_mean(entry.channel, CHANNELS) or "one of " + ", ".join(CHANNELS)))
    if entry.party is not None and case.person(entry.party) is None:
        ids = [p.id for i in case.interviews for p in i.interviewers] + [c.id for c in case.contacts]
        problems.append(_problem(case, "FR042", f"no interviewer or contact has id {entry.party!r}",
                                 did_you_mean(entry.party, ids) or "known ids: " + ", ".join(dict.fromkeys(ids))))
    if entry.direction == "materials":
        pending = [m.item for m in case.materials if m.sent_at is None]
        unknown = [item for item in entry.items if item not in pending]
        if not pending and not entry.items:
            problems.append(_problem(case, "FR082", "no materials are owed: the case lists none unsent",
                                     "add them under `materials:` first"))
        for item in unknown:
            problems.append(_problem(case, "FR082", f"no unsent material {item!r}",
                                     did_you_mean(item, pending) or "unsent: " + (", ".join(pending) or "none")))
    if problems:
        raise UserError(problems)


def _verb(entry: Entry) -> str:
    return "sent" if entry.direction == "out" else "received"


def _problem(case: Case, code: str, message: str, hint: str) -> Problem:
    return Problem(case.name, 1, 1, code, message, hint)


def record(path: str | os.PathLike[str], entries: Sequence[Entry]) -> Case:
    """Add `entries` to the case file at `path`, keeping everything else as written; the new case."""
    case = load_case(path)
    for entry in entries:
        check_entry(entry, case)
    text = Path(path).read_text(encoding="utf-8")
    yaml, data = _round_trip(text)
    for entry in entries:
        _add(data, entry)
    out = io.StringIO()
    yaml.dump(data, out)
    updated = out.getvalue()
    # The result must be a case as valid as the one read: a wrong entry never reaches the disk.
    new_case = case_from_text(updated, str(path))
    write_atomically(path, updated.encode("utf-8"))
    return new_case


def _round_trip(text: str) -> tuple[Any, Any]:
    """A round-trip YAML set to the file's own indentation and line width, and the loaded file."""
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    _, sequence, offset = load_yaml_guess_indent(text)
    nested = [len(m.group(1)) for m in re.finditer(r"^( +)[^\s#-]", text, re.M)]
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap the user's long lines
    yaml.indent(mapping=min(nested, default=2), sequence=sequence or 2, offset=offset or 0)
    return yaml, yaml.load(text)


def _add(data: Any, entry: Entry) -> None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if entry.direction == "materials":
        for material in data.get("materials") or []:
            if material.get("sent_at") is None and (not entry.items or material["item"] in entry.items):
                material["sent_at"] = _moment(entry.at)
        if entry.party is None:
            return
        entry = Entry("out", "materials", entry.at, entry.party, entry.channel, entry.body)
    message = CommentedMap(_message(entry))
    messages = data.get("messages")
    if messages is None:
        messages = data["messages"] = CommentedSeq()
    elif not messages:
        messages = data["messages"] = CommentedSeq()  # `messages: []` becomes a block list
    _take_trailing_comment(messages, message)
    messages.append(message)


def _message(entry: Entry) -> Mapping[str, Any]:
    from ruamel.yaml.scalarstring import LiteralScalarString

    message: dict[str, Any] = {"at": _moment(entry.at), "direction": entry.direction, "kind": entry.kind,
                               "channel": entry.channel}
    if entry.party is not None:
        message["party"] = entry.party
    if entry.body:
        body = entry.body if entry.body.endswith("\n") else entry.body + "\n"
        message["body"] = LiteralScalarString(body) if "\n" in body.rstrip("\n") else body.rstrip("\n")
    if entry.decision_date is not None:
        message["decision_date"] = entry.decision_date.isoformat()
    return message


def _moment(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def _take_trailing_comment(messages: Any, message: Any) -> None:
    """Move the comment lines after the last message (ruamel keeps them on its last key) under the
    new message, so they stay in front of whatever followed the list."""
    if not messages or not hasattr(messages[-1], "ca") or not messages[-1]:
        return
    last = messages[-1]
    key = list(last)[-1]
    slot = last.ca.items.get(key)
    if not slot or len(slot) < 3 or slot[2] is None or "\n" not in slot[2].value.rstrip("\n"):
        return
    token = slot[2]
    first, _, rest = token.value.partition("\n")
    token.value = first + "\n"
    # The comment is written right after the new message's last value: a plain value still needs its
    # line ended, a literal block ends its own.
    last_value = message[list(message)[-1]]
    ended = isinstance(last_value, str) and "\n" in last_value
    moved = type(token)(rest if ended else "\n" + rest, token.start_mark, None)
    message.ca.items[list(message)[-1]] = [None, None, moved, None]
