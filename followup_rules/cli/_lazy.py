"""A click group whose commands are listed by name and imported only when used."""

from __future__ import annotations

import importlib
from typing import Any, Mapping

import click


class LazyGroup(click.Group):
    """A group of named commands, each the `command` of a module imported on first use.

    Listing the commands by name (as pytest lists its default plugins) keeps start-up to the one
    command that runs, and no folder is scanned.
    """

    def __init__(self, *args: Any, modules: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.modules = dict(modules)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.modules})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.modules and cmd_name not in self.commands:
            module = importlib.import_module(self.modules[cmd_name])
            self.add_command(module.command, cmd_name)
        return super().get_command(ctx, cmd_name)
