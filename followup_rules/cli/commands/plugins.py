"""`followup plugins`: every plugin with its version, origin and hooks; broken ones named with their error."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from followup_rules.cli.options import FORMAT

if TYPE_CHECKING:
    from followup_rules.plugin.manager import PluginInfo, Plugins


@click.command("plugins")
@FORMAT
def command(fmt: str) -> None:
    """Every plugin: name, version, where it came from, its hooks and channels.

    A plugin that failed to import or implements an unknown hook is listed as BROKEN with its
    error; it is left out and the others keep working, so this exits 0 all the same.
    """
    from followup_rules.plugin.manager import plugins

    loaded = plugins()
    rows = [_row(loaded, info) for info in loaded.infos]
    if fmt == "json":
        click.echo(json.dumps({"plugins": [r for r in rows if r["error"] is None],
                               "broken": [r for r in rows if r["error"] is not None]}, indent=2, ensure_ascii=False))
        return
    click.echo(text(rows), nl=False)


def channels_of(loaded: Plugins, name: str) -> list[str]:
    """The channels plugin `name` says it handles (none when its `followup_channels` fails)."""
    names: list[str] = []
    for impl in loaded.hook.followup_channels.get_hookimpls():
        if impl.plugin_name == name:
            try:
                names += list(impl.function() or ())
            except Exception as exc:  # reported in the listing, never fatal
                names.append(f"<followup_channels failed: {type(exc).__name__}: {exc}>")
    return names


def _row(loaded: Plugins, info: PluginInfo) -> dict[str, Any]:
    row = info.to_dict()
    row["status"] = "broken" if info.error else "ok"
    row["channels"] = [] if info.error else channels_of(loaded, info.name)
    return row


def text(rows: list[dict[str, Any]]) -> str:
    """The listing for people: working plugins as a table, then each broken one marked BROKEN."""
    good = [r for r in rows if r["error"] is None]
    bad = [r for r in rows if r["error"] is not None]
    lines = []
    if good:
        name_w = max(len(r["name"]) for r in good)
        version_w = max(len(r["version"]) for r in good)
        for r in good:
            lines.append(f"{r['name']:<{name_w}}  {r['version']:<{version_w}}  {r['origin']}")
            lines.append(f"{'':<{name_w}}  hooks: {', '.join(r['hooks']) or 'none'}")
            if r["channels"]:
                lines.append(f"{'':<{name_w}}  channels: {', '.join(r['channels'])}")
    if bad:
        lines.append("")
        lines.append(f"{len(bad)} broken plugin{'s' if len(bad) != 1 else ''} (left out; the others work):")
        for r in bad:
            lines.append(f"BROKEN {r['name']} {r['version']}  {r['origin']}")
            lines.append(f"       {r['error']}")
    return "\n".join(lines) + "\n"
