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

_IMPLICIT_TAGS: dict[str, str] = {}


class _Loader(_BaseLoader):
    """libyaml composes nodes in C but asks PyYAML's Python resolver for every scalar's tag,
    which is most of the parse time. Records repeat the same keys and values, so resolved
    tags are cached per scalar text (the resolution depends on nothing else in a safe
    loader), and the path-resolver hooks, unused by safe loading, are skipped."""

    def resolve(self, kind: Any, value: Any, implicit: Any, _scalar: Any = yaml.ScalarNode) -> Any:
        if kind is _scalar and implicit[0]:
            tag = _IMPLICIT_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(_IMPLICIT_TAGS) < 100_000:
                    _IMPLICIT_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

_TAG_PREFIX = "tag:yaml.org,2002:"
_scalar_constructor = yaml.constructor.SafeConstructor()


@dataclass(frozen=True, slots=True)
class LoadLimits:
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


def join_pointer(base: str, token: str | int) -> str:
    return f"{base}/{_escape_pointer_token(str(token))}"


@dataclass(slots=True)
class LoadedDocument:
    """A parsed YAML file: plain `data`, the node tree and the text, for locating findings."""

    path: str
    text: str
    data: Any
    root: yaml.Node | None
    failures: list[LoadFailure] = field(default_factory=list)
    _lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def _walk(self, pointer: str) -> tuple[yaml.Node | None, yaml.Node | None, bool]:
        """(deepest node reached, key node of the last step, whether the full path exists)."""
        node, key_node = self.root, None
        for token in pointer_tokens(pointer):
            if isinstance(node, yaml.MappingNode):
                for k, v in reversed(node.value):  # the last duplicate wins, as in the data
                    if isinstance(k, yaml.ScalarNode) and k.value == token:
                        node, key_node = v, k
                        break
                else:
                    return node, key_node, False
            elif isinstance(node, yaml.SequenceNode):
                if token.isdigit() and int(token) < len(node.value):
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


_STR = _TAG_PREFIX + "str"
_TIMESTAMP = _TAG_PREFIX + "timestamp"
_INT = _TAG_PREFIX + "int"
_FLOAT = _TAG_PREFIX + "float"
_BOOL = _TAG_PREFIX + "bool"
_NULL = _TAG_PREFIX + "null"
_SEQ = _TAG_PREFIX + "seq"
_MAP = _TAG_PREFIX + "map"
_MERGE = _TAG_PREFIX + "merge"
# YAML 1.1 (PyYAML) reads `8.03e9` as a string: its float pattern needs a dot and a signed
# exponent. Records write parameter counts that way, so plain scalars that are numbers in
# YAML 1.2 are numbers here too.
_YAML12_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)$")


class _Constructor:
    """Plain values from a composed node tree, with duplicate-key, depth and size checks.

    The walk is the hot path of every run, so it keeps no pointers: a path stack of keys is
    joined into a JSON pointer only when a failure needs one.
    """

    def __init__(self, limits: LoadLimits) -> None:
        self.limits = limits
        self.expanded = 0
        self.seen: dict[int, tuple[Any, int]] = {}
        self.failures: list[LoadFailure] = []
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
            value = self._scalar(node)  # type: ignore[arg-type]
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
        tag = node.tag
        if tag == _STR:
            if not node.style and _YAML12_FLOAT.match(node.value):  # C loader: "", Python: None
                return float(node.value)
            return node.value
        if tag == _INT:
            return _scalar_constructor.construct_yaml_int(node)
        if tag == _FLOAT:
            return _scalar_constructor.construct_yaml_float(node)
        if tag == _BOOL:
            return _scalar_constructor.construct_yaml_bool(node)
        if tag == _NULL:
            return None
        if tag == _TIMESTAMP:
            return node.value
        raise _Abort(self._tag_failure(node))

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        key_nodes: dict[str, yaml.Node] = {}
        merged: dict[str, Any] | None = None
        path = self.path
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
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
                first = key_nodes[key].start_mark
                self.failures.append(
                    LoadFailure(
                        "SC004",
                        f"key {key!r} is repeated (first at line {first.line + 1}); "
                        "YAML loaders silently keep only the last value",
                        "Delete one of the two entries or merge them.",
                        _span_of_mark(key_node.start_mark, key_node.end_mark),
                        self.pointer(key),
                        fatal=False,
                    )
                )
            key_nodes[key] = key_node
            path.append(key)
            result[key] = self.build(value_node, depth + 1)
            path.pop()
        if merged:
            for key, item in merged.items():
                result.setdefault(key, item)
        return result

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


_NON_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _position_of_offset(text_bytes: bytes, offset: int) -> Span:
    before = text_bytes[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
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
        span = _position_of_offset(text[: match.start()].encode(), len(text[: match.start()].encode()))
        return LoadFailure(
            "SC005",
            f"the file contains the control character U+{ord(match.group()):04X}",
            "Remove the control character; YAML allows only printable text.",
            span,
        )
    return text


# A line with content: not blank, not a comment, not a bare document marker.
_CONTENT_LINE = re.compile(r"^[ \t]*(?!#|---[ \t]*$|\.\.\.[ \t]*$)\S", re.M)


def _only_comments(text: str) -> bool:
    return _CONTENT_LINE.search(text) is None


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
        "Fix the YAML syntax at this position (check indentation, quotes and brackets).",
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
    loader = _Loader(text)
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
    constructor = _Constructor(limits)
    try:
        data = constructor.build(root) if root is not None else None
    except _Abort as abort:
        return LoadedDocument(path, text, None, root, [*constructor.failures, abort.failure])
    return LoadedDocument(path, text, data, root, constructor.failures)


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
