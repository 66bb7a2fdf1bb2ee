"""Every problem code the package can report is explained in docs/problems.md, and no other."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_code_in_use_is_documented_and_every_documented_code_is_used() -> None:
    used = {code for path in (ROOT / "followup_rules").rglob("*.py")
            for code in re.findall(r'"(FR\d{3})"', path.read_text(encoding="utf-8"))}
    documented = set(re.findall(r"^\| (FR\d{3}) \|", (ROOT / "docs" / "problems.md").read_text(encoding="utf-8"),
                                flags=re.M))
    assert used and used == documented
