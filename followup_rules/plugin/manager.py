"""The plugin manager: built-in and installed plugins, and the ones that failed to load."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pluggy

from followup_rules.plugin import hookspecs

if TYPE_CHECKING:
    from datetime import datetime

    from followup_rules.core.case import Case
    from followup_rules.facts.derive import Facts
    from followup_rules.resolve.advice import Advice

#: The built-in plugins, registered exactly like installed ones (as pytest lists its default plugins).
BUILTIN_PLUGINS: tuple[str, ...] = tuple(f"followup_rules.channels.{name}"
                                         for name in ("calendar", "email", "letter", "linkedin", "phone"))


@dataclass(frozen=True)
class PluginInfo:
    """A plugin as `followup plugins` shows it."""

    name: str
    version: str
    origin: str
    hooks: tuple[str, ...] = ()
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "origin": self.origin, "hooks": list(self.hooks),
                "error": self.error}


@dataclass
class Plugins:
    """A ready plugin manager and what happened while loading plugins."""

    manager: pluggy.PluginManager
    infos: list[PluginInfo] = field(default_factory=list)

    @property
    def hook(self) -> Any:
        return self.manager.hook

    @property
    def broken(self) -> list[PluginInfo]:
        return [i for i in self.infos if i.error]

    def add(self, plugin: object, name: str, version: str = "0+test", origin: str = "added") -> PluginInfo:
        """Register one more plugin (a module or an object with hook implementations), as loading does.

        :return: how it went; a plugin with an unknown hook is recorded with the error, not registered.
        """
        _register(self, plugin, name, version, origin)
        return self.infos[-1]


def _hooks_of(manager: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    return tuple(sorted(h.name for h in manager.get_hookcallers(plugin) or ()))


def _one_line(exc: Exception) -> str:
    """An error on one line; pluggy's "already registered" goes on to dump every plugin, left out here."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if isinstance(exc, ValueError) else "; ".join(lines)


def _register(result: Plugins, plugin: object, name: str, version: str, origin: str) -> None:
    manager = result.manager
    try:
        manager.register(plugin, name=name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        # Nothing was registered: the same object under another name must stay as it is.
        result.infos.append(PluginInfo(name, version, origin, (), f"rejected: {_one_line(exc)}"))
        return
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        manager.unregister(plugin)
        result.infos.append(PluginInfo(name, version, origin, (), f"rejected: {_one_line(exc)}"))
        return
    result.infos.append(PluginInfo(name, version, origin, _hooks_of(manager, plugin)))


def load_plugins(entry_points: bool = True) -> Plugins:
    """A plugin manager with the built-in plugins and (unless disabled) every installed one.

    A plugin that fails to import or implements an unknown hook is recorded with its name and
    version and left out; the others keep working.
    """
    result = Plugins(pluggy.PluginManager(hookspecs.PROJECT))
    result.manager.add_hookspecs(hookspecs)
    installed = _installed()
    for module_name in BUILTIN_PLUGINS:
        _register(result, importlib.import_module(module_name), module_name.rsplit(".", 1)[-1], installed["version"],
                  f"built-in ({module_name})")
    if not entry_points:
        return result
    for name, value, dist, version in installed["plugins"]:
        origin = f"{dist} ({value})"
        try:
            plugin = _load(value)
        except Exception as exc:  # a broken plugin must not stop the others
            result.infos.append(PluginInfo(name, version, origin, (), f"failed to load: {type(exc).__name__}: {exc}"))
            continue
        _register(result, plugin, name, version, origin)
    return result


def _installed() -> dict[str, Any]:
    """This package's version and the installed plugins' entry points (name, value, distribution,
    version), sorted by name.

    Scanning every installed distribution costs more than the rest of a start, so the answer is
    kept in the disk cache for as long as no folder on sys.path changes (installing or removing a
    distribution changes its folder).
    """
    import hashlib
    import os
    import sys

    from followup_rules.core._cache import cached

    stamps = []
    for entry in sys.path:
        try:
            stamps.append(f"{entry}:{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            stamps.append(entry)
    key = hashlib.sha256("\n".join(stamps).encode()).hexdigest()
    found: dict[str, Any] = cached(f"plugins-{key}.json", _scan)
    return found


def _scan() -> dict[str, Any]:
    from importlib.metadata import entry_points as find_entry_points

    plugins = []
    for ep in sorted(find_entry_points(group=hookspecs.PROJECT), key=lambda e: e.name):
        dist = ep.dist
        plugins.append([ep.name, ep.value, dist.name if dist is not None else "?",
                        dist.version if dist is not None else "?"])
    return {"version": _version("followup-rules"), "plugins": plugins}


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "0+unknown"


def _load(value: str) -> object:
    """The object an entry point names (``module`` or ``module:attribute.path``), as importlib.metadata loads it."""
    module_name, _, attributes = value.partition(":")
    loaded: object = importlib.import_module(module_name.strip())
    for attribute in filter(None, attributes.strip().split(".")):
        loaded = getattr(loaded, attribute)
    return loaded


@lru_cache(maxsize=1)
def plugins() -> Plugins:
    """The process-wide plugins, loaded once."""
    return load_plugins()


def _each(hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call every implementation of a hook on its own, so one failing plugin cannot stop the rest."""
    results = []
    for impl in getattr(plugins().hook, hook_name).get_hookimpls():
        try:
            results.append((impl.plugin_name, impl.function(**{k: kwargs[k] for k in impl.argnames})))
        except Exception as exc:  # reported, never fatal: advice must not depend on a plugin's health
            import warnings

            warnings.warn(f"plugin {impl.plugin_name!r} failed in {hook_name}: {type(exc).__name__}: {exc}",
                          RuntimeWarning, stacklevel=2)
    return results


def enrich(facts: "Facts", case: "Case", at: "datetime") -> "Facts":
    """Facts with every plugin's valid adjustments applied in registration order."""
    from dataclasses import replace

    from followup_rules.core.vocabulary import FACTS, value_fits

    updates = _each("followup_enrich_facts", case=case, at=at, facts=dict(facts.values))
    if not any(result for _, result in updates):
        return facts
    values = dict(facts.values)
    for name, result in updates:
        for fact, value in (result or {}).items():
            definition = FACTS.get(fact)
            if definition is None or not (value is None and definition.nullable
                                          or value_fits(definition.type, definition.values, value)):
                import warnings

                warnings.warn(f"plugin {name!r} set {fact!r} to {value!r}, which is not a valid value; ignored",
                              RuntimeWarning, stacklevel=2)
                continue
            values[fact] = value
    return replace(facts, values=values)


def observe(advice: "Advice", case: "Case") -> None:
    """Show finished advice to every observing plugin."""
    _each("followup_advice", advice=advice, case=case)
