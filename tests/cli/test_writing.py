"""Every command that writes a file: it never replaces a file it did not create (unless --force),
never one it reads, writes atomically, keeps a replaced file's mode, and reports a missing folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from followup_rules.cli.main import main
from followup_rules.core import files
from followup_rules.core.files import write_atomically
from followup_rules.core.problems import UserError

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "examples" / "just-after-interview.yaml"
AT = "2025-03-06T16:00:00-05:00"
DENTIST = (b"BEGIN:VEVENT\r\nUID:dentist-2025@example.com\r\nDTSTAMP:20250301T090000Z\r\n"
           b"DTSTART:20250310T090000Z\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\n")
PERSONAL = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Someone//Their calendar//EN\r\n" + DENTIST
            + b"END:VCALENDAR\r\n")


@pytest.fixture(autouse=True)
def _sender(monkeypatch: pytest.MonkeyPatch) -> None:
    """Action 1 of the example is a thank-you email, which needs the candidate's address."""
    monkeypatch.setenv("FOLLOWUP_FROM", "Maya Goldberg <maya@example.com>")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        main(list(args))
    except SystemExit as stop:
        code = int(stop.code or 0)
    else:
        code = 0
    return code, capsys.readouterr().err


def draft(out: Path, *extra: str) -> tuple[str, ...]:
    return ("draft", str(CASE), "--at", AT, "--action", "1", "--out", str(out), *extra)


def export(out: Path, *extra: str) -> tuple[str, ...]:
    return ("export", str(CASE), "--at", AT, "--ics", str(out), *extra)


def lock(out: Path, *extra: str) -> tuple[str, ...]:
    return ("rulesets", "lock", "--ruleset", "levo-5-things", "-o", str(out), *extra)


def new(out: Path, *extra: str) -> tuple[str, ...]:
    return ("rulesets", "new", "mine", "-o", str(out), *extra)


WRITERS = {"draft --out": draft, "export --ics": export, "rulesets lock -o": lock, "rulesets new -o": new}


@pytest.mark.parametrize("command", WRITERS)
def test_an_existing_file_is_not_replaced_without_force(command: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"my own notes\n")
    code, err = run(capsys, *WRITERS[command](notes))
    assert code == 2 and "FR080" in err and "nothing was overwritten" in err and len(err.splitlines()) == 1
    assert notes.read_bytes() == b"my own notes\n"
    code, err = run(capsys, *WRITERS[command](notes, "--force"))
    assert code == 0, err
    assert notes.read_bytes() != b"my own notes\n"


@pytest.mark.parametrize("command", WRITERS)
def test_a_missing_folder_is_a_located_error(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, *WRITERS[command](tmp_path / "no-such-folder" / "out"))
    assert code == 2 and "FR081" in err and "no folder" in err and "Traceback" not in err


def test_draft_never_writes_over_the_case_even_through_a_hard_link_or_with_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "case.yaml"
    case.write_bytes(CASE.read_bytes())
    link = tmp_path / "link.eml"
    os.link(case, link)
    for target in (case, link):
        code, err = run(capsys, "draft", str(case), "--at", AT, "--action", "1", "--out", str(target), "--force")
        assert code == 2 and "which this command reads" in err
    assert case.read_bytes() == CASE.read_bytes()


def test_several_messages_are_all_checked_before_any_is_written(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    panel = ROOT / "examples" / "panel-multiple-interviewers.yaml"
    args = ("draft", str(panel), "--at", "2025-03-06T18:00", "--action", "1", "--out", str(tmp_path / "note.txt"))
    assert run(capsys, *args)[0] == 0
    written = sorted(tmp_path.iterdir())
    assert len(written) > 1
    written[-1].write_bytes(b"changed by hand\n")
    others = {p: p.read_bytes() for p in written[:-1]}
    for path in others:
        path.unlink()
    code, err = run(capsys, *args)
    assert code == 2 and "FR080" in err
    assert sorted(tmp_path.iterdir()) == [written[-1]], "nothing is written when one name is refused"


def test_export_replaces_its_own_calendar_keeping_its_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.ics"
    assert run(capsys, *export(plan))[0] == 0
    assert plan.stat().st_mode & 0o777 == 0o666 & ~_umask()
    plan.chmod(0o640)
    before = plan.read_bytes()
    assert run(capsys, "export", str(CASE), "--at", "2025-03-07T10:00:00-05:00", "--ics", str(plan))[0] == 0
    assert plan.read_bytes() != before and plan.stat().st_mode & 0o777 == 0o640


def test_export_never_replaces_a_calendar_with_someone_elses_events(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    personal = tmp_path / "personal.ics"
    personal.write_bytes(PERSONAL)
    code, err = run(capsys, *export(personal))
    assert code == 2 and "FR080" in err
    assert personal.read_bytes() == PERSONAL
    mixed = tmp_path / "mixed.ics"
    assert run(capsys, *export(mixed))[0] == 0
    mixed.write_bytes(mixed.read_bytes().replace(b"END:VCALENDAR", DENTIST + b"END:VCALENDAR"))
    kept = mixed.read_bytes()
    code, err = run(capsys, *export(mixed))
    assert code == 2 and mixed.read_bytes() == kept


def test_lock_replaces_its_own_lock_file_but_not_the_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    profile = tmp_path / "followup.yaml"
    profile.write_text("rulesets: [levo-5-things@^1]\n", encoding="utf-8")
    assert run(capsys, "rulesets", "lock")[0] == 0
    assert run(capsys, "rulesets", "lock")[0] == 0, "an earlier lock file is its own output"
    code, err = run(capsys, "rulesets", "lock", "-o", str(profile), "--force")
    assert code == 2 and "which this command reads" in err
    assert profile.read_text(encoding="utf-8") == "rulesets: [levo-5-things@^1]\n"


def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "plan.ics"
    target.write_bytes(b"the old calendar\n")

    def broken(fd: int) -> None:
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C half way

    monkeypatch.setattr(files.os, "fsync", broken)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, b"the new calendar, half written")
    assert target.read_bytes() == b"the old calendar\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.ics"], "no temporary file is left behind"


def test_a_write_the_system_refuses_is_a_located_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"kept\n")

    def refused(source: str, destination: Path) -> None:
        raise PermissionError(13, "Permission denied")  # as on a read-only folder, whoever runs the tests

    monkeypatch.setattr(files.os, "replace", refused)
    with pytest.raises(UserError, match="FR081 cannot write .*out.txt: Permission denied"):
        write_atomically(target, b"x")
    assert target.read_bytes() == b"kept\n" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
