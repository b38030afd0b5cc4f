"""Reporters: pure functions from a `Report` to text. Each module exposes `render(report)`."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from selectcheck.diagnostics import Report

FORMATS = ("text", "json", "github", "sarif", "markdown", "junit")


def renderer(name: str) -> Callable[[Report], str]:
    """The reporter module for a format, imported only when that format is asked for."""
    if name not in FORMATS:
        raise ValueError(name)
    module = importlib.import_module(f"selectcheck.reporters.{name}")
    render: Callable[[Report], str] = module.render
    return render
