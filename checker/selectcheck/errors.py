"""Errors that end a run with exit code 2 (usage or configuration), never a traceback."""

from __future__ import annotations

# The exit codes of every command (DESIGN §7): no failing findings, failing findings, and a
# usage or configuration error.
EXIT_OK, EXIT_FINDINGS, EXIT_CONFIG = 0, 1, 2


class ConfigError(Exception):
    """A policy, catalog, configuration or usage problem: the run cannot judge records.

    `location` is `path:line:col` where one is known, so editors can jump to it.
    """

    def __init__(self, message: str, *, location: str | None = None, help: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.help = help

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return f"{text}\n  help: {self.help}" if self.help else text
