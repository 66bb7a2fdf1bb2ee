"""A plain (non-editable) install carries the shipped rulesets and schemas inside the package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[1]


def test_a_built_package_finds_its_rulesets_and_schemas(tmp_path: Path) -> None:
    target = tmp_path / "site"
    built = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                            str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    package = target / "followup_rules"
    assert (package / "rulesets" / "sources" / "levo-5-things.yaml").is_file()
    assert (package / "schemas" / "advice.schema.json").is_file()
    env = {**os.environ, "PYTHONPATH": str(target), "FOLLOWUP_RULES_CACHE": str(tmp_path / "cache")}
    case = ROOT / "examples" / "rejection.yaml"
    run = subprocess.run([sys.executable, "-m", "followup_rules", "advise", str(case), "--at",
                          "2025-05-22T18:00:00+01:00", "--format", "json"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    where = subprocess.run([sys.executable, "-c", "import followup_rules; print(followup_rules.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert where.stdout.strip().startswith(str(package))
    schema = json.loads((package / "schemas" / "advice.schema.json").read_text(encoding="utf-8"))
    advice = json.loads(run.stdout)
    Draft202012Validator(schema).validate(advice)
    assert {r["id"] for r in advice["rulesets"]} >= {"levo-5-things", "pro-tips"}
