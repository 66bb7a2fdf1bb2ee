"""Bad input end to end: exit code 2, one `error: file:line:column: FRnnn` line on stderr, fast, no traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

#: Each input must be rejected well within this; it bounds hangs (alias expansion, huge files), not speed.
TIME_LIMIT_SECONDS = 2.0
#: The acceptance format of the one line on stderr.
ERROR_LINE = re.compile(r"^error: .+:\d+:\d+: FR\d{3} ")
#: A problem line wherever it is printed, with or without the `error: ` prefix.
PROBLEM_LINE = re.compile(
    r"^(?:error: )?(?P<file>.+):(?P<line>\d+):(?P<column>\d+): (?P<code>FR\d{3}) (?P<message>.+)$")
AT = "2025-03-07T10:00:00"

CASE = """\
candidate:
  name: Ana Example
  timezone: America/New_York
application:
  company: Acme Analytics
  position: Data Engineer
interviews:
  - start: 2025-03-06T14:00:00
    end: 2025-03-06T15:00:00
    interviewers:
      - id: rhernandez
        name: Rosa Hernandez
employer:
  decision_date: 2025-03-14
"""

RULESET = """\
id: probe-rules
version: 1.0.0
title: Probe rules
rules:
  - id: thank-soon
    kind: do
    strength: should
    topic: thank-you-timing
    says: Thank them soon.
    quote: "Thank them soon."
    when:
      all:
        - {fact: interview.ended, op: eq, value: true}
        - {fact: thank_you.sent, op: eq, value: false}
    then:
      action: send_thank_you
      to: all_interviewers
      window: {anchor: interview_end, unit: days, opens: 0, target: 0, closes: 1}
"""

INTERVIEWS_BLOCK = CASE[CASE.index("interviews:"):CASE.index("employer:")]


def edit(text: str, old: str, new: str) -> str:
    """`text` with its one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def locate(text: str, needle: str) -> tuple[int, int]:
    """The 1-based line and column where the one occurrence of `needle` starts in `text`."""
    assert text.count(needle) == 1, f"{needle!r} must occur exactly once"
    before = text[:text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def advise(name: str) -> list[str]:
    return ["advise", name, "--at", AT]


def validate(name: str) -> list[str]:
    return ["rulesets", "validate", name]


def write_big_case(path: Path) -> None:
    """A 50 MiB case: a valid head, then a huge block scalar."""
    line = "  " + "x" * 97 + "\n"
    with path.open("w", encoding="utf-8") as out:
        out.write(CASE + "notes: |\n")
        for _ in range(50 * 1024 * 1024 // len(line) // 1024 + 1):
            out.write(line * 1024)


def alias_bomb() -> str:
    """Billion laughs: nine levels of nine aliases, 9**9 strings once expanded."""
    names = "abcdefghi"
    lines = ["a: &a [" + ", ".join(['"lol"'] * 9) + "]"]
    lines += [f"{n}: &{n} [" + ", ".join([f"*{p}"] * 9) + "]" for p, n in pairwise(names)]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Bad:
    """One malformed input: how to write it, how to run it, and what the one error line must say."""

    id: str
    file: str
    content: str | Callable[[Path], None]
    command: Callable[[str], list[str]]
    codes: tuple[str, ...]
    #: Acceptable (line, column) positions; empty when any position in the file will do.
    where: tuple[tuple[int, int], ...] = ()
    #: Text the message (or its hint) must contain.
    mentions: tuple[str, ...] = ()
    #: When the command has more than the bad file to read.
    seconds: float = TIME_LIMIT_SECONDS

    def write(self, folder: Path) -> Path:
        path = folder / self.file
        if callable(self.content):
            self.content(path)
        else:
            path.write_text(self.content, encoding="utf-8")
        return path


SYNTAX = edit(CASE, "name: Ana Example", "name: Ana: Example")
WRONG_TYPE = edit(CASE, INTERVIEWS_BLOCK, 'interviews: "yes"\n')
UNKNOWN_KEY = edit(CASE, "  position: Data Engineer\n", "  position: Data Engineer\n  posiiton: Lead\n")
UNKNOWN_FACT = edit(RULESET, "fact: thank_you.sent", "fact: thank_you.snet")
UNKNOWN_OP = edit(RULESET, "op: eq, value: false", "op: equals, value: false")
UNKNOWN_ACTION = edit(RULESET, "action: send_thank_you", "action: send_thankyou")
BAD_DATE = edit(CASE, "decision_date: 2025-03-14", "decision_date: 2025-02-30")
BAD_START = edit(CASE, "start: 2025-03-06T14:00:00", 'start: "yesterday"')
NO_TIMEZONE = edit(CASE, "  timezone: America/New_York\n", "")
BOMB = alias_bomb()

MERGE_SCALAR = edit(CASE, "  name: Ana Example\n", "  <<: 1\n  name: Ana Example\n")
TAGGED_KEY = "!!python/name:os.system x: 1\n" + CASE
YEAR_ONE = edit(edit(CASE, "start: 2025-03-06T14:00:00", "start: 0001-01-01T00:00:00"),
                "timezone: America/New_York", "timezone: Pacific/Kiritimati")
YEAR_9999 = edit(edit(CASE, "end: 2025-03-06T15:00:00", "end: 9999-12-31T23:30:00"),
                 "timezone: America/New_York", "timezone: Etc/GMT+12")
SUBDIVISION = edit(CASE, "  timezone: America/New_York\n", "  timezone: America/New_York\n  subdivision: CA\n")
LONG_ZONE = edit(CASE, "timezone: America/New_York", "timezone: " + "A" * 256)
NUL_BYTE = edit(CASE, "company: Acme Analytics", "company: Acme\x00Analytics")
CONTROL = edit(CASE, "company: Acme Analytics", "company: Acme\x07Analytics")
ESCAPED_NUL = edit(CASE, "company: Acme Analytics", 'company: "Acme\\0Analytics"')
REDOS = edit(RULESET, "        - {fact: thank_you.sent, op: eq, value: false}\n",
             "        - {fact: thank_you.sent, op: eq, value: false}\n"
             '        - {fact: draft.body, op: matches, value: "^(a+)+$"}\n')
APPLIES_WHEN = RULESET + "applies_when:\n  all:\n" + "".join(
    f"    - {{fact: application.industry, op: in, value: [tech, finance, creative, healthcare, other]}}  # {i}\n"
    for i in range(5))
# Found by the long fuzz run (explain failed an assertion in the merge on it).
EMPTY_WINDOW = edit(RULESET, "unit: days, opens: 0, target: 0, closes: 1", "unit: hours, opens: 2, target: 2, closes: 2")
FAR_WINDOW = edit(RULESET, "opens: 0, target: 0, closes: 1", "opens: 0, target: 0, closes: 1000000000")
BAD_RANGE = edit(RULESET, "title: Probe rules\n", "title: Probe rules\nextends: levo-5-things@^banana\n")
BAD_OVERRIDE = edit(RULESET, "title: Probe rules\n", "title: Probe rules\nextends: levo-5-things@^1\n"
                    "overrides:\n  no-such-rule: {reason: a coach's view}\n")
MANY_RULES = RULESET + "".join(f"  - {{id: r{i}, kind: do, strength: may, topic: tone, says: x, quote: x, "
                               f"then: {{action: continue_job_search}}}}\n" for i in range(600))
PROFILE_PARAM = "params:\n  how-often: {thank_you_counts_as_folow_up: false}\n"
PROFILE_RULESET = "rulesets: [levo-5-things@^1, no-such-rules@^1]\n"
# Found by the fuzz suite: a key with a line break split the error into a second, unlocated line.
PROFILE_BROKEN_KEY = 'params:\n  how-often: {"thank_you\\ncounts": null}\n'
ESCAPING_SOURCE = edit(RULESET, "title: Probe rules\n", "title: Probe rules\nsource: {file: ../../etc/passwd, "
                       "title: t, publisher: p}\n")


def many_interviewers(path: Path) -> None:
    people = "".join(f"      - {{id: p{i}, name: Person {i}, email: p{i}@example.com}}\n" for i in range(10_000))
    path.write_text(edit(CASE, "      - id: rhernandez\n        name: Rosa Hernandez\n", people), encoding="utf-8")


def many_contacts(path: Path) -> None:
    people = "".join(f"  - {{id: c{i}, name: Contact {i}, role: recruiter_hr}}\n" for i in range(60))
    path.write_text(CASE + "contacts:\n" + people, encoding="utf-8")


def many_messages(path: Path) -> None:
    messages = "".join("  - {at: 2025-03-06T17:00:00, direction: in, kind: other, channel: email, "
                       "party: rhernandez, body: hello}\n" for _ in range(15_000))
    path.write_text(CASE + "messages:\n" + messages, encoding="utf-8")


def extends_chain(path: Path) -> None:
    """Twelve hundred rulesets, each extending the one before (the probe extends the last)."""
    path.parent.mkdir()
    for i in range(1200):
        parent = f"extends: chain-{i - 1}\n" if i else ""
        (path.parent / f"chain-{i}.yaml").write_text(
            edit(RULESET, "id: probe-rules\nversion: 1.0.0\n", f"id: chain-{i}\nversion: 1.0.0\n{parent}")
            .replace("id: thank-soon", f"id: thank-soon-{i}"), encoding="utf-8")
    path.write_text(edit(RULESET, "title: Probe rules\n", "title: Probe rules\nextends: chain-1199\n"),
                    encoding="utf-8")


def with_rules(name: str) -> list[str]:
    """Advise the case beside `name` with the probe ruleset `name`."""
    return ["advise", str(Path(name).with_name("case.yaml")), "--at", AT, "--rules-path", name,
            "--ruleset", "probe-rules"]


def with_chain(name: str) -> list[str]:
    """Advise the case beside the folder of `name` with the probe ruleset and the others of its folder."""
    folder = Path(name).parent
    return ["advise", str(folder.with_name("case.yaml")), "--at", AT, "--rules-path", str(folder),
            "--ruleset", "probe-rules"]


def with_sources(name: str) -> list[str]:
    return ["rulesets", "validate", name, "--sources", str(Path(name).parent)]


def with_profile(name: str) -> list[str]:
    return ["advise", str(Path(name).with_name("case.yaml")), "--at", AT, "--profile", name]


BAD_INPUTS = [
    Bad("yaml-syntax", "case.yaml", SYNTAX, advise, ("FR003",), (locate(SYNTAX, ": Example"),)),
    Bad("wrong-type", "case.yaml", WRONG_TYPE, advise, ("FR011",), (locate(WRONG_TYPE, '"yes"'),),
        ("interviews",)),
    Bad("unknown-key", "case.yaml", UNKNOWN_KEY, advise, ("FR010",), (locate(UNKNOWN_KEY, "posiiton"),),
        ("posiiton", "did you mean 'position'")),
    Bad("unknown-fact", "rules.yaml", UNKNOWN_FACT, validate, ("FR020",), (locate(UNKNOWN_FACT, "thank_you.snet"),),
        ("thank_you.snet", "did you mean 'thank_you.sent'")),
    Bad("unknown-operator", "rules.yaml", UNKNOWN_OP, validate, ("FR021",), (locate(UNKNOWN_OP, "equals"),),
        ("equals",)),
    Bad("unknown-action", "rules.yaml", UNKNOWN_ACTION, validate, ("FR023",),
        (locate(UNKNOWN_ACTION, "send_thankyou"),), ("send_thankyou", "did you mean 'send_thank_you'")),
    Bad("bad-date", "case.yaml", BAD_DATE, advise, ("FR040",), (locate(BAD_DATE, "2025-02-30"),), ("2025-02-30",)),
    Bad("bad-start", "case.yaml", BAD_START, advise, ("FR011", "FR040"), (locate(BAD_START, '"yesterday"'),),
        ("yesterday",)),
    # The candidate mapping is missing the key: its `candidate:` key or its first entry are both fair places.
    Bad("missing-timezone", "case.yaml", NO_TIMEZONE, advise, ("FR012",),
        (locate(NO_TIMEZONE, "candidate:"), locate(NO_TIMEZONE, "name: Ana")), ("timezone",)),
    Bad("empty-file", "case.yaml", "", advise, ("FR004",), ((1, 1),)),
    Bad("50-mb-file", "case.yaml", write_big_case, advise, ("FR002",), ((1, 1),)),
    Bad("alias-bomb", "case.yaml", BOMB, advise, ("FR005",)),
    # The inputs a fuzzing campaign found (issue 12): each one located, fast, and no traceback.
    Bad("merge-key-with-a-scalar", "case.yaml", MERGE_SCALAR, advise, ("FR003",), (locate(MERGE_SCALAR, "1\n"),)),
    Bad("tagged-key", "case.yaml", TAGGED_KEY, advise, ("FR003",), ((1, 1),), ("python/name",)),
    Bad("year-1-at-a-timezone-edge", "case.yaml", YEAR_ONE, advise, ("FR040",),
        (locate(YEAR_ONE, "0001-01-01T00:00:00"),), ("supported calendar",)),
    Bad("year-9999-at-a-timezone-edge", "case.yaml", YEAR_9999, advise, ("FR040",),
        (locate(YEAR_9999, "9999-12-31T23:30:00"),)),
    Bad("subdivision-without-country", "case.yaml", SUBDIVISION, advise, ("FR045",),
        (locate(SUBDIVISION, "CA\n"),)),
    Bad("256-character-timezone", "case.yaml", LONG_ZONE, advise, ("FR007", "FR041"), (locate(LONG_ZONE, "A" * 256),)),
    Bad("nul-byte", "case.yaml", NUL_BYTE, advise, ("FR003",), (locate(NUL_BYTE, "\x00"),)),
    Bad("control-character", "case.yaml", CONTROL, advise, ("FR003",), (locate(CONTROL, "\x07"),)),
    Bad("escaped-nul", "case.yaml", ESCAPED_NUL, advise, ("FR003",), (locate(ESCAPED_NUL, '"Acme'),)),
    Bad("10k-interviewers", "case.yaml", many_interviewers, advise, ("FR007",)),
    Bad("15k-messages", "case.yaml", many_messages, advise, ("FR007",)),
    Bad("60-contacts", "case.yaml", many_contacts, advise, ("FR007",)),
    Bad("catastrophic-pattern", "rules.yaml", REDOS, validate, ("FR030",), (locate(REDOS, '"^(a+)+$"'),),
        ("backtrack",)),
    Bad("applies-when-in-lists", "rules.yaml", APPLIES_WHEN, validate, ("FR033",)),
    Bad("hour-window-holding-no-moment", "rules.yaml", EMPTY_WINDOW, with_rules, ("FR029",),
        (locate(EMPTY_WINDOW, "2}"),), ("shorter than a minute",)),
    Bad("window-beyond-the-calendar", "rules.yaml", FAR_WINDOW, validate, ("FR029",),
        (locate(FAR_WINDOW, "1000000000"),)),
    Bad("extends-range-not-semver", "rules.yaml", BAD_RANGE, validate, ("FR037",),
        (locate(BAD_RANGE, "levo-5-things@^banana"),)),
    Bad("override-of-a-rule-the-parent-lacks", "rules.yaml", BAD_OVERRIDE, with_rules, ("FR036",),
        (locate(BAD_OVERRIDE, "no-such-rule"),)),
    Bad("600-rules", "rules.yaml", MANY_RULES, validate, ("FR007",)),
    # Validating the folder's 1,201 rulesets (about 3 s on a quiet machine) is the time here: the
    # bound is for the stall the chain caused, not for speed.
    Bad("1200-deep-extends", "chain/rules.yaml", extends_chain, with_chain, ("FR037",),
        ((locate(RULESET, "Probe rules\n")[0] + 1, 10),), ("longer than 8 steps",), seconds=30.0),
    Bad("source-outside-the-sources-folder", "rules.yaml", ESCAPING_SOURCE, with_sources, ("FR008",),
        (locate(ESCAPING_SOURCE, "../../etc/passwd"),)),
    Bad("profile-unknown-parameter", "profile.yaml", PROFILE_PARAM, with_profile, ("FR039",),
        (locate(PROFILE_PARAM, "thank_you_counts_as_folow_up"),)),
    Bad("profile-unknown-ruleset", "profile.yaml", PROFILE_RULESET, with_profile, ("FR037",),
        (locate(PROFILE_RULESET, "no-such-rules@^1"),)),
    Bad("profile-key-with-a-line-break", "profile.yaml", PROFILE_BROKEN_KEY, with_profile, ("FR011",),
        (locate(PROFILE_BROKEN_KEY, "null"),), ("\\n",)),
    # The same unknown fact met while advising, through a ruleset on the search path.
    Bad("unknown-fact-advise", "rules.yaml", UNKNOWN_FACT,
        lambda name: ["advise", str(Path(name).with_name("case.yaml")), "--at", AT, "--rules-path", name,
                      "--ruleset", "probe-rules"],
        ("FR020",), (locate(UNKNOWN_FACT, "thank_you.snet"),), ("did you mean 'thank_you.sent'",)),
]


@dataclass(frozen=True)
class Outcome:
    bad: Bad
    path: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def explain(self) -> str:
        return (f"exit {self.returncode} after {self.seconds:.2f}s\n"
                f"stdout:\n{self.stdout[:2000]}\nstderr:\n{self.stderr[:2000]}")


@pytest.fixture(scope="module", params=BAD_INPUTS, ids=[b.id for b in BAD_INPUTS])
def outcome(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            run_followup: Callable[..., Any]) -> Outcome:
    """Write one bad input (next to a valid case.yaml) and run the CLI on it once for all tests below."""
    bad: Bad = request.param
    folder = tmp_path_factory.mktemp(bad.id)
    (folder / "case.yaml").write_text(CASE, encoding="utf-8")
    path = bad.write(folder)
    run = run_followup(*bad.command(str(path)), timeout=30)
    return Outcome(bad, path, run.returncode, run.stdout, run.stderr, run.seconds)


def test_exits_2_without_traceback_in_time(outcome: Outcome) -> None:
    assert outcome.returncode == 2, outcome.explain()
    assert "Traceback" not in outcome.stdout + outcome.stderr, outcome.explain()
    assert outcome.seconds < outcome.bad.seconds, outcome.explain()


def test_one_error_line_on_stderr(outcome: Outcome) -> None:
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1 and ERROR_LINE.match(lines[0]), outcome.explain()
    assert outcome.stdout == "", outcome.explain()


def test_error_names_file_code_and_position(outcome: Outcome) -> None:
    """What the message says, wherever it was printed (where it goes is the test above)."""
    lines = (outcome.stderr + outcome.stdout).splitlines()
    matches = [m for m in map(PROBLEM_LINE.match, lines) if m]
    assert matches, outcome.explain()
    found = matches[0]
    assert Path(found["file"]).resolve() == outcome.path.resolve(), outcome.explain()
    assert found["code"] in outcome.bad.codes, outcome.explain()
    position = (int(found["line"]), int(found["column"]))
    if outcome.bad.where:
        assert position in outcome.bad.where, f"expected one of {outcome.bad.where}\n{outcome.explain()}"
    else:
        assert 1 <= position[0] <= outcome.path.read_text(encoding="utf-8").count("\n") + 1, outcome.explain()
    for text in outcome.bad.mentions:
        assert text in found["message"], outcome.explain()


def test_unchanged_inputs_are_accepted(tmp_path: Path, run_followup: Callable[..., Any]) -> None:
    """The base case and ruleset the bad inputs are made from are themselves valid: each error is the edit's."""
    (tmp_path / "case.yaml").write_text(CASE, encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULESET, encoding="utf-8")
    case = run_followup(*advise(str(tmp_path / "case.yaml")))
    rules = run_followup(*validate(str(tmp_path / "rules.yaml")))
    with_rules = run_followup("advise", str(tmp_path / "case.yaml"), "--at", AT, "--rules-path",
                              str(tmp_path / "rules.yaml"), "--ruleset", "probe-rules")
    assert (case.returncode, case.stderr) == (0, ""), case.stderr
    assert (rules.returncode, rules.stderr) == (0, ""), rules.stderr
    assert (with_rules.returncode, with_rules.stderr) == (0, ""), with_rules.stderr
    assert "send_thank_you" in with_rules.stdout


def test_big_file_is_over_50_mib(tmp_path: Path) -> None:
    """The generated big input really is at least 50 MiB."""
    path = tmp_path / "big.yaml"
    write_big_case(path)
    assert path.stat().st_size >= 50 * 1024 * 1024


def test_a_problem_has_the_same_place_with_the_cache_cold_or_warm(tmp_path: Path,
                                                                  run_followup: Callable[..., Any]) -> None:
    """The second run loads the ruleset from the validation cache, which keeps no positions."""
    (tmp_path / "case.yaml").write_text(CASE, encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(BAD_OVERRIDE, encoding="utf-8")
    cold, warm = (run_followup(*with_rules(str(tmp_path / "rules.yaml"))) for _ in range(2))
    line, column = locate(BAD_OVERRIDE, "no-such-rule")
    assert cold.returncode == warm.returncode == 2
    assert cold.stderr == warm.stderr and f"rules.yaml:{line}:{column}: FR036" in warm.stderr
