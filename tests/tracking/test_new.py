"""`followup new`: a case from answers to questions (wrong ones asked again) or from flags; it advises."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from followup_rules import api
from followup_rules.cli.main import cli, main
from followup_rules.core.case import load_case

ANSWERS = [
    "Alex Rivera", "America/New_York", "US", "Northwind Analytics", "Data Engineer", "tech",
    "2025-13-06 14:00",          # no 13th month: asked again
    "2025-03-06 2pm", "", "virtual", "streaming pipeline migration, on-call rotation", "2025-03-14", "",
    "Pat Lee", "boss",           # not a role: asked again
    "hiring manager", "pat@example.com", "",
    "Jordan Smith", "recruiter", "jordan@example.com", "",
    "Jordan Smith",
]


def test_questions_with_a_wrong_date_and_a_wrong_role_asked_again_make_a_case_that_advises(tmp_path: Path) -> None:
    path = tmp_path / "northwind.yaml"
    result = CliRunner().invoke(cli, ["new", str(path)], input="\n".join(ANSWERS) + "\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "'2025-13-06' is not a date; write it as 2025-03-14; please try again" in result.output
    assert "'boss' is not one of hiring_manager, recruiter_hr, team_member, other; please try again" in result.output
    assert "(e.g. Alex Rivera)" in result.output and "[60]" in result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=file://") and "case.schema.json" in text.splitlines()[0]
    case = load_case(path)
    assert (case.company, case.position, case.industry, case.interview.mode) == (
        "Northwind Analytics", "Data Engineer", "tech", "virtual")
    assert case.interview.start.isoformat() == "2025-03-06T14:00:00-05:00"
    assert case.interview.end.isoformat() == "2025-03-06T15:00:00-05:00"
    assert [(p.id, p.role) for p in case.interview.interviewers] == [("pat", "hiring_manager")]
    assert [(c.id, c.role, c.primary_contact) for c in case.contacts] == [("jordan", "recruiter_hr", True)]
    advice = api.advise(case, "2025-03-06T16:00")
    assert {"send_thank_you", "send_follow_up"} <= {a.action for a in advice.actions}
    assert next(a for a in advice.actions if a.action == "send_thank_you").to == ("pat",)
    assert next(a for a in advice.actions if a.action == "send_follow_up").to == ("jordan",)


FLAGS = ["--no-input", "--name", "Alex Rivera", "--timezone", "new york", "--company", "Northwind Analytics",
         "--position", "Data Engineer", "--interview", "2025-03-06 14:00", "--minutes", "45",
         "--interviewer", "Pat Lee, hiring_manager, pat@example.com", "--interviewer", "Sam Ortiz, team member",
         "--decision-date", "2025-03-14", "--thanked", "2025-03-06 18:30"]


def test_flags_make_the_same_kind_of_case_without_a_question(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    result = CliRunner().invoke(cli, ["new", str(path), *FLAGS], input="", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "?" not in result.output.split("wrote")[0]
    case = load_case(path)
    assert case.timezone_name == "America/New_York" and case.industry == "other"
    assert [p.id for p in case.interview.interviewers] == ["pat", "sam"]
    assert case.interview.end.isoformat() == "2025-03-06T14:45:00-05:00"
    advice = api.advise(case, "2025-03-07T09:00")
    assert "send_follow_up" in {a.action for a in advice.actions}
    # the thank-you was sent: nobody is left to thank
    assert "send_thank_you" not in {a.action for a in advice.actions}


def test_an_existing_file_is_never_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("mine\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["new", str(path), *FLAGS])
    assert exit_.value.code == 2 and "FR080" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "mine\n"


def test_bad_or_missing_flags_are_error_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["new", str(tmp_path / "x.yaml"), "--no-input", "--timezone", "Mars/Olympus", "--interview", "soon",
              "--interviewer", "Pat Lee, boss"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "FR090 --name: needed; give --name" in err
    assert "FR090 --timezone: 'Mars/Olympus' is not a timezone" in err
    assert "FR090 --interview: 'soon' is not a date and time" in err
    assert "FR090 --interviewer: 'boss' is not one of" in err
    assert not (tmp_path / "x.yaml").exists()
