"""Which `followup` commands the fuzz suite runs on a generated case, ruleset or profile file."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "just-after-interview.yaml")
DRAFT = str(ROOT / "examples" / "draft-five-paragraphs.txt")
AT = "2025-03-07T10:00:00"


def case_commands(path: str) -> list[list[str]]:
    """Every evaluating command that reads a case; `-` stands for the case on standard input."""
    return [["advise", path, "--at", AT], ["explain", path, "--at", AT, "--why-not"],
            ["timeline", path, "--at", AT], ["export", path, "--at", AT, "--ics", "-"],
            ["check", DRAFT, "--case", path, "--at", AT], ["advise", "-", "--at", AT, "--format", "json"]]


def ruleset_commands(path: str) -> list[list[str]]:
    """Validating, testing and linting a ruleset file, and advising with it."""
    return [["rulesets", "validate", path], ["rulesets", "test", path], ["rulesets", "lint", path],
            ["advise", EXAMPLE, "--at", AT, "--rules-path", path, "--ruleset", "fuzzed"],
            ["explain", EXAMPLE, "--at", AT, "--rules-path", path, "--ruleset", "fuzzed"]]


def profile_commands(path: str, lock: str) -> list[list[str]]:
    """Advising with a profile, and locking what it selects."""
    return [["advise", EXAMPLE, "--at", AT, "--profile", path],
            ["rulesets", "lock", "--profile", path, "-o", lock]]
