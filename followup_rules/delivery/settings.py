"""User settings: the sender, the SMTP server and the delivery journal, from a YAML file and the environment.

Settings never come from a ruleset. The file is ``--settings FILE`` or, when absent,
``$XDG_CONFIG_HOME/followup-rules/settings.yaml`` (default ``~/.config/...``) if it exists::

    from: Maya Goldberg <maya@example.com>
    journal: ~/mail/followup-journal.sqlite3
    smtp:
      host: smtp.example.com
      port: 587
      security: starttls      # starttls | tls | none
      user: maya@example.com
      # password: better in FOLLOWUP_SMTP_PASSWORD

Environment variables override the file: FOLLOWUP_FROM, FOLLOWUP_JOURNAL, FOLLOWUP_SMTP_HOST,
FOLLOWUP_SMTP_PORT, FOLLOWUP_SMTP_USER, FOLLOWUP_SMTP_PASSWORD, FOLLOWUP_SMTP_SECURITY,
FOLLOWUP_SMTP_TIMEOUT. Other top-level keys are kept as they are, for plugins.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, Callable

from followup_rules.core._yaml import Document, load_file
from followup_rules.core.problems import Problem, UserError, did_you_mean

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
SMTP_DEFAULTS: dict[str, Any] = {"host": None, "port": None, "security": "starttls", "user": None, "password": None,
                                 "timeout": 30.0, "retries": 3, "backoff": 1.0, "cafile": None}
ENV = {"FOLLOWUP_SMTP_HOST": "host", "FOLLOWUP_SMTP_PORT": "port", "FOLLOWUP_SMTP_USER": "user",
       "FOLLOWUP_SMTP_PASSWORD": "password", "FOLLOWUP_SMTP_SECURITY": "security",
       "FOLLOWUP_SMTP_TIMEOUT": "timeout"}


class Secret:
    """A password that never shows itself in a repr, a log line or an error message."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The password itself, for the one place that needs it (the SMTP login)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


def config_path() -> Path:
    """Where the settings file is looked for when no ``--settings`` is given."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "followup-rules" / "settings.yaml"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _port(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and 0 < value < 65536 else None


def _number(minimum: float, maximum: float) -> Callable[[Any], float | None]:
    def check(value: Any) -> float | None:
        if isinstance(value, bool):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if minimum <= number <= maximum else None  # NaN fails both
    return check


def _count(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10 else None


def _security(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip().lower() in SECURITY else None


#: Each SMTP setting: how to check and convert it, and what a valid value looks like.
SMTP_KEYS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "host": (_text, "a host name such as 'smtp.example.com'"),
    "port": (_port, "a port number from 1 to 65535"),
    "security": (_security, "one of " + ", ".join(SECURITY)),
    "user": (_text, "the login name"),
    "password": (_text, "the password (better: set FOLLOWUP_SMTP_PASSWORD)"),
    "timeout": (_number(0.1, 600.0), "seconds, from 0.1 to 600"),
    "retries": (_count, "a whole number from 0 to 10"),
    "backoff": (_number(0.0, 600.0), "seconds before the first retry, up to 600 (doubled for each next one)"),
    "cafile": (_text, "a PEM file of certificate authorities to trust"),
}


def load_settings(path: str | None) -> dict[str, Any]:
    """The user's settings: ``path`` (or the default file when it exists), then the environment.

    :return: ``{"from": str | None, "journal": str | None, "smtp": {host, port, security, user,
        password (a `Secret`), timeout, retries, backoff, cafile}, **other top-level keys}``.
        ``smtp.port`` is filled from ``security`` when not given.
    :raises UserError: a missing or unreadable ``path``, a bad value (with its line and column),
        or a password in a file that others can read.
    """
    file = Path(path).expanduser() if path else config_path()
    data: dict[str, Any] = {}
    if path or file.is_file():
        data = _read(file)
    smtp = {**SMTP_DEFAULTS, **(data.get("smtp") or {})}
    for variable, key in ENV.items():
        value = os.environ.get(variable)
        if value:
            smtp[key] = _from_env(variable, key, value)
    for variable, key in (("FOLLOWUP_FROM", "from"), ("FOLLOWUP_JOURNAL", "journal")):
        if os.environ.get(variable):
            data[key] = os.environ[variable]
    if isinstance(smtp["password"], str):
        smtp["password"] = Secret(smtp["password"])
    if smtp["port"] is None:
        smtp["port"] = DEFAULT_PORTS[smtp["security"]]
    return {**data, "from": data.get("from"), "journal": data.get("journal"), "smtp": smtp}


def _from_env(variable: str, key: str, value: str) -> Any:
    convert, expected = SMTP_KEYS[key]
    converted = convert(value)
    if converted is None:
        shown = "(hidden)" if key == "password" else repr(value)
        raise UserError([Problem(variable, 1, 1, "FR060", f"bad value {shown}: expected {expected}")])
    return converted


def _read(file: Path) -> dict[str, Any]:
    try:
        doc = load_file(file)
    except UserError as exc:
        if [p.code for p in exc.problems] == ["FR004"]:
            return {}  # an empty settings file is a valid "no settings"
        raise
    if not isinstance(doc.data, dict):
        raise UserError([doc.problem((), "FR060", "settings must be a mapping such as `smtp:` and `from:`")])
    problems = _check(doc)
    if problems:
        raise UserError(problems)
    data = dict(doc.data)
    smtp = data.get("smtp") or {}
    data["smtp"] = {key: SMTP_KEYS[key][0](value) for key, value in smtp.items() if value is not None}
    if smtp.get("password") is not None and _readable_by_others(file):
        raise UserError([doc.problem(("smtp", "password"), "FR061",
                                     "the settings file holds a password but others may read it",
                                     f"run `chmod 600 {file}`, or move the password to FOLLOWUP_SMTP_PASSWORD")])
    return data


def _check(doc: Document) -> list[Problem]:
    data = doc.data
    problems = []
    for key in ("from", "journal"):
        if key in data and _text(data[key]) is None:
            problems.append(doc.problem((key,), "FR060", f"`{key}` must be a non-empty text"))
    smtp = data.get("smtp")
    if smtp is None:
        return problems
    if not isinstance(smtp, dict):
        return problems + [doc.problem(("smtp",), "FR060", "`smtp` must be a mapping such as `host:` and `port:`")]
    for key, value in smtp.items():
        if key not in SMTP_KEYS:
            problems.append(doc.problem(("smtp", key), "FR060", f"unknown SMTP setting {key!r}",
                                        did_you_mean(key, SMTP_KEYS) or "known: " + ", ".join(SMTP_KEYS),
                                        on_key=True))
            continue
        convert, expected = SMTP_KEYS[key]
        if value is not None and convert(value) is None:
            shown = "(hidden)" if key == "password" else repr(value)
            problems.append(doc.problem(("smtp", key), "FR060", f"bad `smtp.{key}` {shown}: expected {expected}"))
    return problems


def _readable_by_others(file: Path) -> bool:
    try:
        return bool(file.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))
    except OSError:
        return False
