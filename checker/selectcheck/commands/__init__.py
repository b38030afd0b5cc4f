"""Subcommands other than `validate`: one module each, defining a click command.

Modules here import only click at the top; everything heavy is imported inside the
command function, so `selectcheck --version` stays fast."""

from __future__ import annotations

import importlib

import click

# command name → command attribute of the module of that name
COMMANDS = {
    "estimate": "estimate",
    "noise": "noise",
    "hardware": "hardware",
    "new": "new",
    "shortlist": "shortlist",
    "import": "import_group",
}
# Commands whose module cannot carry the command's name (`import` is a Python keyword).
MODULES = {"import": "import_"}


class LazyGroup(click.Group):
    """A click group whose subcommands in `COMMANDS` are imported only when invoked or
    listed (`--help`): a `validate` run never imports `estimate`, `noise`, `hardware`,
    `new`, `shortlist` or `import`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in COMMANDS:
            module = importlib.import_module(f"selectcheck.commands.{MODULES.get(cmd_name, cmd_name)}")
            command = getattr(module, COMMANDS[cmd_name])
            assert isinstance(command, click.Command)
            self.add_command(command)
        return command
