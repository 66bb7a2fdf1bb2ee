"""Every rule row of the catalogue is accounted for in rulesets/COVERAGE.md, under its own source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = {"1.1": ("remotejobscape-dos-donts", "industry overlays"), "1.2": ("levo-5-things",),
            "1.3": ("how-often",), "1.4": ("comprehensive-guide",), "1.5": ("pro-tips",)}
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$|^[a-z]+$")


def catalogue_rows(catalogue: Path) -> dict[str, list[str]]:
    text = catalogue.read_text(encoding="utf-8")
    part = text[text.index("## §1"):text.index("## §2")]
    rows: dict[str, list[str]] = {}
    for number, body in re.findall(r"### (1\.\d) .*?\n(.*?)(?=\n### 1\.\d |\Z)", part, flags=re.S):
        for line in body.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 3 or set(cells[0]) <= {"-"} or cells[0] in ("id", "overlay"):
                continue
            row_id = cells[1] if cells[0] in ("tech", "finance", "creative", "healthcare") else cells[0]
            if _ID.match(row_id):
                rows.setdefault(number, []).append(row_id)
    return rows


def coverage_section(names: tuple[str, ...]) -> str:
    text = (ROOT / "rulesets" / "COVERAGE.md").read_text(encoding="utf-8")
    chunks = re.split(r"\n(?=## )", text)
    return "\n".join(c for c in chunks if any(c.startswith(f"## Coverage: {n}") for n in names))


def test_the_catalogue_has_rows_for_every_source(catalogue: Path) -> None:
    rows = catalogue_rows(catalogue)
    assert set(rows) == set(SECTIONS) and sum(len(v) for v in rows.values()) > 100


@pytest.mark.parametrize("number", sorted(SECTIONS))
def test_every_row_is_encoded_or_explained(number: str, catalogue: Path) -> None:
    section = coverage_section(SECTIONS[number])
    assert section, f"no section for {SECTIONS[number]} in COVERAGE.md"
    missing = [row for row in catalogue_rows(catalogue)[number] if not re.search(rf"(^|\W){re.escape(row)}(\W|$)", section)]
    assert missing == []
