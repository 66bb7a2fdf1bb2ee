"""Deterministic generation of realistic cases (as case-format mappings) and moments to evaluate them at."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

# (timezone, country, subdivision): a country of None means no public holidays.
REGIONS = (
    ("America/New_York", "US", "NY"),
    ("America/Chicago", "US", "IL"),
    ("America/Los_Angeles", "US", "CA"),
    ("Europe/London", "GB", None),
    ("Europe/Berlin", "DE", "BE"),
    ("Asia/Tokyo", None, None),
    ("Australia/Sydney", "AU", "NSW"),
)
ROLES = ("hiring_manager", "recruiter_hr", "team_member", "other")
TOPICS = ("streaming pipeline migration", "on-call rotation", "quarterly risk reporting",
          "vendor scorecards", "patient intake workflow", "brand refresh", "REDCap validation rules",
          "warehouse automation", "design system tokens", "audit preparation")
THANKS_CHANNELS = ("email", "email", "email", "note_hand_delivered", "note_mailed", "linkedin")

GOOD_BODY = ("Dear {name},\n\nThank you for taking the time to discuss the {position} role on {day}. "
             "I enjoyed our conversation about {topic} and remain very interested.\n\n"
             "Please let me know if I can provide anything else.\n\nKind regards,\nAlex")
BAD_BODY = ("Dear [Interviewer's Name],\n\nHey!!! 😊 I still haven't heard anything back, which is "
            "frustrating. I need an answer ASAP!!! I have other companies interested in me and I "
            "can't wait forever.\n\nWhy is this taking so long? Please respond immediately. 🙏\n\n"
            "When I join the team I will fix {topic} on day one.\n\nMy divorce has been hard, "
            "honestly.\n\nCheers,\nAlex")
REJECTION_BODY = ("Dear {name},\n\nThis process was a waste of my time and frankly unprofessional. "
                  "Your loss.\n\nAlex")
SHORT_BODY = "Hi {name}, just checking in on the {position} role. Any news? Thanks, Alex"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _people(rng: random.Random, count: int) -> list[dict[str, Any]]:
    people = []
    primary = rng.randrange(count) if rng.random() < 0.6 else None
    lead = rng.randrange(count) if count > 1 and rng.random() < 0.5 else None
    for i in range(count):
        person: dict[str, Any] = {"id": f"p{i}", "name": f"Person {i}", "role": rng.choice(ROLES)}
        if rng.random() < 0.8:
            person["email"] = f"p{i}@example.com"
        if i == primary:
            person["primary_contact"] = True
        if i == lead:
            person["lead"] = True
        if rng.random() < 0.5:
            person["preferred_channel"] = rng.choice(("email", "phone", "linkedin", "none"))
        for flag, chance in (("known_well", 0.1), ("rapport", 0.4), ("linkedin_connected", 0.3)):
            if rng.random() < chance:
                person[flag] = True
        people.append(person)
    return people


def _messages(rng: random.Random, start: datetime, end: datetime, ids: list[str],
              decided: datetime | None) -> list[dict[str, Any]]:
    msgs: list[dict[str, Any]] = []

    def add(at: datetime, direction: str, kind: str, channel: str, party: str | None, **extra: Any) -> None:
        message: dict[str, Any] = {"at": _stamp(at), "direction": direction, "kind": kind, "channel": channel}
        if party is not None:
            message["party"] = party
        message.update(extra)
        msgs.append(message)

    if rng.random() < 0.75:
        thanked = rng.sample(ids, rng.randint(1, len(ids)))
        same = rng.random() < 0.3
        for j, person in enumerate(thanked):
            hours = rng.choice((0.5, 2, 3, 6, 20, 30, 50, 80)) + j * 0.05
            body = "Thank you for the conversation today." if same else f"Thank you, {person}, for today."
            add(end + timedelta(hours=hours), "out", "thank_you", rng.choice(THANKS_CHANNELS), person,
                body=body)
        if rng.random() < 0.05:
            add(end + timedelta(hours=1), "out", "thank_you", "email", None)
    if rng.random() < 0.3:
        add(end + timedelta(hours=rng.randint(1, 96)), "out", "linkedin_request", "linkedin", rng.choice(ids))
    day = 0.0
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        day += rng.choice((2, 4, 6, 8, 10, 14))
        channel = rng.choice(("email", "email", "email", "phone_call", "voicemail", "linkedin"))
        add(end + timedelta(days=day, hours=rng.randint(0, 8)), "out", "follow_up", channel,
            rng.choice(ids) if rng.random() < 0.9 else None)
        if rng.random() < 0.35:
            kind = rng.choice(("reply", "timeline_update", "materials_request", "voicemail", "other"))
            extra: dict[str, Any] = {}
            if kind in ("reply", "timeline_update") and rng.random() < 0.5:
                base = decided or end
                extra["decision_date"] = (base + timedelta(days=rng.randint(3, 14))).date().isoformat()
            channel = "voicemail" if kind == "voicemail" else rng.choice(("email", "phone_call", "email"))
            add(end + timedelta(days=day + rng.choice((0.5, 1, 2))), "in", kind, channel,
                rng.choice(ids), **extra)
    if rng.random() < 0.12:
        when = end + timedelta(days=rng.randint(1, 25))
        add(when, "in", "rejection", "email", rng.choice(ids))
        if rng.random() < 0.5:
            add(when + timedelta(hours=rng.randint(2, 72)), "out", "rejection_response", "email", rng.choice(ids))
        if rng.random() < 0.3:
            add(when + timedelta(days=2), "out", "feedback_request", "email", rng.choice(ids))
    if rng.random() < 0.03:
        add(end + timedelta(days=rng.randint(5, 30)), "in", "offer", "phone_call", rng.choice(ids))
    if rng.random() < 0.1:
        add(end + timedelta(days=rng.randint(1, 10)), "out", "competing_offer_notice", "email", rng.choice(ids))
    if rng.random() < 0.05:
        add(start - timedelta(days=1), "out", "other", "email", rng.choice(ids))
    return msgs


def generate(rng: random.Random, index: int) -> tuple[dict[str, Any], datetime]:
    """One case mapping and a naive local moment to evaluate it at."""
    zone, country, subdivision = rng.choice(REGIONS)
    candidate: dict[str, Any] = {"name": f"Candidate {index}", "timezone": zone}
    if country:
        candidate["country"] = country
        if subdivision:
            candidate["subdivision"] = subdivision
    if rng.random() < 0.1:
        candidate["job_search_active"] = False
    application: dict[str, Any] = {"company": f"Company {index % 97}", "position": "Analyst"}
    if rng.random() < 0.85:
        application["industry"] = rng.choice(("tech", "finance", "creative", "healthcare", "other"))
    if rng.random() < 0.7:
        application["culture"] = rng.choice(("formal_corporate", "startup", "unknown"))
    if rng.random() < 0.08:
        application["internal"] = True
    if rng.random() < 0.1:
        application["personal_touch"] = True

    first_day = datetime(2024, 1, 1) + timedelta(days=rng.randrange(730))
    start = first_day.replace(hour=rng.randint(8, 17), minute=rng.choice((0, 15, 30, 45)))
    end = start + timedelta(minutes=rng.choice((30, 45, 60, 90, 120, 180)))
    count = rng.choice((1, 1, 1, 2, 2, 3, 4, 5))
    people = _people(rng, count)
    interview: dict[str, Any] = {"start": _stamp(start), "end": _stamp(end), "interviewers": people,
                                 "mode": rng.choice(("in_person", "virtual", "phone"))}
    if rng.random() < 0.5:
        interview["format"] = "one_on_one" if count == 1 else rng.choice(("multiple", "group"))
    if interview["mode"] == "virtual" and rng.random() < 0.2:
        interview["technical_issues"] = True
    if rng.random() < 0.8:
        interview["self_assessment"] = rng.choice(("went_well", "neutral", "poor", "unknown"))
    interview["topics"] = rng.sample(TOPICS, rng.randint(0, 3))
    interviews = [interview]
    if rng.random() < 0.15:
        earlier = start - timedelta(days=rng.randint(5, 20))
        interviews.insert(0, {"start": _stamp(earlier), "end": _stamp(earlier + timedelta(hours=1)),
                              "interviewers": [people[0]], "mode": "phone"})

    ids = [p["id"] for p in people]
    employer: dict[str, Any] = {}
    decided = None
    if rng.random() < 0.6:
        decided = end + timedelta(days=rng.randint(3, 21))
        employer["decision_date"] = decided.date().isoformat()
    if rng.random() < 0.2:
        instructions: dict[str, Any] = {}
        if rng.random() < 0.6:
            instructions["no_contact_before"] = (end + timedelta(days=rng.randint(3, 15))).date().isoformat()
        if rng.random() < 0.5:
            instructions["contact"] = rng.choice(ids)
        if rng.random() < 0.4:
            instructions["channel"] = rng.choice(("email", "phone_call", "linkedin"))
        if rng.random() < 0.3:
            instructions["materials"] = ["two references"]
        employer["instructions"] = instructions
    data: dict[str, Any] = {"candidate": candidate, "application": application, "interviews": interviews}
    if employer:
        data["employer"] = employer
    data["messages"] = _messages(rng, start, end, ids, decided)
    if rng.random() < 0.25:
        data["materials"] = [{
            "item": "code sample", "origin": rng.choice(("requested_by_employer", "mentioned_by_candidate")),
            "requested_at": _stamp(end),
            "sent_at": _stamp(end + timedelta(days=rng.randint(1, 6))) if rng.random() < 0.5 else None,
            "party": rng.choice(ids)}]
    if rng.random() < 0.1:
        data["competing_offer"] = {"status": rng.choice(("verbal", "written")), "company": "Contoso",
                                   "received_at": _stamp(end + timedelta(days=rng.randint(1, 15)))}
    if rng.random() < 0.3:
        body = rng.choice((GOOD_BODY, BAD_BODY, SHORT_BODY, REJECTION_BODY)).format(
            name=people[0]["name"], position="Analyst", day=end.strftime("%A"),
            topic=(interview["topics"] or ["the role"])[0])
        draft: dict[str, Any] = {"kind": rng.choice(("follow_up", "thank_you", "follow_up", "other")),
                                 "channel": rng.choice(("email", "email", "note_mailed", "linkedin", "phone_call")),
                                 "body": body}
        if rng.random() < 0.5:
            draft["to"] = rng.sample(ids, rng.randint(1, len(ids)))
        if rng.random() < 0.5:
            draft["at"] = _stamp(end + timedelta(days=rng.randint(0, 20), hours=rng.randint(-6, 12)))
        data["draft"] = draft
    offset = rng.choice((-0.5, 0.5, 1, 3, 12, 26, 50, 100, 200, 340, 500, 720, 1000))
    return data, end + timedelta(hours=offset + rng.random())


def generate_all(count: int, seed: int) -> list[tuple[dict[str, Any], datetime]]:
    """`count` cases from one seed: the same seed gives the same cases."""
    rng = random.Random(seed)
    return [generate(rng, i) for i in range(count)]


def as_json_data(value: Any) -> Any:
    """A mapping with date and datetime objects as ISO text, as a JSON file holds it."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_json_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json_data(v) for v in value]
    return value


def write_lines(path: str, count: int, seed: int) -> int:
    """`count` cases as JSON Lines for `followup batch` (each with an `id` and its `at`); bytes written."""
    import json

    size = 0
    with open(path, "w", encoding="utf-8") as out:
        for i, (data, at) in enumerate(generate_all(count, seed)):
            line = json.dumps({"id": f"case-{i:07d}", "at": at.isoformat(), **as_json_data(data)}, ensure_ascii=False)
            size += out.write(line + "\n")
    return size
