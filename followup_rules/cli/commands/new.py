"""`followup new`: start a case by answering questions (or with flags, for scripts), never writing YAML."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import click

if TYPE_CHECKING:
    from followup_rules.tracking.questionnaire import Question

_FLAGS = {"name": "--name", "timezone": "--timezone", "country": "--country", "company": "--company",
          "position": "--position", "industry": "--industry", "interview": "--interview", "minutes": "--minutes",
          "mode": "--mode", "topics": "--topics", "decision_date": "--decision-date", "thanked": "--thanked"}


@click.command("new")
@click.argument("case_file", metavar="[FILE]", required=False, type=click.Path(dir_okay=False))
@click.option("--name", help="Your name.")
@click.option("--timezone", help="Your timezone: an IANA name or a city (America/New_York, Berlin).")
@click.option("--country", help="Your country's two-letter code, for public holidays.")
@click.option("--company", help="The company.")
@click.option("--position", help="The role you applied for.")
@click.option("--industry", help="tech, finance, creative, healthcare or other.")
@click.option("--interview", metavar="'DATE TIME'", help="When the interview started, local: '2025-03-06 14:00'.")
@click.option("--minutes", help="How long it lasted (default 60).")
@click.option("--mode", help="in_person, virtual or phone.")
@click.option("--topics", help="Topics discussed, separated by commas.")
@click.option("--decision-date", "decision_date", metavar="DATE", help="When they said they would decide.")
@click.option("--thanked", metavar="'DATE TIME'", help="When you sent your thank-you, if you did.")
@click.option("--interviewer", "interviewers", multiple=True, metavar="'NAME, ROLE, EMAIL'",
              help="Someone who interviewed you (repeatable); role and email may be left out.")
@click.option("--contact", "contacts", multiple=True, metavar="'NAME, ROLE, EMAIL'",
              help="Someone else at the company, e.g. the recruiter who scheduled it (repeatable).")
@click.option("--primary", default=None, metavar="NAME",
              help="Who follow-ups go to (a name or id; default: the rules decide, usually the hiring manager).")
@click.option("--no-input", "no_input", is_flag=True,
              help="Ask nothing: take defaults for what the flags leave out (an error for what has none).")
def command(case_file: str | None, interviewers: tuple[str, ...], contacts: tuple[str, ...], primary: str | None,
            no_input: bool, **given: str | None) -> None:
    """Create a case file (FILE, default: named after the company) by answering questions.

    Each question shows an example and a default (press Enter to take it); a wrong answer is
    asked again. Every answer can be given as a flag instead, and with --no-input nothing is asked.
    An existing file is never overwritten.
    """
    from followup_rules.core.problems import Problem, UserError
    from followup_rules.tracking.new_case import case_data, case_text, write_case
    from followup_rules.tracking.questionnaire import PERSON, QUESTIONS, read_person

    answers: dict[str, Any] = {}
    problems = []
    for question in QUESTIONS:
        flag = _FLAGS[question.key]
        text = given.get(question.key)
        try:
            if text is not None:
                answers[question.key] = question.read(text)
            elif no_input:
                answers[question.key] = _default(question, flag)
            else:
                answers[question.key] = _ask(question)
        except ValueError as exc:
            problems.append(Problem("", 0, 0, "FR090", f"{flag}: {exc}", f"e.g. {flag} '{question.example}'"))
    people: dict[str, list[dict[str, Any]]] = {"interviewers": [], "contacts": []}
    for label, lines in (("interviewers", interviewers), ("contacts", contacts)):
        for line in lines:
            try:
                people[label].append(read_person(line))
            except ValueError as exc:
                problems.append(Problem("", 0, 0, "FR090", f"--{label[:-1]}: {exc}"))
    if problems:
        raise UserError(problems)
    if not no_input:
        if not interviewers:
            people["interviewers"] = _ask_people("Who interviewed you? One person at a time; an empty name "
                                                 "when done.", PERSON, at_least=1)
        if not contacts and not interviewers:
            people["contacts"] = _ask_people("Anyone else at the company you deal with, such as a recruiter who "
                                             "scheduled the interview? An empty name when done.", PERSON)
        if primary is None and people["contacts"]:
            names = [p["name"] for p in people["interviewers"] + people["contacts"]]
            primary = _ask_text(f"Who should follow-ups go to ({', '.join(names)}; empty: let the rules decide)",
                                lambda text: text.strip() or None)
    path = case_file or _file_name(answers["company"])
    text = case_text(case_data(answers, people["interviewers"], people["contacts"], primary))
    case = write_case(path, text)
    click.echo(f"wrote {path}: {case.company}, {case.position}, interviewed {case.interview.start:%Y-%m-%d %H:%M}")
    click.echo(f"next: followup advise {path}")


def _default(question: "Question", flag: str) -> Any:
    default = question.default()
    if not default and question.required:
        raise ValueError(f"needed; give {flag}")
    return question.read(default)


def _ask(question: "Question") -> Any:
    default = question.default()
    label = f"{question.ask} (e.g. {question.example})"
    return _ask_text(label, question.read, default)


def _ask_text(label: str, read: Callable[[str], Any], default: str = "") -> Any:
    """Ask until `read` accepts the answer; its complaint is shown before asking again."""
    while True:
        text = click.prompt(label, default=default, show_default=bool(default))
        try:
            return read(text)
        except ValueError as exc:
            click.echo(f"  {exc}; please try again", err=True)


def _ask_people(intro: str, fields: tuple["Question", ...], at_least: int = 0) -> list[dict[str, Any]]:
    click.echo(intro)
    people: list[dict[str, Any]] = []
    while True:
        name_field = fields[0]
        name = click.prompt(f"  {name_field.ask} (e.g. {name_field.example})", default="", show_default=False)
        if not name.strip():
            if len(people) >= at_least:
                return people
            click.echo("  at least one person is needed", err=True)
            continue
        person: dict[str, Any] = {"name": " ".join(name.split())}
        for field in fields[1:]:
            person[field.key] = _ask_text(f"  {field.ask} (e.g. {field.example})", field.read, field.default())
        people.append(person)


def _file_name(company: str) -> str:
    import re

    return (re.sub(r"[^a-z0-9]+", "-", company.lower()).strip("-") or "case") + ".yaml"
