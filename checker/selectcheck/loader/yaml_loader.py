"""Turn untrusted bytes into plain data plus the YAML node tree that locates every value.

Records and policies come from pull requests, so this loader is defensive by design:
- safe YAML only: scalars, sequences and mappings; any other tag is refused, nothing is
  constructed from a tag;
- bounded: file size, nesting depth and alias expansion all have limits (DESIGN §9);
- precise: libyaml (when present) composes the node tree in C; we construct plain values
  ourselves in one walk, which also finds duplicate keys, and keep the tree so a
  diagnostic can point at the exact node later. Locations are only computed for
  diagnostics that need them.
Dates stay strings ("2026-11-20"), so a bare YAML date and a quoted one are the same value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from selectcheck.diagnostics import FILE_START, Span
from selectcheck.loader.files import RefusedFile, read_regular

try:  # libyaml's C parser is ~10x faster; fall back to pure Python where it is missing.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

_TAG_PREFIX = "tag:yaml.org,2002:"
_STR = _TAG_PREFIX + "str"
_TIMESTAMP = _TAG_PREFIX + "timestamp"
_INT = _TAG_PREFIX + "int"
_FLOAT = _TAG_PREFIX + "float"
_BOOL = _TAG_PREFIX + "bool"
_NULL = _TAG_PREFIX + "null"
_SEQ = _TAG_PREFIX + "seq"
_MAP = _TAG_PREFIX + "map"
_MERGE = _TAG_PREFIX + "merge"

# Which plain scalars are booleans, numbers and nulls. YAML 1.2 is what editors
# (yaml-language-server), check-jsonschema (ruamel.yaml) and JSON Schema users expect: `no`,
# `on`, `8:00` and `0150`'s leading zero mean nothing special. These are ruamel.yaml's
# patterns, version by version, so selectcheck and `check-jsonschema` read every record the
# same way; PyYAML's own resolver is YAML 1.1. A document that declares `%YAML 1.1` is read
# as YAML 1.1, as ruamel.yaml does.
_BOOL_12 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_BOOL_11 = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
_BOOL_WORDS = {"yes": True, "no": False, "y": True, "n": False, "true": True, "false": False, "on": True, "off": False}
_FLOAT_12 = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_FLOAT_11 = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT_12 = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$")
_INT_11 = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0?[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
    re.X,
)
_NULL_WORDS = re.compile(r"^(?:~|null|Null|NULL|)$")
_TIMESTAMP_TEXT = re.compile(
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?
    :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
    re.X,
)


def _resolver_table(
    bools: re.Pattern[str], bool_starts: str, floats: re.Pattern[str], ints: re.Pattern[str]
) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """First character → the (tag, pattern) pairs to try, in ruamel.yaml's order."""
    rules = [
        (_BOOL, bools, bool_starts),
        (_FLOAT, floats, "-+.0123456789"),
        (_INT, ints, "-+0123456789"),
        (_MERGE, re.compile(r"^<<$"), "<"),
        (_NULL, _NULL_WORDS, "~nN"),
        (_NULL, _NULL_WORDS, ""),  # the empty scalar
        (_TIMESTAMP, _TIMESTAMP_TEXT, "0123456789"),
    ]
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, pattern, starts in rules:
        for char in starts or [""]:
            table.setdefault(char, []).append((tag, pattern))
    return table


# By version: YAML 1.1 (a `%YAML 1.1` directive) or YAML 1.2.
_RESOLVERS = {
    False: _resolver_table(_BOOL_12, "tTfF", _FLOAT_12, _INT_12),
    True: _resolver_table(_BOOL_11, "yYnNtTfFoO", _FLOAT_11, _INT_11),
}
# Resolved tags per scalar text, per version: records repeat the same keys and values.
_IMPLICIT_TAGS: dict[bool, dict[str, str]] = {False: {}, True: {}}


def resolve_plain(text: str, yaml11: bool = False) -> str:
    """The tag of a plain (unquoted, untagged) scalar."""
    cache = _IMPLICIT_TAGS[yaml11]
    tag = cache.get(text)
    if tag is None:
        tag = _STR
        for candidate, pattern in _RESOLVERS[yaml11].get(text[:1], ()):
            if pattern.match(text):
                tag = candidate
                break
        if len(cache) < 100_000:
            cache[text] = tag
    return tag


# Python refuses to convert decimal integers longer than this (CVE-2020-10735); a longer
# number in any base is refused while loading, so no later step can meet one.
MAX_INT_DIGITS = 4300
_INT_LIMIT = 10**MAX_INT_DIGITS


class _NumberTooLong(Exception):
    pass


def _int_value(text: str, yaml11: bool) -> int | None:
    """The integer a YAML int scalar stands for; None where the text is not one after all
    (`0b_`, `-_`): such a scalar stays a string. Raises _NumberTooLong past the limit."""
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits[1:] if digits[:1] in ("+", "-") else digits
    if yaml11 and ":" in digits and digits[:2] not in ("0b", "0x", "0o"):
        value = 0
        for part in digits.split(":"):  # base 60
            if not part.isdigit():
                return None
            value = value * 60 + int(part)
            if value >= _INT_LIMIT:
                raise _NumberTooLong
        return sign * value
    if digits[:2] in ("0b", "0x", "0o"):
        base, body = {"0b": 2, "0x": 16, "0o": 8}[digits[:2]], digits[2:]
    elif yaml11 and len(digits) > 1 and digits[0] == "0":
        base, body = 8, digits
    else:
        base, body = 10, digits
    if base == 10 and len(body) > MAX_INT_DIGITS:
        raise _NumberTooLong  # before int(), which refuses it with a ValueError of its own
    try:
        value = int(body, base)
    except ValueError:
        return None
    if value >= _INT_LIMIT:  # a hexadecimal or binary number that has no short decimal form
        raise _NumberTooLong
    return sign * value


def _float_value(text: str, yaml11: bool) -> float | None:
    digits = text.replace("_", "").lower()
    sign = -1.0 if digits.startswith("-") else 1.0
    digits = digits[1:] if digits[:1] in ("+", "-") else digits
    if digits == ".inf":
        return sign * math.inf
    if digits == ".nan":
        return math.nan
    try:
        if yaml11 and ":" in digits:
            value = 0.0
            for part in digits.split(":"):
                value = value * 60 + float(part)
            return sign * value
        return sign * float(digits)
    except ValueError:
        return None


def _bool_value(text: str) -> bool | None:
    return _BOOL_WORDS.get(text.lower())


class _Loader(_BaseLoader):
    """libyaml composes nodes in C but asks this Python resolver for every plain scalar's tag
    (most of the parse time: hence the cache), and the path-resolver hooks, unused by safe
    loading, are skipped."""

    yaml11 = False

    def resolve(self, kind: Any, value: Any, implicit: Any, _scalar: Any = yaml.ScalarNode) -> Any:
        if kind is _scalar and implicit[0]:
            return resolve_plain(value, self.yaml11)
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


_DIRECTIVE = re.compile(r"%YAML[ \t]+1\.1(?:[ \t]|#|$)")


def _declares_yaml11(text: str) -> bool:
    """Whether the document starts with a `%YAML 1.1` directive (before its first content)."""
    if "%YAML" not in text[:4096]:
        return False
    for line in _LINE_BREAK.split(text):
        stripped = line.strip()
        if line.startswith("%YAML"):
            return _DIRECTIVE.match(line) is not None
        if line.startswith("%") or not stripped or stripped.startswith("#"):
            continue
        return False
    return False


@dataclass(frozen=True, slots=True)
class LoadLimits:
    """Bounds on what one YAML file may make the loader build."""

    max_bytes: int = 1024 * 1024
    max_depth: int = 64
    # Expanded node count: aliases make a small file stand for a huge value (billion laughs).
    max_nodes: int = 200_000


@dataclass(slots=True)
class LoadFailure:
    """One problem found while loading; `fatal` means there is no usable data."""

    code: str
    message: str
    help: str
    span: Span
    pointer: str = ""
    fatal: bool = True


class _Abort(Exception):
    def __init__(self, failure: LoadFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def _span_of_mark(mark: Any, end_mark: Any | None = None) -> Span:
    line, col = mark.line + 1, mark.column + 1
    if end_mark is None or end_mark.line != mark.line:
        return Span(line, col, line, col + 1)
    return Span(line, col, end_mark.line + 1, max(end_mark.column + 1, col + 1))


def _escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer_tokens(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]


def has_pointer(data: Any, pointer: str) -> bool:
    """Whether the mappings of `data` lead all the way along `pointer`."""
    for token in pointer_tokens(pointer):
        if not isinstance(data, dict) or token not in data:
            return False
        data = data[token]
    return True


def join_pointer(base: str, token: str | int) -> str:
    return f"{base}/{_escape_pointer_token(str(token))}"


@dataclass(frozen=True, slots=True)
class Yaml11Reading:
    """A plain scalar that a YAML 1.1 reader (PyYAML, older tools) reads as another value:
    `no` as false, `8:00` as 480, `0150` as 104. selectcheck reads YAML 1.2 (`"no"`,
    `"8:00"`, 150); the schema stage turns these into a fix where the difference matters."""

    text: str
    value: Any


@dataclass(slots=True)
class LoadedDocument:
    """A parsed YAML file: plain `data`, the node tree and the text, for locating findings."""

    path: str
    text: str
    data: Any
    root: yaml.Node | None
    failures: list[LoadFailure] = field(default_factory=list)
    # JSON pointer → the scalar there that YAML 1.1 would read differently (usually empty).
    yaml11: dict[str, Yaml11Reading] = field(default_factory=dict)
    yaml11_mode: bool = False
    _lines: list[str] | None = None
    # Mapping node id → {key as the data has it: (key node, value node)}, built on first use,
    # so locating any number of findings costs one pass over the mappings they touch.
    _children: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def _mapping_children(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        children = self._children.get(id(node))
        if children is None:
            children = self._index_mapping(node, 0)
            self._children[id(node)] = children
        return children

    def _index_mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Keys as the constructor reads them: merged keys first (earlier sources win), then
        the mapping's own keys (the last duplicate wins)."""
        merged: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        own: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                if depth > 64:
                    continue
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                from_this_key: dict[str, tuple[yaml.Node, yaml.Node]] = {}
                for source in reversed(sources):
                    if isinstance(source, yaml.MappingNode):
                        from_this_key.update(self._index_mapping(source, depth + 1))
                merged.update(from_this_key)
            elif isinstance(key_node, yaml.ScalarNode):
                own[_key_text(key_node, self.yaml11_mode)] = (key_node, value_node)
        return {**merged, **own}

    def _walk(self, pointer: str) -> tuple[yaml.Node | None, yaml.Node | None, bool]:
        """(deepest node reached, key node of the last step, whether the full path exists)."""
        node, key_node = self.root, None
        for token in pointer_tokens(pointer):
            if isinstance(node, yaml.MappingNode):
                found = self._mapping_children(node).get(token)
                if found is None:
                    return node, key_node, False
                key_node, node = found
            elif isinstance(node, yaml.SequenceNode):
                # Indexes are short; a long digit string is a key, not an index.
                if token.isdigit() and len(token) < 10 and int(token) < len(node.value):
                    node, key_node = node.value[int(token)], None
                else:
                    return node, key_node, False
            else:
                return node, key_node, False
        return node, key_node, True

    def locate(self, pointer: str, *, key: bool = False) -> Span:
        """Span of the node at `pointer`; with `key=True` the span of its mapping key.

        A pointer that does not exist (a missing property) resolves to the key of the
        deepest node that does, so the finding still lands on the right mapping.
        """
        node, key_node, complete = self._walk(pointer)
        if (key or not complete) and key_node is not None:
            return self._node_span(key_node)
        if node is None:
            return FILE_START
        return self._node_span(node)

    def scalar_text(self, pointer: str) -> str | None:
        """The scalar at `pointer` exactly as written (`71.20` keeps its trailing zero, which
        says how precisely the number was stated); None when it is not a scalar."""
        node, _, complete = self._walk(pointer)
        return node.value if complete and isinstance(node, yaml.ScalarNode) else None

    def _node_span(self, node: yaml.Node) -> Span:
        start, end = node.start_mark, node.end_mark
        if isinstance(node, yaml.ScalarNode) or start.line == end.line:
            return _span_of_mark(start, end)
        # A block collection ends where the next one starts; underline its first line only,
        # up to a trailing comment.
        line_text = self.lines[start.line] if start.line < len(self.lines) else ""
        comment = line_text.find(" #", start.column)
        content = line_text[:comment] if comment != -1 else line_text
        end_col = max(len(content.rstrip()) + 1, start.column + 2)
        return Span(start.line + 1, start.column + 1, start.line + 1, end_col)


def _is_plain(node: yaml.ScalarNode) -> bool:
    return not node.style  # the C loader says "", the Python one None


def _key_text(node: yaml.ScalarNode, yaml11: bool) -> str:
    """A mapping key as the data has it (`1e3:` is the key "1000.0"), never raising."""
    if not _is_plain(node) or node.tag == _STR:
        return str(node.value)
    try:
        value = _scalar_value(node, yaml11)
    except (_NumberTooLong, _BadScalar):
        return str(node.value)
    return value if value.__class__ is str else str(value)


class _BadScalar(Exception):
    """An explicitly tagged scalar whose text does not fit its tag (`!!int abc`)."""


def _scalar_value(node: yaml.ScalarNode, yaml11: bool) -> Any:
    """The plain value of a scalar node; raises _NumberTooLong, _BadScalar or _Refused."""
    tag, text = node.tag, node.value
    if tag in (_STR, _TIMESTAMP):  # dates stay text, as in JSON
        return text
    if tag == _NULL:
        return None
    plain = _is_plain(node)
    if tag == _INT:
        number: int | float | None = _int_value(text, yaml11)
    elif tag == _FLOAT:
        number = _float_value(text, yaml11)
    elif tag == _BOOL:
        boolean = _bool_value(text)
        if boolean is None:
            raise _BadScalar
        return boolean
    else:
        raise _Refused
    if number is None:
        if plain and resolve_plain(text, yaml11) == tag:  # a pattern match that is no number (`0b_`)
            return text
        raise _BadScalar  # an explicit tag that does not fit (`!!int abc`)
    return number


class _Refused(Exception):
    """A tag selectcheck never constructs."""


def _yaml11_reading(text: str, value: Any) -> Yaml11Reading | None:
    """How YAML 1.1 would read a plain scalar that YAML 1.2 read as `value`, where the two
    differ in a way a reader can trip over: booleans (`no`), base-60 numbers (`8:00`), octal
    (`0150`). Numbers YAML 1.1 leaves as text (`1e3`, `0o17`) are not traps: no YAML 1.1
    reader takes them for another number."""
    first = text[:1]
    if first in "yYnNoO":
        if value.__class__ is str and _BOOL_11.match(text):
            return Yaml11Reading(text, _BOOL_WORDS[text.lower()])
        return None
    if first not in "-+0123456789" or value.__class__ is bool:
        return None
    if ":" in text and value.__class__ is str:
        try:
            if _INT_11.match(text):
                number: Any = _int_value(text, True)
            elif _FLOAT_11.match(text):
                number = _float_value(text, True)
            else:
                return None
        except _NumberTooLong:
            return None
        if number is None or (isinstance(number, float) and not math.isfinite(number)):
            return None
        return Yaml11Reading(text, number)
    if value.__class__ is int and _INT_11.match(text) and text.lstrip("+-")[:1] == "0":
        try:
            octal = _int_value(text, True)
        except _NumberTooLong:
            return None
        if octal is not None and octal != value:
            return Yaml11Reading(text, octal)
    return None


class _Constructor:
    """Plain values from a composed node tree, with duplicate-key, depth and size checks.

    The walk is the hot path of every run, so it keeps no pointers: a path stack of keys is
    joined into a JSON pointer only when a failure needs one.
    """

    def __init__(self, limits: LoadLimits, yaml11: bool = False) -> None:
        self.limits = limits
        self.yaml11 = yaml11
        self.expanded = 0
        self.seen: dict[int, tuple[Any, int]] = {}
        self.failures: list[LoadFailure] = []
        self.readings: dict[str, Yaml11Reading] = {}
        self.path: list[str] = []

    def pointer(self, *extra: str | int) -> str:
        return "".join("/" + _escape_pointer_token(str(t)) for t in (*self.path, *extra))

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        cached = self.seen.get(id(node))
        if cached is not None:  # an alias: count its whole expanded size again
            value, size = cached
            self._count(size, node)
            return value
        if depth > self.limits.max_depth:
            raise _Abort(
                LoadFailure(
                    "SC005",
                    f"nesting is deeper than {self.limits.max_depth} levels",
                    "Records are shallow; flatten the structure.",
                    _span_of_mark(node.start_mark),
                    self.pointer(),
                )
            )
        before = self.expanded
        self.expanded += 1
        cls = node.__class__
        if cls is yaml.ScalarNode:
            scalar: yaml.ScalarNode = node  # type: ignore[assignment]
            value = self._scalar(scalar)
            if not self.yaml11 and not scalar.style and scalar.value[:1] in _TRAP_START:
                reading = _yaml11_reading(scalar.value, value)
                if reading is not None:
                    self.readings[self.pointer()] = reading
        elif cls is yaml.SequenceNode:
            if node.tag != _SEQ:
                raise _Abort(self._tag_failure(node))
            value = []
            path = self.path
            for index, child in enumerate(node.value):
                path.append(str(index))
                value.append(self.build(child, depth + 1))
                path.pop()
        else:
            if node.tag != _MAP:
                raise _Abort(self._tag_failure(node))
            value = self._mapping(node, depth)  # type: ignore[arg-type]
        size = self.expanded - before
        if self.expanded > self.limits.max_nodes:
            self._count(0, node)
        self.seen[id(node)] = (value, size)
        return value

    def _count(self, size: int, node: yaml.Node) -> None:
        self.expanded += size
        if self.expanded > self.limits.max_nodes:
            raise _Abort(
                LoadFailure(
                    "SC005",
                    f"aliases expand to more than {self.limits.max_nodes:,} values",
                    "Remove the anchors and aliases; a record never needs this many values.",
                    _span_of_mark(node.start_mark, node.end_mark),
                    self.pointer(),
                )
            )

    def _tag_failure(self, node: yaml.Node) -> LoadFailure:
        return LoadFailure(
            "SC001",
            f"the tag {node.tag.replace(_TAG_PREFIX, '!!')!r} is not allowed: records are plain data",
            "Remove the tag; selectcheck never constructs objects from YAML.",
            _span_of_mark(node.start_mark, node.end_mark),
            self.pointer(),
        )

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return _scalar_value(node, self.yaml11)
        except _Refused:
            raise _Abort(self._tag_failure(node)) from None
        except _NumberTooLong:
            raise _Abort(
                LoadFailure(
                    "SC005",
                    f"this number is longer than {MAX_INT_DIGITS:,} decimal digits, too long to be read safely",
                    "No field needs a number this long; write the value you mean (for example 8.03e9).",
                    _span_of_mark(node.start_mark, node.end_mark),
                    self.pointer(),
                )
            ) from None
        except _BadScalar:
            tag = node.tag.replace(_TAG_PREFIX, "!!")
            raise _Abort(
                LoadFailure(
                    "SC001",
                    f"{_short(node.value)!r} is not a valid {tag} value",
                    f"Remove the {tag} tag, or write a value of that type.",
                    _span_of_mark(node.start_mark, node.end_mark),
                    self.pointer(),
                )
            ) from None

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        key_nodes: dict[str, yaml.Node] = {}
        merged: dict[str, Any] | None = None
        merge_key: yaml.Node | None = None
        path = self.path
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                if merge_key is not None:
                    self._duplicate(
                        "<<",
                        key_node,
                        merge_key,
                        "YAML allows one merge key per mapping, and loaders disagree on which one wins",
                        "Merge several mappings with one key: `<<: [*a, *b]`.",
                    )
                merge_key = key_node
                merged = {**(merged or {}), **self._merge_source(value_node, depth)}
                continue
            if key_node.__class__ is not yaml.ScalarNode:
                raise _Abort(
                    LoadFailure(
                        "SC001",
                        "a mapping key must be a plain scalar",
                        "Use a plain string as the key.",
                        _span_of_mark(key_node.start_mark, key_node.end_mark),
                        self.pointer(),
                    )
                )
            value = self._scalar(key_node)
            key = value if value.__class__ is str else str(value)
            if key in key_nodes:
                self._duplicate(
                    key,
                    key_node,
                    key_nodes[key],
                    "YAML loaders silently keep only the last value",
                    "Delete one of the two entries or merge them.",
                )
            key_nodes[key] = key_node
            path.append(key)
            result[key] = self.build(value_node, depth + 1)
            path.pop()
        if merged:
            for key, item in merged.items():
                result.setdefault(key, item)
        return result

    def _duplicate(self, key: str, key_node: yaml.Node, first_node: yaml.Node, why: str, help: str) -> None:
        first = first_node.start_mark
        self.failures.append(
            LoadFailure(
                "SC004",
                f"key {_short(key)!r} is repeated (first at line {first.line + 1}); {why}",
                help,
                _span_of_mark(key_node.start_mark, key_node.end_mark),
                self.pointer(key),
                fatal=False,
            )
        )

    def _merge_source(self, node: yaml.Node, depth: int) -> dict[str, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):  # earlier sources win, as in YAML 1.1
            value = self.build(source, depth + 1)
            if not isinstance(value, dict):
                raise _Abort(
                    LoadFailure(
                        "SC001",
                        "a merge key (<<) must name a mapping",
                        "Merge only mappings, or write the keys out.",
                        _span_of_mark(source.start_mark, source.end_mark),
                        self.pointer(),
                    )
                )
            merged.update(value)
        return merged


# First characters of the plain scalars that YAML 1.1 can read differently.
_TRAP_START = frozenset("yYnNoO-+0123456789")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


_NON_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# YAML's line breaks: CRLF, LF, and a lone CR (classic Mac files).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _position_of_offset(text_bytes: bytes, offset: int) -> Span:
    before = text_bytes[:offset].decode("utf-8", "replace")
    lines = _LINE_BREAK.split(before)
    line = len(lines)
    column = len(lines[-1].encode("utf-8", "replace")) + 1
    return Span(line, column, line, column + 1)


def _decode(raw: bytes) -> str | LoadFailure:
    nul = raw.find(b"\x00")
    if nul != -1:
        return LoadFailure(
            "SC005",
            "the file is binary (it contains NUL bytes), not a YAML record",
            "Records are UTF-8 text; remove the file or exclude it from the checked paths.",
            _position_of_offset(raw, nul),
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return LoadFailure(
            "SC005",
            f"the file is not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded",
            "Save the file as UTF-8 (for example `iconv -f latin1 -t utf-8`).",
            _position_of_offset(raw, exc.start),
        )
    match = _NON_TEXT.search(text)
    if match:
        prefix = text[: match.start()].encode()
        return LoadFailure(
            "SC005",
            f"the file contains the control character U+{ord(match.group()):04X}",
            "Remove the control character; YAML allows only printable text.",
            _position_of_offset(prefix, len(prefix)),
        )
    return text


# A line with content: not blank, not a comment, not a bare document marker. A line starts
# after any YAML line break, a lone CR included.
_CONTENT_LINE = re.compile(r"(?:^|(?<=\r))[ \t]*(?!#|(?:---|\.\.\.)[ \t]*(?:[\r\n]|$))[^\s]", re.M)


def _only_comments(text: str) -> bool:
    return _CONTENT_LINE.search(text) is None


def _syntax_help(problem: str, context: str, text: str, mark: Any) -> str:
    """The likely fix for the parser errors people meet most, else a general hint."""
    line = text.splitlines()[mark.line] if mark is not None and mark.line < len(text.splitlines()) else ""
    if "mapping values are not allowed" in problem:
        key, _, value = line.strip().partition(": ")
        example = f'`{key}: "{value.split("  #")[0].strip()}"`' if value else "the value in double quotes"
        return (
            f"A value that contains `: ` must be quoted, or YAML reads a second key: write {example}. "
            "Or the line is indented under a key that already has a value: align it with its siblings."
        )
    if "tab" in problem:
        return "Indent with spaces, not tabs (YAML forbids tabs in indentation)."
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return (
            "A line is indented differently from its siblings, or a value runs on without a `key:`: "
            "align the keys of one mapping at the same column."
        )
    if "found undefined alias" in problem or "found character '@'" in problem or "found character '`'" in problem:
        return "A value that starts with `*`, `@` or a backtick must be quoted."
    return "Fix the YAML syntax at this position (check indentation, quotes and brackets)."


def _syntax_failure(exc: yaml.MarkedYAMLError, text: str) -> LoadFailure:
    mark = exc.problem_mark or exc.context_mark
    span = _span_of_mark(mark) if mark is not None else FILE_START
    problem = exc.problem or exc.context or "invalid YAML"
    if "maximum nesting depth" in problem:
        return LoadFailure(
            "SC005",
            "nesting exceeds the YAML parser's depth limit",
            "Records are shallow; flatten the structure.",
            span,
        )
    if "expected a single document" in (exc.context or ""):
        return LoadFailure(
            "SC005",
            "the file holds several YAML documents; a record is one document",
            "Split the documents into one file per record.",
            span,
        )
    context = f" ({exc.context})" if exc.context and exc.context != problem else ""
    return LoadFailure(
        "SC001",
        f"invalid YAML: {problem}{context}",
        _syntax_help(problem, exc.context or "", text, mark),
        span,
    )


def load_text(text: str, path: str, limits: LoadLimits = LoadLimits()) -> LoadedDocument:
    if _only_comments(text):
        return LoadedDocument(
            path,
            text,
            None,
            None,
            [
                LoadFailure(
                    "SC005",
                    "the file is empty",
                    "Write a record (see `selectcheck new`) or delete the file.",
                    FILE_START,
                )
            ],
        )
    yaml11 = _declares_yaml11(text)
    loader = _Loader(text)
    loader.yaml11 = yaml11
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return LoadedDocument(path, text, None, None, [_syntax_failure(exc, text)])
    except yaml.YAMLError as exc:  # pragma: no cover - every libyaml error carries a mark
        return LoadedDocument(path, text, None, None, [LoadFailure("SC001", f"invalid YAML: {exc}", "", FILE_START)])
    except RecursionError:  # the pure-Python composer on absurd nesting
        return LoadedDocument(
            path,
            text,
            None,
            None,
            [LoadFailure("SC005", "nesting is too deep", "Flatten the structure.", FILE_START)],
        )
    finally:
        loader.dispose()
    constructor = _Constructor(limits, yaml11)
    try:
        data = constructor.build(root) if root is not None else None
    except _Abort as abort:
        return LoadedDocument(path, text, None, root, [*constructor.failures, abort.failure], yaml11_mode=yaml11)
    return LoadedDocument(path, text, data, root, constructor.failures, constructor.readings, yaml11)


def load_bytes(raw: bytes, path: str, limits: LoadLimits = LoadLimits()) -> LoadedDocument:
    if len(raw) > limits.max_bytes:
        return _too_large(path, len(raw), limits)
    decoded = _decode(raw)
    if isinstance(decoded, LoadFailure):
        return LoadedDocument(path, "", None, None, [decoded])
    return load_text(decoded, path, limits)


def _too_large(path: str, size: int, limits: LoadLimits) -> LoadedDocument:
    return LoadedDocument(
        path,
        "",
        None,
        None,
        [
            LoadFailure(
                "SC005",
                f"the file is {size:,} bytes, over the {limits.max_bytes:,}-byte limit",
                "Records are small; split the file or exclude it from the checked paths.",
                FILE_START,
            )
        ],
    )


def load_path(path: Path, display: str, limits: LoadLimits = LoadLimits()) -> LoadedDocument:
    """Read at most the size limit plus one byte of a regular file (a 50 MB file is never
    read whole; links, FIFOs and devices are refused, see `loader.files`)."""
    try:
        raw = read_regular(path, limits.max_bytes)
    except RefusedFile as exc:
        return unreadable(display, f"the file is not read: {exc}", "Commit the record itself as a regular file.")
    except OSError as exc:
        message = f"the file cannot be read: {exc.strerror or exc}"
        return unreadable(display, message, "Check the path and its permissions.")
    if len(raw) > limits.max_bytes:
        try:
            size = path.stat().st_size
        except OSError:
            size = len(raw)
        return _too_large(display, size, limits)
    return load_bytes(raw, display, limits)


def unreadable(display: str, message: str, help: str) -> LoadedDocument:
    """A file that could not be read at all: SC005 at its first line."""
    return LoadedDocument(display, "", None, None, [LoadFailure("SC005", message, help, FILE_START)])
