"""The package's structure is a checked contract: its layers (import-linter), its types (mypy), tidy code (ruff)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed: install the test extra, `pip install -e '.[test]'`")
    return str(path)


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([_tool("lint-imports"), "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_layers_hold() -> None:
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(("module", "planted", "contract"), [
    ("core/problems.py", "from followup_rules.cli import options", "Each stage imports only the stages below it"),
    ("engine/compiler.py", "from followup_rules.facts import derive", "Each stage imports only the stages below it"),
    ("resolve/windows.py", "from followup_rules.resolve import explanation",
     "No two modules of a stage import each other"),
])
def test_a_wrong_import_breaks_the_contract(tmp_path: Path, module: str, planted: str, contract: str) -> None:
    shutil.copytree(ROOT / "followup_rules", tmp_path / "followup_rules",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "followup_rules" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{planted}  # noqa\n", encoding="utf-8")
    done = _lint_imports(tmp_path)
    assert done.returncode != 0 and f"{contract}" in done.stdout and "BROKEN" in done.stdout, done.stdout


def test_the_types_check() -> None:
    done = subprocess.run([_tool("mypy"), "--config-file", str(ROOT / "pyproject.toml")], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_code_is_tidy() -> None:
    done = subprocess.run([_tool("ruff"), "check", "followup_rules", "tests", "bench", "plugins"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
