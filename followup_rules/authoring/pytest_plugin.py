"""A pytest fixture for plugin authors: a fresh plugin manager holding your plugins, used by `advise`.

It is registered with pytest (entry point ``pytest11``) wherever followup-rules is installed, so a
test can simply ask for it::

    import followup_rules
    from my_plugin import plugin

    def test_my_plugin_sees_the_advice(followup_plugins):
        loaded = followup_plugins(plugin)          # built-ins + your plugin, nothing else installed
        assert "followup_advice" in loaded.infos[-1].hooks
        advice = followup_rules.advise("case.yaml", at="2025-03-06T16:00:00-05:00")

Until the test ends, every ``advise``, ``explain`` and CLI command run in the test process uses that
manager (and a search path rebuilt from its ``followup_rulesets`` results).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator

import pytest

from followup_rules.plugin import manager as plugins_module
from followup_rules.plugin.manager import Plugins, load_plugins

InstallPlugins = Callable[..., Plugins]


def _name_of(plugin: object, taken: set[str]) -> str:
    base = plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__name__
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


@pytest.fixture
def followup_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[InstallPlugins]:
    """``followup_plugins(*plugins, entry_points=False, strict=True) -> Plugins``.

    Builds a fresh manager: the built-in channel plugins, the installed ones only when
    ``entry_points`` is true, then each given module or object, registered as loading does. With
    ``strict`` (the default) a rejected plugin fails the test with pluggy's reason; without it, the
    rejection is only recorded in ``Plugins.broken``. Calling it again replaces the manager.
    """
    from followup_rules.pipeline import default_library

    def install(*extra: object, entry_points: bool = False, strict: bool = True) -> Plugins:
        loaded = load_plugins(entry_points=entry_points)
        for plugin in extra:
            info = loaded.add(plugin, _name_of(plugin, {i.name for i in loaded.infos}),
                              origin="followup_plugins fixture")
            if strict and info.error:
                pytest.fail(f"plugin {info.name!r} {info.error}", pytrace=False)
        monkeypatch.setattr(plugins_module, "plugins", lambda: loaded)
        default_library.cache_clear()  # it holds the rulesets of the plugins it was built with
        return loaded

    yield install
    default_library.cache_clear()
