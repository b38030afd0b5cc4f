"""Subcommands other than `validate`: one module each, defining a click command.

Modules here import only click at the top; everything heavy is imported inside the
command function, so `selectcheck --version` stays fast."""

from __future__ import annotations

import importlib

import click

# module name → command attribute
COMMANDS = {
    "estimate": "estimate",
    "noise": "noise",
    "hardware": "hardware",
    "new": "new",
}


def register(group: click.Group) -> None:
    for module_name, attribute in COMMANDS.items():
        try:
            module = importlib.import_module(f"selectcheck.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"selectcheck.commands.{module_name}":
                raise
            continue  # not written yet
        group.add_command(getattr(module, attribute))
