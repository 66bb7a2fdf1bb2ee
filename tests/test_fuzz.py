"""The fuzz suite at CI size: generated cases, rulesets and profiles (valid and mutated) through every
command that reads them. The oracle (fuzz/oracle.py): exit 0, 1 or 2 only, no traceback, no hang
over 5 s, a located message for exit 2, the same bytes on a second run with the cache warm.
fuzz/run.py runs the same at full size (docs/reliability.md quotes its counts)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))

from commands import case_commands, profile_commands, ruleset_commands
from inputs import cases, profiles, rulesets
from oracle import Tally


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
TALLY = Tally()
FOLDERS: list[Path] = []


@pytest.fixture(scope="module", autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A ruleset cache of this module's own, so that runs start cold and their repeats find it warm."""
    FOLDERS.append(tmp_path_factory.mktemp("fuzz-inputs"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FOLLOWUP_RULES_CACHE", str(tmp_path_factory.mktemp("fuzz-cache")))
        patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("fuzz-data")))
        yield


def _write(text: str, name: str) -> Path:
    """`text` as file `name` in a folder of its own (a ruleset's folder holds nothing else)."""
    folder = Path(tempfile.mkdtemp(prefix="input-", dir=FOLDERS[-1]))
    path = folder / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


@fuzz(1500)
@given(text=cases(), which=st.integers(0, 5))
def test_generated_cases(text: str, which: int) -> None:
    path = _write(text, "case.yaml")
    args = case_commands(str(path))[which]
    assert TALLY.judge(args, text.encode("utf-8", "surrogatepass") if "-" in args else b"") == []


@fuzz(800)
@given(text=rulesets(), which=st.integers(0, 4))
def test_generated_rulesets(text: str, which: int) -> None:
    path = _write(text, "fuzzed.yaml")
    assert TALLY.judge(ruleset_commands(str(path))[which]) == []


@fuzz(400)
@given(text=profiles(), which=st.integers(0, 1))
def test_generated_profiles(text: str, which: int) -> None:
    path = _write(text, "followup.yaml")
    assert TALLY.judge(profile_commands(str(path), str(path.with_name("followup.lock")))[which]) == []
