"""Shared fixtures for the end-to-end tests: the examples, the advice schema and the CLI as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from _examples import moment_of
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_FILES = sorted((ROOT / "examples").glob("*.yaml"))
#: The source articles and the catalogue: beside a CI clone, not in a fresh clone of the project alone.
SHARED = ROOT.parent / "shared"
#: Set by .ci/run: a missing ../shared then fails the tests that need it instead of skipping them.
REQUIRE_SHARED = "FOLLOWUP_REQUIRE_SHARED"


@dataclass(frozen=True)
class Example:
    """A shipped example case, the moment its header suggests, and the candidate's timezone."""

    path: Path
    at: str
    timezone: str

    @property
    def arg(self) -> str:
        """The path as the CLI is given it, relative to the repository."""
        return str(self.path.relative_to(ROOT))


@dataclass(frozen=True)
class Run:
    """One finished `followup` process."""

    returncode: int
    stdout_bytes: bytes
    stderr_bytes: bytes
    seconds: float

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8")


RunFollowup = Callable[..., Run]


def load_example(path: Path) -> Example:
    text = path.read_text(encoding="utf-8")
    return Example(path, moment_of(path), yaml.safe_load(text)["candidate"]["timezone"])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes `example` once per shipped example case."""
    if "example" in metafunc.fixturenames:
        metafunc.parametrize("example", [load_example(p) for p in EXAMPLE_FILES],
                             ids=[p.stem for p in EXAMPLE_FILES])


@pytest.fixture(scope="session")
def examples() -> dict[str, Example]:
    """The shipped examples by file stem."""
    return {p.stem: load_example(p) for p in EXAMPLE_FILES}


@pytest.fixture(scope="session", autouse=True)
def _isolated_ruleset_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the validated-ruleset cache and any user ruleset path out of the tests (and their children)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FOLLOWUP_RULES_CACHE", str(tmp_path_factory.mktemp("ruleset-cache")))
        patch.delenv("FOLLOWUP_RULES_PATH", raising=False)
        yield


def _shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get(REQUIRE_SHARED):
            pytest.fail(f"{path} is missing and {REQUIRE_SHARED} is set: CI runs with ../shared beside the clone")
        pytest.skip(f"needs {path}: the source articles and the catalogue are not part of the project "
                    f"(a clone with ../shared beside it runs this; CI sets {REQUIRE_SHARED})")
    return path


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    """../shared/sources, the five articles the shipped rulesets quote."""
    return _shared("sources")


@pytest.fixture(scope="session")
def catalogue() -> Path:
    """../shared/design/catalogue.md, every piece of advice of the five sources."""
    return _shared("design", "catalogue.md")


@pytest.fixture(scope="session")
def case_generator() -> ModuleType:
    """bench/cases.py: the realistic generated cases the benchmarks, batch and property tests share."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_cases", ROOT / "bench" / "cases.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def advice_validator() -> Draft202012Validator:
    schema = json.loads((ROOT / "schemas" / "advice.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


InProcess = Callable[..., "tuple[int, str, str]"]


@pytest.fixture
def followup_in_process(capsys: pytest.CaptureFixture[str]) -> InProcess:
    """`followup ARGS` in this process as `main` runs it (user errors exit 2): (exit code, stdout, stderr)."""
    from followup_rules.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def run_followup() -> RunFollowup:
    """Run `python -m followup_rules ARGS` in the repository with piped output, timing it.

    The first run validates every shipped ruleset into the (fresh) cache; it is done here once so
    that timed runs measure the command, not the one-off cache fill.
    """

    def run(*args: str, hash_seed: str | None = None, timeout: float = 60) -> Run:
        env = dict(os.environ)
        if hash_seed is not None:
            env["PYTHONHASHSEED"] = hash_seed
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "followup_rules", *args], cwd=ROOT, env=env,
                              capture_output=True, timeout=timeout, check=False)
        return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)

    warm = run("rulesets", "list")
    assert warm.returncode == 0, warm.stderr
    return run
