"""Memory units, defined once: records and catalogs speak decimal GB (an "80 GB" card), the
driver speaks MiB, and charts read best in GiB."""

from __future__ import annotations

GB = 1_000_000_000
GIB = 1024**3
MIB = 1024**2


def format_gb(value: int | float, digits: int = 1) -> str:
    """Bytes as decimal GB for messages: `format_gb(81_559 * MIB)` is "85.5 GB"."""
    return f"{value / GB:.{digits}f} GB"
