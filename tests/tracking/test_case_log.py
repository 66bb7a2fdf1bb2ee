"""`followup log`: an entry added to a commented case, everything else kept; an interrupted write
leaves the old file whole."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup_rules.cli.main import cli, main
from followup_rules.core.case import load_case

COMMENTED = """\
# My application at Northwind: notes to self
candidate:
  name: Alex Rivera   # that's me
  timezone: America/New_York
application:
  position: Data Engineer     # keys in my own order
  company: Northwind Analytics
interviews:
  - start: 2025-03-06T14:00:00
    end: 2025-03-06T15:00:00
    topics: [streaming pipeline migration]
    interviewers:
      - {id: pat, name: Pat Lee, role: hiring_manager, email: pat@example.com}
contacts:
  - id: jordan
    name: Jordan Smith
    role: recruiter_hr    # scheduled the interview
messages:
  # the thank-you I wrote that evening
  - at: 2025-03-06T18:30:00
    direction: out
    kind: thank_you
    channel: email
    party: pat    # Pat only

# what they promised
employer:
  decision_date: "2025-03-14"   # said at the end
materials:
  - item: code sample
    origin: requested_by_employer
    party: pat
"""


@pytest.fixture
def case(tmp_path: Path) -> Path:
    path = tmp_path / "northwind.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    return path


def log(*args: str) -> str:
    result = CliRunner().invoke(cli, ["log", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def added_lines(before: str, after: str) -> list[str]:
    """The lines of `after` that are not in `before`, checking that every line of `before` is kept in order."""
    old, new = before.splitlines(), after.splitlines()
    added, i = [], 0
    for line in new:
        if i < len(old) and line == old[i]:
            i += 1
        else:
            added.append(line)
    assert i == len(old), f"line {i + 1} of the original is missing or changed: {old[i]!r}"
    return added


def test_a_reply_is_added_and_every_comment_and_key_order_kept(case: Path) -> None:
    out = log(str(case), "received", "reply", "--from", "jordan", "--decision-date", "2025-03-21",
              "--at", "2025-03-10T09:15")
    assert out == (f"recorded in {case}: received reply from jordan by email on 2025-03-10 09:15, "
                   "decision date now 2025-03-21\n")
    after = case.read_text(encoding="utf-8")
    assert added_lines(COMMENTED, after) == [
        "  - at: '2025-03-10T09:15:00-04:00'", "    direction: in", "    kind: reply", "    channel: email",
        "    party: jordan", "    decision_date: '2025-03-21'"]
    # the comment that stood before `employer:` still does
    assert "    decision_date: '2025-03-21'\n\n# what they promised\nemployer:" in after
    loaded = load_case(case)
    assert loaded.messages[-1].party == "jordan" and str(loaded.messages[-1].decision_date) == "2025-03-21"


def test_sent_to_two_people_and_materials_sent(case: Path) -> None:
    log(str(case), "sent", "follow_up", "--to", "pat", "--to", "jordan", "--at", "2025-03-24T10:00")
    log(str(case), "materials", "sent", "--to", "pat", "--at", "2025-03-07T09:00")
    after = case.read_text(encoding="utf-8")
    added = added_lines(COMMENTED, after)
    assert "    sent_at: '2025-03-07T09:00:00-05:00'" in added
    loaded = load_case(case)
    assert [(m.kind, m.party) for m in loaded.messages][-3:] == [
        ("materials", "pat"), ("follow_up", "pat"), ("follow_up", "jordan")]
    assert loaded.materials[0].sent_at is not None


def test_a_case_without_messages_gets_a_block_list(tmp_path: Path) -> None:
    path = tmp_path / "bare.yaml"
    bare = COMMENTED.split("messages:")[0]
    path.write_text(bare, encoding="utf-8")
    log(str(path), "sent", "thank_you", "--to", "pat", "--at", "2025-03-06T18:00")
    assert added_lines(bare, path.read_text(encoding="utf-8"))[:2] == ["messages:", "  - at: '2025-03-06T18:00:00-05:00'"]


@pytest.mark.parametrize("args, message", [
    (("sent", "thank_you", "--to", "pta"), "FR042 no interviewer or contact has id 'pta' (did you mean 'pat'?)"),
    (("sent", "thank_yuo"), "FR013 'thank_yuo' is not something sent (did you mean 'thank_you'?)"),
    (("received", "reply", "--decision-date", "soon"), "--decision-date 'soon': not a date"),
    (("materials", "sent", "--item", "code sampel"), "FR082 no unsent material 'code sampel'"),
])
def test_a_wrong_entry_is_one_error_and_the_file_is_untouched(case: Path, capsys: pytest.CaptureFixture[str],
                                                              args: tuple[str, ...], message: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["log", str(case), *args])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert case.read_text(encoding="utf-8") == COMMENTED


def test_killing_the_process_between_the_temporary_file_and_the_rename_leaves_the_old_file(case: Path) -> None:
    # The process writes the new case to its temporary file, then dies (SIGKILL, nothing runs after)
    # at the moment it would rename it over the case.
    script = textwrap.dedent(f"""
        import os, signal
        from followup_rules.core import files
        files.os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
        from followup_rules.cli.main import main
        main(["log", {str(case)!r}, "sent", "follow_up", "--to", "pat"])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -9, done.stderr
    assert case.read_text(encoding="utf-8") == COMMENTED
    leftovers = [p for p in case.parent.iterdir() if p.name.startswith(f".{case.name}.")]
    assert leftovers and "kind: follow_up" in leftovers[0].read_text(encoding="utf-8"), "it was mid-write"
    load_case(case)


def test_a_process_killed_at_random_while_writing_never_leaves_half_a_case(case: Path) -> None:
    # A slow disk: each write of the temporary file is a byte at a time; the process is killed
    # after a while, wherever it is.
    script = textwrap.dedent(f"""
        import os, time
        from followup_rules.core import files
        real_fdopen = os.fdopen
        class Slow:
            def __init__(self, handle): self.handle = handle
            def __enter__(self): return self
            def __exit__(self, *exc): return self.handle.__exit__(*exc)
            def write(self, data):
                for i in range(len(data)):
                    self.handle.write(data[i:i + 1]); self.handle.flush(); time.sleep(0.002)
            def flush(self): self.handle.flush()
            def fileno(self): return self.handle.fileno()
            def __getattr__(self, name): return getattr(self.handle, name)
        files.os.fdopen = lambda *a, **k: Slow(real_fdopen(*a, **k))
        from followup_rules.cli.main import main
        print("writing", flush=True)
        main(["log", {str(case)!r}, "sent", "follow_up", "--to", "pat"])
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "writing\n"
    import time

    time.sleep(1.5)
    process.kill()
    process.wait(timeout=60)
    assert process.returncode == -9
    assert case.read_text(encoding="utf-8") == COMMENTED
    load_case(case)
    assert os.access(case, os.R_OK)
