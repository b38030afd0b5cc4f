"""Names and aliases: ids are looked up case-insensitively, with spaces, underscores and
dashes alike (DESIGN §2.1). Pure: used by the catalogs and by the computations over them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar

_SEPARATORS = re.compile(r"[\s_\-]+")
_NORMALIZED: dict[str, str] = {}


def normalize_id(name: str) -> str:
    """`Llama_3.1 8B` and `llama-3.1-8b` are the same id. Memoised: every rule looks names
    up, and records repeat the same few dozen of them."""
    normalized = _NORMALIZED.get(name)
    if normalized is None:
        normalized = _SEPARATORS.sub("-", name.strip().lower()).strip("-")
        if len(_NORMALIZED) < 100_000:
            _NORMALIZED[name] = normalized
    return normalized


class HasAliases(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def aliases(self) -> tuple[str, ...]: ...


EntryT = TypeVar("EntryT", bound=HasAliases)


class AliasIndex(Generic[EntryT]):
    """Entries by normalised id and alias; a later entry with the same id replaces an earlier
    one, which is how a repository's policy pack overrides the shipped catalog."""

    def __init__(self, entries: Iterable[EntryT]) -> None:
        self._by_id: dict[str, EntryT] = {}
        for entry in entries:
            self._by_id[normalize_id(entry.id)] = entry
        self._by_name: dict[str, EntryT] = {}
        for entry in self._by_id.values():
            for alias in entry.aliases:
                self._by_name.setdefault(normalize_id(alias), entry)
        # Ids win over aliases when both spell the same thing.
        self._by_name.update(self._by_id)

    def get(self, name: str) -> EntryT | None:
        return self._by_name.get(normalize_id(name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize_id(name) in self._by_name

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def ids(self) -> list[str]:
        return [entry.id for entry in self._by_id.values()]

    def suggest(self, name: str) -> str | None:
        """The closest known id, for a 'did you mean' hint."""
        import difflib  # only a failing record asks: kept off the start-up path

        matches = difflib.get_close_matches(normalize_id(name), list(self._by_name), n=1, cutoff=0.6)
        return self._by_name[matches[0]].id if matches else None
