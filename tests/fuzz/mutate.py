"""Seeded mutations of records, policies and catalogs, as a hostile pull request would make them.

Every case is a pure function of ``(seed, index)``, so any input the fuzzer ever ran can be
made again from its two numbers. The mutations:

- bytes: bit flips, hostile bytes (NUL, CR, NEL, UTF-8 lead bytes, YAML indicators), inserted,
  deleted and repeated ranges, truncation, line-ending and BOM changes;
- text: a scalar replaced with a hostile token (huge or non-finite numbers, YAML 1.1 traps,
  far dates, tags, aliases, workflow commands, bidi controls), keys swapped, repeated or
  added (`<<`, typos, `x-` keys), lines spliced in from another seed;
- data: a parsed value replaced by one of another type, keys renamed to a sibling's name,
  lists repeated many times, then dumped back as YAML;
- file names: non-UTF-8 bytes, control characters, workflow-command text, the longest name
  the file system allows.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"

# A 1.2 reader sees the numbers as numbers and the traps as text; a 1.1 reader does not.
HOSTILE_TOKENS: tuple[str, ...] = (
    "1e400",
    "-1e400",
    ".inf",
    "-.inf",
    ".nan",
    "1" * 5000,
    "-" + "9" * 4400,
    "0x" + "f" * 4000,
    "0b" + "1" * 20000,
    "9" * 400,
    "1e308",
    "4.9e-324",
    "18446744073709551616",
    "2147483648",
    "1e15",
    "-1",
    "0",
    "-0",
    "0150",
    "0o17",
    "1:00:00",
    "8:00",
    "190:20:30.15",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "~",
    "null",
    "''",
    "[]",
    "{}",
    "[[[[]]]]",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-11-20T10:00:00Z",
    "2026-11-20 10:00:00",
    "true",
    "false",
    "3000000",
    "!!binary aGVsbG8=",
    "!!python/object/apply:os.system [id]",
    "!!int '12'",
    "!!int abc",
    "!!bool maybe",
    "!!float '1e400'",
    "!!str 1",
    "!!timestamp 2026-11-20",
    "*undefined",
    "&anchor value",
    '"\\u202eevil\\u202c"',
    "'::error::forged'",
    "'%0A::warning::x'",
    "'##[error]legacy'",
    '"line\\nbreak"',
    '"\\x00nul"',
    "/etc/passwd",
    "../../../../etc/passwd",
    "https://example.com/x",
    "MSR-0001",
    "SC001",
    "a" * 4096,
    "=",
    "<<",
)

KEYS: tuple[str, ...] = (
    "<<",
    "x-own",
    "id",
    "status",
    "supersedes",
    "superseded_by",
    "schema_version",
    "policy_version",
    "extends",
    "records",
    "catalog",
    "rules",
    "waivers",
    "max_days",
    "max_age_days",
    "parameters",
    "architecture",
    "config",
    "value",
    "n",
    "stderr",
    "ci95",
    "date",
    "expires",
    "context_length",
    "batch_size",
    "count",
    "vram_gb",
    "gpu",
    "user_facing",
    "usr_facing",
    "on",
    "yes",
    "",
    "1e400",
)

HOSTILE_BYTES = b"\x00\r\n\x85\xc2\xe2\xff\xfe\t \"':-[]{}&*!#|>%@`\\"


def _valid_file_names() -> list[bytes]:
    return [
        b"0001-\xe9t\xe9.yaml",  # Latin-1, not UTF-8
        b"0001-\xff\xfe.yaml",
        b"0001-new\nline.yaml",
        b"0001-carriage\rreturn.yaml",
        b"0001-::error::forged.yaml",
        b"0001-%0A::warning::x.yaml",
        b"0001-\xe2\x80\xaeevil.yaml",  # U+202E RIGHT-TO-LEFT OVERRIDE
        b"0001-spaces and 'quotes'.yaml",
        b"-0001-dash.yaml",
        b"0001-tab\tname.yaml",
        b"0001-" + b"a" * 245 + b".yaml",  # 255 bytes: the longest a file name can be
        b"0001-\x1b[31mred.yaml",
        b"0001-back\\slash.yaml",
        b"0001-percent%25.yaml",
        b"0001-comma,colon:.yaml",
    ]


HOSTILE_FILE_NAMES: tuple[bytes, ...] = tuple(_valid_file_names())


@dataclass(frozen=True, slots=True)
class Case:
    """One input: a project with a record, optionally a policy and a catalog of its own."""

    seed: int
    index: int
    target: str  # "record" | "policy" | "catalog" | "stdin"
    mutation: str
    record_name: bytes
    record: bytes
    policy: bytes | None = None
    catalog: bytes | None = None
    stdin_name: str | None = None


# ---- seeds: real files from the repository ------------------------------------------------


def _record_seeds() -> list[bytes]:
    paths = [FIXTURES / "base-record.yaml", *sorted((REPO / "records").glob("*.yaml"))]
    paths += sorted(p for p in (FIXTURES / "rules").rglob("*.yaml") if not p.name.startswith("."))
    return [p.read_bytes() for p in paths]


RICH_POLICY = b"""\
# yaml-language-server: $schema=../schemas/policy.schema.json
policy_version: 1
extends: default
records: [records]
confidence: 0.9
vram: {headroom: 0.05, warn_headroom: 0.2}
tasks:
  code:
    benchmarks: [humaneval, mbpp]
    minimums: {humaneval: 40}
  instruction-following:
    benchmarks: [ifeval]
    minimums: {ifeval: 10}
human_preference: [chatbot-arena]
licenses: {deny: [cc-by-nc-4.0], allow: []}
own_evaluation: {required_status: [accepted], min_n: 50}
evidence: {max_age_days: 365}
waivers: {max_days: 180}
rules: {SC207: warning, SC209: info}
catalog:
  gpus: [catalog/gpus.yaml]
"""

# A repository's own GPU catalog; its entry replaces the shipped A100-80GB, which the seed
# records use, so that every mutated value reaches the memory rules.
CATALOG_SEED = b"""\
catalog_version: 1
gpus:
  - id: A100-80GB
    aliases: [lab80, Lab Accelerator 80GB]
    name: Lab accelerator
    vendor: other
    marketed_gb: 80
    memory_bytes: 80000000000
    nvml_total_mib: 81920
    source: https://example.com/lab80
"""


def _policy_seeds() -> list[bytes]:
    found = sorted(FIXTURES.rglob(".selectcheck.yaml"))
    return [RICH_POLICY, *(p.read_bytes() for p in found)]


RECORD_SEEDS: list[bytes] = _record_seeds()
POLICY_SEEDS: list[bytes] = _policy_seeds()


# ---- byte-level mutations ----------------------------------------------------------------------


def flip_bits(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def hostile_byte(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        if out:
            out[rng.randrange(len(out))] = rng.choice(HOSTILE_BYTES)
    return bytes(out)


def insert_bytes(rng: random.Random, data: bytes) -> bytes:
    at = rng.randint(0, len(data))
    chunk = bytes(rng.choice(HOSTILE_BYTES) for _ in range(rng.randint(1, 8)))
    return data[:at] + chunk + data[at:]


def delete_range(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 64) :]


def repeat_range(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randint(1, 200)]
    return data[:start] + chunk * rng.randint(2, 50) + data[start:]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randint(0, len(data))]


def line_endings(rng: random.Random, data: bytes) -> bytes:
    choice = rng.choice(["cr", "crlf", "bom", "tabs", "nel"])
    if choice == "cr":
        return data.replace(b"\n", b"\r")
    if choice == "crlf":
        return data.replace(b"\n", b"\r\n")
    if choice == "bom":
        return b"\xef\xbb\xbf" + data
    if choice == "tabs":
        return data.replace(b"  ", b"\t", rng.randint(1, 5))
    return data.replace(b"\n", "\u0085".encode(), rng.randint(1, 5))


# ---- text-level mutations (keep the file's layout and comments) ---------------------------------

_VALUE = re.compile(rb"(?m)^([ \t]*(?:- )?[A-Za-z_][A-Za-z0-9_.-]*:[ \t]+)([^\n#]*?)([ \t]*(?:#[^\n]*)?)$")
_FLOW_ITEM = re.compile(rb"(?<=[\[{,:] )([A-Za-z0-9_.@/+-]+)(?=[,\]}])")
_KEY_LINE = re.compile(rb"(?m)^([ \t]*(?:- )?)([A-Za-z_][A-Za-z0-9_.-]*)(:)")


def replace_scalar(rng: random.Random, data: bytes) -> bytes:
    token = rng.choice(HOSTILE_TOKENS).encode("utf-8")
    matches = list(_VALUE.finditer(data)) + list(_FLOW_ITEM.finditer(data))
    if not matches:
        return data + b"\nk: " + token + b"\n"
    match = rng.choice(matches)
    if match.re is _VALUE:
        start, end = match.span(2)
    else:
        start, end = match.span(1)
    return data[:start] + token + data[end:]


def swap_keys(rng: random.Random, data: bytes) -> bytes:
    matches = list(_KEY_LINE.finditer(data))
    if len(matches) < 2:
        return data
    first, second = rng.sample(matches, 2)
    if first.start() > second.start():
        first, second = second, first
    a, b = first.span(2), second.span(2)
    return data[: a[0]] + data[b[0] : b[1]] + data[a[1] : b[0]] + data[a[0] : a[1]] + data[b[1] :]


def add_key(rng: random.Random, data: bytes) -> bytes:
    matches = list(_KEY_LINE.finditer(data))
    if not matches:
        return data
    match = rng.choice(matches)
    indent = match.group(1).replace(b"- ", b"  ")
    key = rng.choice(KEYS).encode()
    value = rng.choice([*HOSTILE_TOKENS[:40], "*a", "{a: 1}"]).encode()
    line = indent + key + b": " + value + b"\n"
    return data[: match.start()] + line + data[match.start() :]


def anchor_merge(rng: random.Random, data: bytes) -> bytes:
    """Anchors, aliases and merge keys, repeated merges included."""
    matches = list(_KEY_LINE.finditer(data))
    if not matches:
        return data
    match = rng.choice(matches)
    indent = match.group(1).replace(b"- ", b"  ")
    pieces = [
        b"<<: {x-a: 1}\n" + indent + b"<<: {x-b: 2}\n",
        b"<<: [{x-a: 1}, {x-b: 2}]\n",
        b"<<: *nowhere\n",
        b"<<: 5\n",
        b"x-anchor: &a [1, 2, 3]\n" + indent + b"x-alias: *a\n",
    ]
    return data[: match.start()] + indent + rng.choice(pieces) + data[match.start() :]


NUMERIC_TOKENS: tuple[str, ...] = (
    "1e400",
    "-1e400",
    ".inf",
    ".nan",
    "1" * 5000,
    "0x" + "f" * 4000,
    "9" * 400,
    "1e308",
    "-1e308",
    "1e16",
    "3000000",
    "36501",
    "0",
    "-1",
    "0150",
    "1:00:00",
    "4.9e-324",
    "2147483648",
)
DATE_TOKENS: tuple[str, ...] = ("9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01", "2026-02-30", "2026-11-20")
_NUMBER_OR_DATE = re.compile(rb"(?m)(?<=: )(-?[0-9][0-9_.eE:+-]*)(?=[ \t]*(?:#[^\n]*)?$|,|}|\])")
_CANDIDATE = re.compile(rb"(?m)^  - model: [^\n]*\n")
# Fields whose numbers and dates feed arithmetic: a record's and a policy's.
_INJECTIONS: tuple[bytes, ...] = (
    b"waivers:\n  - rule: SC207\n    reason: r\n    approved_by: a@example.com\n    expires: %s\n",
    b"waivers: {max_days: %s}\n",
    b"evidence: {max_age_days: %s}\n",
    b"own_evaluation: {min_n: %s}\n",
    b"vram: {headroom: %s}\n",
    b"confidence: %s\n",
)


def huge_number(rng: random.Random, data: bytes) -> bytes:
    """A number or date replaced with one that overflows, or such a field added."""
    token = rng.choice(NUMERIC_TOKENS + DATE_TOKENS).encode()
    choice = rng.random()
    if choice < 0.5:
        matches = list(_NUMBER_OR_DATE.finditer(data))
        if matches:
            match = rng.choice(matches)
            return data[: match.start(1)] + token + data[match.end(1) :]
    if choice < 0.75:
        candidate = _CANDIDATE.search(data)
        if candidate:
            field = rng.choice([b"parameters", b"x-size"])
            return data[: candidate.end()] + b"    " + field + b": " + token + b"\n" + data[candidate.end() :]
    return data.rstrip(b"\n") + b"\n" + rng.choice(_INJECTIONS) % token


def splice_lines(rng: random.Random, data: bytes) -> bytes:
    donor = rng.choice(RECORD_SEEDS + POLICY_SEEDS).splitlines(keepends=True)
    lines = data.splitlines(keepends=True)
    if not donor:
        return data
    at = rng.randint(0, len(lines))
    chunk = donor[rng.randrange(len(donor)) :][: rng.randint(1, 6)]
    return b"".join(lines[:at] + chunk + lines[at:])


# ---- data-level mutations ------------------------------------------------------------------------

_OTHER_TYPES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    2.5,
    10**30,
    1e300,
    "",
    "x",
    "2026-11-20",
    [],
    ["a", 1],
    {},
    {"value": 1},
    {"x-own": [1]},
)


def _containers(node: Any, found: list[Any]) -> list[Any]:
    if isinstance(node, (dict, list)):
        found.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, found)
    return found


def _plain_data(data: bytes) -> Any:
    try:
        return yaml.safe_load(data.decode("utf-8"))
    except Exception:  # PyYAML's constructors raise KeyError, ValueError…: mutate the text instead
        return None


def mutate_data(rng: random.Random, data: bytes) -> bytes:
    tree = _plain_data(data)
    containers = _containers(tree, [])
    if not containers:
        return replace_scalar(rng, data)
    node = rng.choice(containers)
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    if not keys:
        return data
    key = rng.choice(keys)
    choice = rng.choice(["type", "rename", "delete", "repeat", "copy"])
    if choice == "type":
        node[key] = copy.deepcopy(rng.choice(_OTHER_TYPES))
    elif choice == "rename" and isinstance(node, dict) and len(keys) > 1:
        other = rng.choice([k for k in keys if k != key])
        node[other] = node.pop(key)
    elif choice == "delete":
        del node[key]
    elif choice == "repeat" and isinstance(node[key], list) and node[key]:
        node[key] = node[key] * rng.randint(2, 200)
    else:
        node[key] = copy.deepcopy(rng.choice(containers))
    try:
        return yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=200).encode("utf-8")
    except (yaml.YAMLError, ValueError, RecursionError):
        return data


BYTE_MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "flip-bits": flip_bits,
    "hostile-byte": hostile_byte,
    "insert-bytes": insert_bytes,
    "delete-range": delete_range,
    "repeat-range": repeat_range,
    "truncate": truncate,
    "line-endings": line_endings,
}
TEXT_MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "replace-scalar": replace_scalar,
    "swap-keys": swap_keys,
    "add-key": add_key,
    "anchor-merge": anchor_merge,
    "huge-number": huge_number,
    "splice-lines": splice_lines,
    "mutate-data": mutate_data,
}


def _mutate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    names = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        # Structure-aware mutations reach the rules; byte mutations mostly reach the parser.
        table = TEXT_MUTATIONS if rng.random() < 0.7 else BYTE_MUTATIONS
        name = rng.choice(sorted(table))
        data = table[name](rng, data)
        names.append(name)
    return data, "+".join(names)


def make_case(seed: int, index: int) -> Case:
    """The `index`-th input of the campaign `seed`."""
    rng = random.Random(f"selectcheck-fuzz:{seed}:{index}")
    target = rng.choices(["record", "policy", "catalog", "stdin"], weights=[70, 18, 6, 6])[0]
    record = rng.choice(RECORD_SEEDS)
    name = b"0001-fuzz.yaml"
    if target in ("record", "stdin"):
        record, mutation = _mutate(rng, record)
        if rng.random() < 0.2:
            name = rng.choice(HOSTILE_FILE_NAMES)
            mutation += "+file-name"
        stdin_name = None
        if target == "stdin":
            stdin_name = "records/" + name.decode("utf-8", "surrogateescape")
        return Case(seed, index, target, mutation, name, record, stdin_name=stdin_name)
    policy = rng.choice(POLICY_SEEDS)
    catalog = None
    if target == "policy":
        policy, mutation = _mutate(rng, policy)
    else:
        policy = RICH_POLICY
        catalog, mutation = _mutate(rng, CATALOG_SEED)
    return Case(seed, index, target, mutation, name, record, policy=policy, catalog=catalog)
