"""`followup plugins`, broken plugins that do not stop `advise`, and the fixture shipped for plugin authors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import followup_rules
from followup_rules.channels import email as email_channel
from followup_rules.cli.main import cli
from followup_rules.plugin import manager as plugins_module
from followup_rules.plugin.hookspecs import hookimpl
from followup_rules.plugin.manager import BUILTIN_PLUGINS

ROOT = Path(__file__).resolve().parents[2]
CASE = str(ROOT / "examples" / "just-after-interview.yaml")
AT = "2025-03-06T16:00:00-05:00"
BUILT_IN = ["calendar", "email", "letter", "linkedin", "phone"]

BROKEN_IMPORT = 'raise ImportError("needs the library frobnicate, which is not installed")\n'
#: The same plugins as modules written into a site folder, for the subprocess tests.
UNKNOWN_HOOK = '''\
from followup_rules.hookspecs import hookimpl


@hookimpl
def followup_sned(artifact):
    return None
'''
FAILING_OBSERVER = '''\
from followup_rules.hookspecs import hookimpl


@hookimpl
def followup_advice(advice, case):
    raise RuntimeError("the observer's endpoint is down")
'''


@hookimpl
def _misspelt_hook(artifact: Any) -> None:
    return None


@hookimpl
def _raising_observer(advice: Any, case: Any) -> None:
    raise RuntimeError("the observer's endpoint is down")


def _module(name: str, **hooks: Any) -> types.ModuleType:
    """A plugin module made in the test: `hooks` maps hook names to `@hookimpl` functions."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, function)
    return module


def _distribution(site: Path, name: str, version_: str, module: str, source: str) -> None:
    """An installed distribution as importlib.metadata sees it: a module and its .dist-info folder."""
    (site / f"{module}.py").write_text(source, encoding="utf-8")
    info = site / f"{module}-{version_}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version_}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[followup_rules]\n{name} = {module}\n", encoding="utf-8")


@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    """A folder for PYTHONPATH with three installed plugins: one fails to import, one implements an
    unknown hook, one observes advice and always raises."""
    site = tmp_path / "site"
    site.mkdir()
    _distribution(site, "broken-import", "1.2.3", "fr_broken_import", BROKEN_IMPORT)
    _distribution(site, "unknown-hook", "0.3.0", "fr_unknown_hook", UNKNOWN_HOOK)
    _distribution(site, "failing-observer", "2.0.0", "fr_failing_observer", FAILING_OBSERVER)
    return site


def _followup(*args: str, site: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run([sys.executable, "-m", "followup_rules", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_followup_plugins_lists_the_built_in_channels() -> None:
    assert [m.rsplit(".", 1)[-1] for m in BUILTIN_PLUGINS] == BUILT_IN
    done = _followup("plugins", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = {p["name"]: p for p in json.loads(done.stdout)["plugins"]}
    for name in BUILT_IN:
        row = rows[name]
        assert row["version"] == version("followup-rules")
        assert row["origin"] == f"built-in (followup_rules.channels.{name})"
        assert row["channels"] == [name] and row["status"] == "ok" and row["error"] is None
        assert {"followup_channels", "followup_render"} <= set(row["hooks"])
    assert "followup_deliver" in rows["email"]["hooks"]
    text = _followup("plugins")
    assert text.returncode == 0
    for name in BUILT_IN:
        assert f"\n{name} " in f"\n{text.stdout}" and f"built-in (followup_rules.channels.{name})" in text.stdout
    assert "BROKEN" not in text.stdout


def test_broken_plugins_are_named_with_their_version_and_the_rest_work(broken_site: Path) -> None:
    done = _followup("plugins", "--format", "json", site=broken_site)
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    broken = {p["name"]: p for p in listing["broken"]}
    assert set(broken) == {"broken-import", "unknown-hook"}
    assert broken["broken-import"]["version"] == "1.2.3" and broken["broken-import"]["status"] == "broken"
    assert broken["broken-import"]["error"] == ("failed to load: ImportError: needs the library frobnicate, "
                                                "which is not installed")
    assert broken["unknown-hook"]["version"] == "0.3.0"
    assert broken["unknown-hook"]["error"].startswith("rejected: unknown hook 'followup_sned'")
    working = {p["name"]: p for p in listing["plugins"]}
    assert set(BUILT_IN) | {"failing-observer"} <= set(working)
    assert working["failing-observer"]["version"] == "2.0.0"
    assert working["failing-observer"]["hooks"] == ["followup_advice"]
    text = _followup("plugins", site=broken_site)
    assert text.returncode == 0
    assert "2 broken plugins (left out; the others work):" in text.stdout
    assert "BROKEN broken-import 1.2.3  broken-import (fr_broken_import)" in text.stdout
    assert "BROKEN unknown-hook 0.3.0  unknown-hook (fr_unknown_hook)" in text.stdout


def test_advise_works_with_broken_and_failing_plugins_installed(broken_site: Path) -> None:
    clean = _followup("advise", CASE, "--at", AT, "--format", "json")
    with_broken = _followup("advise", CASE, "--at", AT, "--format", "json", site=broken_site)
    assert clean.returncode == with_broken.returncode == 0, with_broken.stderr
    assert json.loads(with_broken.stdout) == json.loads(clean.stdout)
    assert ("plugin 'failing-observer' failed in followup_advice: RuntimeError: the observer's endpoint is down"
            in with_broken.stderr)
    explained = _followup("explain", CASE, "--at", AT, "--format", "json", site=broken_site)
    assert explained.returncode == 0, explained.stderr


class Recorder:
    """A plugin object (not a module) that keeps every advice it is shown."""

    def __init__(self) -> None:
        self.seen: list[tuple[Any, Any]] = []

    @hookimpl
    def followup_advice(self, advice: Any, case: Any) -> None:
        self.seen.append((advice, case))


def test_the_fixture_registers_plugin_objects_and_advise_uses_them(followup_plugins) -> None:
    recorder = Recorder()
    loaded = followup_plugins(recorder)
    assert plugins_module.plugins() is loaded
    assert [i.name for i in loaded.infos] == [*BUILT_IN, "Recorder"]
    assert loaded.infos[-1].hooks == ("followup_advice",) and loaded.infos[-1].origin == "followup_plugins fixture"
    advice = followup_rules.advise(CASE, at=AT)
    assert len(recorder.seen) == 1 and recorder.seen[0][0] is advice
    assert recorder.seen[0][1].company == "Hudson Ledger Partners"


def test_the_fixture_loads_no_installed_plugin_unless_asked(followup_plugins) -> None:
    assert [i.name for i in followup_plugins().infos] == BUILT_IN


def test_an_observer_that_raises_is_reported_and_advise_goes_on(followup_plugins) -> None:
    failing = _module("failing_observer", followup_advice=_raising_observer)
    recorder = Recorder()
    followup_plugins(failing, recorder)
    with pytest.warns(RuntimeWarning, match="plugin 'failing_observer' failed in followup_advice: RuntimeError"):
        advice = followup_rules.advise(CASE, at=AT)
    assert advice.actions and len(recorder.seen) == 1  # the plugin after the failing one still ran


def test_the_fixture_fails_a_test_on_a_rejected_plugin_unless_told_not_to(followup_plugins) -> None:
    unknown = _module("unknown_hook", followup_sned=_misspelt_hook)
    with pytest.raises(pytest.fail.Exception, match="plugin 'unknown_hook' rejected: unknown hook 'followup_sned'"):
        followup_plugins(unknown)
    loaded = followup_plugins(unknown, strict=False)
    assert [(i.name, i.error.split(":")[0]) for i in loaded.broken] == [("unknown_hook", "rejected")]
    assert loaded.manager.get_plugin("unknown_hook") is None


def test_a_plugin_already_registered_under_another_name_stays_registered(followup_plugins) -> None:
    loaded = followup_plugins()
    info = loaded.add(email_channel, "email-again")
    assert info.error == ("rejected: Plugin already registered under a different name: "
                          f"email-again={email_channel!r}")
    assert loaded.manager.get_plugin("email") is email_channel
    assert "email" in {i.plugin_name for i in loaded.hook.followup_deliver.get_hookimpls()}


def test_rulesets_from_a_fixture_plugin_reach_the_cli(followup_plugins, tmp_path: Path) -> None:
    pack = tmp_path / "mine.yaml"
    pack.write_text("id: fixture-pack\nversion: 0.2.0\ntitle: From a test plugin\nextends: pro-tips\nrules: []\n",
                    encoding="utf-8")

    class Pack:
        @hookimpl
        def followup_rulesets(self) -> list[str]:
            return [str(pack)]

    followup_plugins(Pack())
    result = CliRunner().invoke(cli, ["rulesets", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {"id": "fixture-pack", "version": "0.2.0", "group": "extra"}.items() <= next(
        r for r in json.loads(result.output) if r["id"] == "fixture-pack").items()
    advice = followup_rules.advise(CASE, at=AT, rulesets=["fixture-pack"])
    assert advice.actions and all(c.rule.startswith("fixture-pack/") for a in advice.actions for c in a.by)
