"""What a declared license lets a record do: the computation behind SC301–SC305.

Pure functions over a license catalog (any `LicenseLookup`); no files, no YAML, no
network. A record declares a license as a Hugging Face tag (`llama3.1`), an SPDX id
(`Apache-2.0`) or an SPDX-style expression (`Apache-2.0 AND CC-BY-4.0`, `MIT OR Apache-2.0`,
`Apache-2.0 WITH LLVM-exception`); expressions are parsed with `license-expression`.

Semantics
---------
* Verdicts are ordered `no` < `unknown` < `conditional` < `yes`.
* `A AND B`: every operand applies, so the worst verdict wins and the obligations of all
  conditional operands add up. The licenses that forbid the use are all reported.
* `A OR B`: the licensee may choose, so the best verdict wins; the obligations (and the
  `basis`) are those of the chosen operand. Among equally good operands, the one with the
  fewest obligations is chosen, then the leftmost. Only when every operand forbids the use is
  the result `no`, and then every forbidding license is reported.
* `L WITH exception`: judged as `L`. License exceptions only add permissions.
* An id the catalog does not know is `unknown` (SC302). `other` (a Hugging Face card's
  `license: other` without a `license_name`) is unknown too.
* A string that does not parse gives `unknown` with `parse_error` set. It never raises.
* Before parsing, the whole string is looked up as one id, so catalog aliases that contain
  spaces or punctuation ("Apache License, Version 2.0") resolve.
* Obligations are listed only for a `conditional` result. A license that permits a use
  outright (`yes`) contributes none, and the ordinary notice-keeping of permissive licenses
  is never listed (see `selectcheck.catalog.licenses`). A `no` result lists no obligations.

Policy lists (SC305): see `is_denied`. `evaluate_license` takes the same lists (`deny`,
`allow`): given them, an `OR` chooses only among the alternatives the policy accepts (unless it
accepts none), so SC301/SC303 judge the alternative a licensee may really pick under the
policy, and never one that SC305 would reject. The alternatives set aside are reported in
`LicenseVerdict.set_aside`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from selectcheck.compute.aliases import normalize_id

__all__ = [
    "LicenseVerdict",
    "Obligation",
    "ObligationKind",
    "Verdict",
    "canonical_expression",
    "declared_license",
    "evaluate_license",
    "is_denied",
    "license_ids",
    "same_license",
]

Verdict = Literal["yes", "no", "conditional", "unknown"]

Permission = Literal["yes", "no", "conditional"]
"""How a license treats one intended use."""

Use = Literal["commercial", "internal", "research"]
"""The intended uses a record may declare (`task.intended_use`)."""

USES: tuple[Use, ...] = ("commercial", "internal", "research")

ObligationKind = Literal[
    "user_cap",
    "attribution",
    "notice",
    "naming",
    "output_use",
    "acceptable_use",
    "regional_exclusion",
    "share_alike",
    "other",
]

_RANK: dict[Verdict, int] = {"no": 0, "unknown": 1, "conditional": 2, "yes": 3}


# One parser with no known symbols: every key is accepted and resolved through the catalog.
@functools.cache
def _licensing() -> Any:
    """The SPDX expression parser, imported on first use: plain ids (the common case) are
    looked up in the catalog without it, and a one-record run should not pay its import."""
    from license_expression import Licensing

    return Licensing()


_OTHER = "other"


@dataclass(frozen=True)
class Obligation:
    """One condition the chosen license attaches to the use, as a sentence for SC303."""

    license: str
    """Catalog id of the license that imposes it."""
    kind: ObligationKind
    text: str

    def __str__(self) -> str:
        return f"{self.license}: {self.text}"


class LicenseFacts(Protocol):
    """What the evaluation needs to know of one license (a license catalog entry)."""

    @property
    def id(self) -> str: ...

    def permission(self, use: Use) -> Permission: ...

    def obligations(self) -> tuple[Obligation, ...]: ...


class LicenseLookup(Protocol):
    """License facts by id or alias (the license catalog's index)."""

    def get(self, name: str) -> LicenseFacts | None: ...

    def __contains__(self, name: object) -> bool: ...


@dataclass(frozen=True)
class LicenseVerdict:
    """What a declared license string means for one intended use."""

    expression: str
    """The license string as the record declares it."""
    use: Use
    permitted: Verdict
    forbidding: tuple[str, ...] = ()
    """Catalog ids whose terms forbid the use; non-empty exactly when `permitted == "no"`."""
    details: tuple[Obligation, ...] = ()
    """The obligations, with the license each comes from (only for a `conditional` result)."""
    unknown: tuple[str, ...] = ()
    """Ids in the expression that the catalog does not know, as declared (anywhere in it,
    also in an `OR` alternative that was not chosen)."""
    basis: tuple[str, ...] = ()
    """Catalog ids the verdict rests on (for `OR`, those of the chosen alternative)."""
    parse_error: str | None = None
    """The parser's message when the string is not a valid license expression."""
    set_aside: tuple[str, ...] = ()
    """Ids (as declared) of `OR` alternatives that were not considered because the policy's
    deny/allow lists reject them (only when `evaluate_license` was given those lists and the
    policy accepts another alternative)."""

    @property
    def obligations(self) -> tuple[str, ...]:
        """The obligations as human-readable sentences, in catalog order."""
        return tuple(obligation.text for obligation in self.details)

    @property
    def parse_failed(self) -> bool:
        return self.parse_error is not None


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Leaf:
    """One license id of an expression, with its `WITH` exception."""

    name: str
    exception: str | None = None


@dataclass(frozen=True)
class _Op:
    """An AND or OR of license expressions."""

    op: Literal["AND", "OR"]
    args: tuple[_Leaf | _Op, ...]


_Node = _Leaf | _Op


@dataclass(frozen=True)
class _Parsed:
    """A parsed license expression, or why it could not be parsed."""

    node: _Node | None
    error: str | None = None


def _convert(expression: object) -> _Node:
    from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

    if isinstance(expression, LicenseWithExceptionSymbol):
        return _Leaf(str(expression.license_symbol.key), str(expression.exception_symbol.key))
    if isinstance(expression, LicenseSymbol):
        return _Leaf(str(expression.key))
    if isinstance(expression, AND):
        return _Op("AND", tuple(_convert(arg) for arg in expression.args))
    if isinstance(expression, OR):
        return _Op("OR", tuple(_convert(arg) for arg in expression.args))
    raise ValueError(f"unexpected element in license expression: {expression!r}")


def _parse(expression: object, index: LicenseLookup | None) -> _Parsed:
    if not isinstance(expression, str):
        return _Parsed(None, f"a license must be a string, not {type(expression).__name__}")
    text = expression.strip()
    if not text:
        return _Parsed(None, "the license is empty")
    if index is not None and text in index:
        return _Parsed(_Leaf(text))
    try:
        parsed = _licensing().parse(text)
        if parsed is None:
            return _Parsed(None, "the license is empty")
        return _Parsed(_convert(parsed))
    except RecursionError:
        return _Parsed(None, "the license expression is nested too deeply")
    except Exception as exc:  # the parser is third-party code: bad input must never escape
        message = str(exc) or type(exc).__name__
        return _Parsed(None, message)


def _leaves(node: _Node) -> Iterable[_Leaf]:
    if isinstance(node, _Leaf):
        yield node
        return
    for arg in node.args:
        yield from _leaves(arg)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# --------------------------------------------------------------------------- obligations


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class _Eval:
    """The verdict on one node of a license expression and the terms behind it."""

    permitted: Verdict
    forbidding: tuple[str, ...] = ()
    details: tuple[Obligation, ...] = ()
    basis: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    """Ids (as declared) that make the policy reject this node (the `is_denied` semantics)."""
    set_aside: tuple[str, ...] = ()
    """Ids of `OR` alternatives skipped because the policy rejects them."""


class _PolicyLists:
    """The policy's `licenses: {deny, allow}` lists, matched through the catalog."""

    def __init__(self, deny: Iterable[str], allow: Iterable[str], index: LicenseLookup | None) -> None:
        self._index = index
        self._deny = {_canonical_id(name, index) for name in deny}
        self._allow = {_canonical_id(name, index) for name in allow}

    def rejects(self, name: str) -> bool:
        key = _canonical_id(name, self._index)
        return key in self._deny or (bool(self._allow) and key not in self._allow)


def _evaluate(node: _Node, use: Use, index: LicenseLookup, lists: _PolicyLists) -> _Eval:
    if isinstance(node, _Leaf):
        rejected: tuple[str, ...] = (node.name,) if lists.rejects(node.name) else ()
        entry = index.get(node.name)
        if entry is None:
            return _Eval("unknown", rejected=rejected)
        permission = entry.permission(use)
        if permission == "no":
            return _Eval("no", forbidding=(entry.id,), basis=(entry.id,), rejected=rejected)
        if permission == "conditional":
            return _Eval(
                "conditional",
                details=entry.obligations(),
                basis=(entry.id,),
                rejected=rejected,
            )
        return _Eval("yes", basis=(entry.id,), rejected=rejected)

    results = [_evaluate(arg, use, index, lists) for arg in node.args]
    set_aside = _unique(s for result in results for s in result.set_aside)
    if node.op == "AND":
        worst = min((result.permitted for result in results), key=_RANK.__getitem__)
        basis = _unique(b for result in results for b in result.basis)
        rejected = _unique(r for result in results for r in result.rejected)
        if worst == "no":
            forbidding = _unique(f for result in results for f in result.forbidding)
            return _Eval("no", forbidding=forbidding, basis=basis, rejected=rejected, set_aside=set_aside)
        details = tuple(dict.fromkeys(d for result in results for d in result.details))
        return _Eval(worst, details=details, basis=basis, rejected=rejected, set_aside=set_aside)

    # OR: the licensee chooses, but only among the alternatives the policy accepts (as long as
    # it accepts one); the others are set aside. When it accepts none, the whole is rejected.
    pool = [result for result in results if not result.rejected]
    if pool:
        skipped = (r for result in results for r in result.rejected)
        set_aside = _unique((*set_aside, *skipped))
        rejected = ()
    else:
        pool = results
        rejected = _unique(r for result in results for r in result.rejected)
    best = max((result.permitted for result in pool), key=_RANK.__getitem__)
    if best == "no":
        forbidding = _unique(f for result in pool for f in result.forbidding)
        basis = _unique(b for result in pool for b in result.basis)
        return _Eval("no", forbidding=forbidding, basis=basis, rejected=rejected, set_aside=set_aside)
    candidates = [result for result in pool if result.permitted == best]
    chosen = min(candidates, key=lambda result: len(result.details))  # min() keeps the first
    return _Eval(
        best,
        details=chosen.details,
        basis=chosen.basis,
        rejected=rejected,
        set_aside=set_aside,
    )


def evaluate_license(
    expression: str,
    use: Use,
    index: LicenseLookup,
    *,
    deny: Iterable[str] = (),
    allow: Iterable[str] = (),
) -> LicenseVerdict:
    """Whether the declared license permits `use`, and on what conditions.

    With the policy's `deny`/`allow` lists, an `OR` alternative that the policy rejects is
    chosen only when every alternative is rejected (SC305 then reports the expression): the
    verdict is about what the licensee may use under the policy. Without them (the default)
    every alternative is open.

    Never raises for a bad `expression` (the verdict is `unknown` with `parse_error` set);
    raises `ValueError` only for a `use` that is not one of commercial, internal, research.
    """
    if use not in USES:
        raise ValueError(f"unknown intended use {use!r}; expected one of {', '.join(USES)}")
    deny, allow = tuple(deny), tuple(allow)
    # Verdicts are pure functions of their inputs and catalogs are immutable: a repository's
    # records use a handful of licenses, so each verdict is worked out once per process.
    key = (expression, use, deny, allow, id(index)) if isinstance(expression, str) else None
    cached = _VERDICTS.get(key) if key is not None else None
    if cached is not None and cached[0] is index:
        return cached[1]
    verdict = _evaluate_license(expression, use, index, deny, allow)
    if key is not None and len(_VERDICTS) < 10_000:
        _VERDICTS[key] = (index, verdict)
    return verdict


_VERDICTS: dict[tuple[object, ...], tuple[LicenseLookup, LicenseVerdict]] = {}


def _evaluate_license(
    expression: str,
    use: Use,
    index: LicenseLookup,
    deny: tuple[str, ...],
    allow: tuple[str, ...],
) -> LicenseVerdict:
    shown = expression if isinstance(expression, str) else repr(expression)
    parsed = _parse(expression, index)
    if parsed.node is None:
        return LicenseVerdict(shown, use, "unknown", parse_error=parsed.error)
    lists = _PolicyLists(deny, allow, index)
    try:
        result = _evaluate(parsed.node, use, index, lists)
        unknown = _unique(leaf.name for leaf in _leaves(parsed.node) if leaf.name not in index)
    except RecursionError:
        return LicenseVerdict(shown, use, "unknown", parse_error="the license expression is nested too deeply")
    return LicenseVerdict(
        expression=shown,
        use=use,
        permitted=result.permitted,
        forbidding=result.forbidding,
        details=result.details,
        unknown=unknown,
        basis=result.basis,
        set_aside=result.set_aside,
    )


# --------------------------------------------------------------------------- helpers


def declared_license(license: str | None, license_name: str | None = None) -> str | None:
    """The string to evaluate for a candidate: `license_name` when the card-style `license`
    is `other` and a name is given, else `license` itself (so a bare `other` stays `other`,
    which the catalog does not know: SC302)."""
    if license is None:
        return license_name
    if normalize_id(license) == _OTHER and license_name and license_name.strip():
        return license_name.strip()
    return license


def license_ids(expression: str, index: LicenseLookup | None = None) -> tuple[str, ...]:
    """The license ids an expression names, as declared, in order, without repeats (the
    license part of `WITH` only); empty when it does not parse."""
    parsed = _parse(expression, index)
    if parsed.node is None:
        return ()
    try:
        return _unique(leaf.name for leaf in _leaves(parsed.node))
    except RecursionError:
        return ()


def _canonical_id(name: str, index: LicenseLookup | None) -> str:
    entry = index.get(name) if index is not None else None
    return normalize_id(entry.id if entry is not None else name)


def _render(node: _Node, index: LicenseLookup | None, top: bool = True) -> str:
    if isinstance(node, _Leaf):
        key = _canonical_id(node.name, index)
        return f"{key} WITH {normalize_id(node.exception)}" if node.exception else key
    text = f" {node.op} ".join(_render(arg, index, top=False) for arg in node.args)
    return text if top else f"({text})"


def canonical_expression(expression: str, index: LicenseLookup | None = None) -> str | None:
    """The expression with every id replaced by its catalog id (or, for ids the catalog does
    not know, by their normalised spelling) and upper-case operators; None if it does not
    parse. `Apache-2.0 or mit` → `apache-2.0 OR mit`."""
    parsed = _parse(expression, index)
    if parsed.node is None:
        return None
    try:
        return _render(parsed.node, index)
    except RecursionError:
        return None


def same_license(a: str, b: str, index: LicenseLookup | None = None) -> bool:
    """Whether two license strings name the same license terms (SC304: declared vs catalog).

    Aliases are resolved through the catalog (`Apache-2.0` == `apache-2.0` ==
    `Apache License 2.0`), and expressions are compared as boolean formulas, so
    `MIT OR Apache-2.0` == `Apache-2.0 OR mit`. Strings that do not parse are compared by
    their normalised spelling. Pass `other`/`license_name` pairs through `declared_license`
    first.
    """
    canonical_a = canonical_expression(a, index)
    canonical_b = canonical_expression(b, index)
    if canonical_a is None or canonical_b is None:
        if not isinstance(a, str) or not isinstance(b, str):
            return False
        return canonical_a is None and canonical_b is None and normalize_id(a) == normalize_id(b)
    if canonical_a == canonical_b:
        return True
    try:
        return bool(_licensing().is_equivalent(canonical_a, canonical_b))
    except Exception:  # third-party parser: a comparison must never raise
        return False


def is_denied(
    expression: str,
    deny: Iterable[str],
    allow: Iterable[str] = (),
    index: LicenseLookup | None = None,
) -> list[str]:
    """The ids (as declared) that make the policy's `licenses: {deny, allow}` reject the
    expression (SC305); an empty list when the policy accepts it.

    * An id matches a list entry when both name the same catalog entry (so `CC-BY-NC-4.0`
      in the policy matches `cc-by-nc-4.0` in a record), or, for ids the catalog does not
      know, when their normalised spellings agree.
    * One id is rejected when it is on the deny list, or when the allow list is non-empty and
      the id is not on it. Deny wins over allow.
    * `AND`: every operand is required, so a rejected id anywhere in it rejects the whole.
    * `OR`: the licensee may choose, so the expression is accepted when at least one
      alternative is accepted; when none is, the rejected ids of all alternatives are
      returned. `evaluate_license(..., deny=, allow=)` chooses among the same accepted
      alternatives, so SC301/SC303 never judge an alternative this function rejects.
    * `WITH`: judged by its license id; an exception is never matched.
    * A string that does not parse is judged as one id.
    """
    lists = _PolicyLists(deny, allow, index)
    rejected = lists.rejects

    def walk(node: _Node) -> list[str]:
        if isinstance(node, _Leaf):
            return [node.name] if rejected(node.name) else []
        parts = [walk(arg) for arg in node.args]
        if node.op == "OR" and any(not part for part in parts):
            return []
        return list(_unique(name for part in parts for name in part))

    parsed = _parse(expression, index)
    if parsed.node is None:
        text = expression.strip() if isinstance(expression, str) else ""
        return [text] if text and rejected(text) else []
    try:
        return walk(parsed.node)
    except RecursionError:
        return []
