"""A new case file from the answers of `followup new`: valid YAML the user can read and edit."""

from __future__ import annotations

import io
import os
from datetime import date, datetime, timedelta
from typing import Any, Mapping, Sequence

from followup_rules.core._resources import shipped_dir
from followup_rules.core.case import Case, case_from_text
from followup_rules.core.files import refuse_existing, write_atomically
from followup_rules.core.problems import UserError
from followup_rules.tracking.questionnaire import person_id


def case_data(answers: Mapping[str, Any], interviewers: Sequence[Mapping[str, Any]],
              contacts: Sequence[Mapping[str, Any]] = (), primary: str | None = None) -> dict[str, Any]:
    """The case as a mapping: people get ids from their names; `primary` (a name or an id) is the
    person follow-ups go to. Times are local to the candidate's timezone."""
    if not interviewers:
        raise UserError("a case needs at least one interviewer (--interviewer \"Pat Lee, hiring_manager\")")
    taken: list[str] = []
    people = []
    for person in [*interviewers, *contacts]:
        pid = person_id(person["name"], taken)
        taken.append(pid)
        people.append({"id": pid, **{k: v for k, v in person.items() if v is not None}})
    if primary is not None:
        wanted = primary.strip().lower()
        match = [p for p in people if wanted in (p["id"], p["name"].lower())]
        if not match:
            raise UserError(f"--primary {primary!r}: no interviewer or contact of that name or id "
                            f"(known: {', '.join(p['name'] for p in people)})")
        match[0]["primary_contact"] = True
    start: datetime = answers["interview"]
    interview: dict[str, Any] = {"start": _local(start),
                                 "end": _local(start + timedelta(minutes=answers.get("minutes") or 60)),
                                 "mode": answers.get("mode") or "in_person"}
    if answers.get("topics"):
        interview["topics"] = list(answers["topics"])
    interview["interviewers"] = people[:len(interviewers)]
    candidate = {"name": answers["name"], "timezone": answers["timezone"]}
    if answers.get("country"):
        candidate["country"] = answers["country"]
    data: dict[str, Any] = {
        "candidate": candidate,
        "application": {"company": answers["company"], "position": answers["position"],
                        "industry": answers.get("industry") or "other"},
        "interviews": [interview],
    }
    if people[len(interviewers):]:
        data["contacts"] = people[len(interviewers):]
    decision: date | None = answers.get("decision_date")
    if decision is not None:
        data["employer"] = {"decision_date": decision.isoformat()}
    thanked: datetime | None = answers.get("thanked")
    if thanked is not None:
        data["messages"] = [{"at": _local(thanked), "direction": "out", "kind": "thank_you", "channel": "email"}]
    return data


def _local(moment: datetime) -> str:
    return moment.replace(second=0, microsecond=0).isoformat(timespec="minutes")


def case_text(data: Mapping[str, Any]) -> str:
    """The case as YAML, with the schema named for editors and a word on how times are read."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(dict(data), out)
    schema = (shipped_dir("schemas") / "case.schema.json").as_uri()
    header = (f"# yaml-language-server: $schema={schema}\n"
              f"# Made by `followup new`. Times without an offset are local to {data['candidate']['timezone']}.\n"
              "# Record what happens next with `followup log`; see docs/case-format.md for every field.\n")
    return header + out.getvalue()


def write_case(path: str | os.PathLike[str], text: str) -> Case:
    """Write a new case file, never over an existing one; the text must be a valid case."""
    refuse_existing(path, "followup new")
    case = case_from_text(text, str(path))
    write_atomically(path, text.encode("utf-8"))
    return case
