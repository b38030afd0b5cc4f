"""`selectcheck new`: the commented template of a fresh record, its number and its file name.

Everything here is pure except :func:`scan_records` (reads the record directories) and
:func:`git_email` (asks git for the author). The command resolves names against the
catalogs and hands :func:`render_record` a :class:`NewRecord`; the text it returns is a
record that passes the schema, so the only findings a fresh record gets are the ones that
say what remains to be filled in (see docs/guide.md, "What a fresh record reports").

Unfilled values are never invented: a score slot the author has not filled is a comment
(`value: TODO` fails the schema loudly if it is uncommented unfilled), and the record starts
as `proposed`, so the evidence rules (SC201 and, once accepted, SC401) list what is missing.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from selectcheck.compute.units import GB
from selectcheck.loader.files import RECORD_SUFFIXES, RefusedFile, read_regular, walk_records

if TYPE_CHECKING:
    from selectcheck.catalog.benchmarks import BenchmarkEntry
    from selectcheck.catalog.gpus import GpuEntry
    from selectcheck.catalog.models import ModelEntry
    from selectcheck.model.policy import TaskPolicy

DEFAULT_PREFIX = "MSR"
SLUG_MAX = 40
TODO = "TODO"
PLACEHOLDER_MODEL = "TODO/model-id"
DEFAULT_CONTEXT = 4096

# The number at the start of a record's file name, read as SC408 reads it (`0007-x.yaml`).
_FILE_NUMBER = re.compile(r"^(\d+)(?:[-_.]|$)")
_ID_LINE = re.compile(r"^id:\s*['\"]?([A-Z][A-Z0-9]*)-([0-9]+)['\"]?\s*(?:#.*)?$", re.MULTILINE)
_PLAIN = re.compile(r"^[A-Za-z0-9_./()+][A-Za-z0-9 _./()+,'@-]*$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


# --- names and numbers ------------------------------------------------------------------


def slugify(title: str, limit: int = SLUG_MAX) -> str:
    """ASCII, lowercase, words joined by dashes, at most ``limit`` characters (cut at a
    word boundary where there is one); ``record`` when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[:limit]
        slug = cut.rsplit("-", 1)[0] if "-" in cut and slug[limit] != "-" else cut
        slug = slug.strip("-")
    return slug or "record"


@dataclass(frozen=True, slots=True)
class Numbering:
    """The next free record number and the id prefix the existing records use."""

    number: int
    prefix: str

    @property
    def record_id(self) -> str:
        return f"{self.prefix}-{self.number:04d}"

    def file_name(self, slug: str) -> str:
        return f"{self.number:04d}-{slug}.yaml"


def next_numbering(file_names: Iterable[str], ids: Iterable[tuple[str, int]]) -> Numbering:
    """One more than the highest number any record uses, in its file name or its id; the
    prefix most existing ids share (``MSR`` when there are none)."""
    numbers = [0]
    for name in file_names:
        match = _FILE_NUMBER.match(name)
        if match:
            numbers.append(int(match.group(1)))
    prefixes: Counter[str] = Counter()
    for prefix, number in ids:
        prefixes[prefix] += 1
        numbers.append(number)
    prefix = prefixes.most_common(1)[0][0] if prefixes else DEFAULT_PREFIX
    return Numbering(max(numbers) + 1, prefix)


def record_id_of(text: str) -> tuple[str, int] | None:
    """The top-level ``id: PREFIX-NNNN`` of a record's text, without parsing the YAML."""
    match = _ID_LINE.search(text)
    return (match.group(1), int(match.group(2))) if match else None


@dataclass(frozen=True, slots=True)
class NumberHolder:
    """A record that uses a number, in its file name or in its id."""

    path: Path
    record_id: str | None  # the id, where the record has one


@dataclass(frozen=True, slots=True)
class ProjectNumbers:
    """The numbers the project's records use and the next free one."""

    next: Numbering
    holders: Mapping[int, tuple[NumberHolder, ...]]


class NumberTaken(Exception):
    def __init__(self, number: int, holder: NumberHolder) -> None:
        super().__init__(number, holder)
        self.number = number
        self.holder = holder


def scan_records(directories: Sequence[Path]) -> ProjectNumbers:
    """The numbers used by every record file under ``directories``, walked as `validate`
    walks them (nested folders, no hidden ones, no links followed; missing directories are
    empty). A file that is not read (a link, a FIFO) still holds the number in its name."""
    names: list[str] = []
    ids: list[tuple[str, int]] = []
    holders: dict[int, list[NumberHolder]] = {}
    seen: set[str] = set()
    for directory in directories:
        if not directory.is_dir():
            continue
        for walked in walk_records(directory):
            path = walked.path
            if not path.name.endswith(RECORD_SUFFIXES) or os.path.abspath(path) in seen:
                continue
            seen.add(os.path.abspath(path))
            names.append(path.name)
            found = _id_in_file(path) if walked.refusal is None else None
            if found is not None:
                ids.append(found)
            record_id = f"{found[0]}-{found[1]:04d}" if found is not None else None
            used = {found[1]} if found is not None else set()
            if (match := _FILE_NUMBER.match(path.name)) is not None:
                used.add(int(match.group(1)))
            for number in used:
                holders.setdefault(number, []).append(NumberHolder(path, record_id))
    return ProjectNumbers(next_numbering(names, ids), {n: tuple(h) for n, h in holders.items()})


def _id_in_file(path: Path) -> tuple[str, int] | None:
    try:
        head = read_regular(path, 16384)[:16384].decode("utf-8", "replace")
    except (RefusedFile, OSError):
        return None
    return record_id_of(head)


def number_output(target: Path, numbers: ProjectNumbers) -> tuple[Numbering, Path]:
    """The numbering and file of a record written to ``target`` (``new -o``), so that the
    id and the file name agree (SC408): a number at the start of the name is the record's
    number, and must be free (:class:`NumberTaken` names the record that has it); a name
    without one gets the next free number in front (``x.yaml`` → ``0007-x.yaml``)."""
    match = _FILE_NUMBER.match(target.name)
    if match is None:
        return numbers.next, target.with_name(f"{numbers.next.number:04d}-{target.name}")
    number = int(match.group(1))
    itself = os.path.realpath(target)
    for holder in numbers.holders.get(number, ()):
        if os.path.realpath(holder.path) != itself:  # the file itself: `new` never overwrites it
            raise NumberTaken(number, holder)
    return Numbering(number, numbers.next.prefix), target


def git_email(cwd: Path) -> str | None:
    """``git config user.email`` (read-only), or None when git or the setting is absent."""
    try:
        result = subprocess.run(
            ["git", "config", "--get", "user.email"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    email = result.stdout.strip()
    return email if result.returncode == 0 and email and email.isprintable() else None


# --- what the template is made of ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """A candidate as given on the command line (or taken from a shortlist), with its catalog
    entry if there is one. ``license`` overrides the catalog's; ``note`` is a comment line
    (what the shortlist found for the model)."""

    name: str
    entry: ModelEntry | None = None
    license: str | None = None
    note: str | None = None

    @property
    def max_context(self) -> int | None:
        return self.entry.max_context_for(self.name) if self.entry is not None else None


@dataclass(frozen=True, slots=True)
class HardwareChoice:
    """The ``hardware:`` of the workload: a catalog GPU, or the memory of an unknown one."""

    gpu: str | None = None
    vram_gb: float | None = None
    count: int = 1
    note: str | None = None  # the comment after the line: what the catalog or NVML knows
    bf16: bool = True
    total_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class TaskChoice:
    """The task category `selectcheck new` writes, with its policy and benchmarks."""

    category: str
    policy: TaskPolicy
    benchmarks: dict[str, BenchmarkEntry | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WorkloadChoice:
    """The workload settings `new` was given (or their defaults), as `estimate` takes them."""

    mode: str = "inference"
    engine: str = "transformers"
    precision: str = "bf16"
    kv_cache_precision: str | None = None
    context_length: int = DEFAULT_CONTEXT
    batch_size: int = 1
    gradient_checkpointing: bool = False
    parallelism: str | None = None


@dataclass(frozen=True)
class NewRecord:
    """What `selectcheck new` was asked for: the answers the record template is filled with."""

    title: str
    numbering: Numbering
    date: datetime.date
    decision_makers: tuple[str, ...]
    schema_ref: str
    mode: str = "inference"
    parallelism: str | None = None
    settings: WorkloadChoice = WorkloadChoice()
    task: TaskChoice | None = None
    categories: tuple[str, ...] = ()
    models: tuple[ModelChoice, ...] = ()
    hardware: HardwareChoice | None = None
    context_length: int = DEFAULT_CONTEXT
    estimate_note: str | None = None
    min_eval_n: int = 100
    intended_use: str = "commercial"
    # A record workload to write as it is (from `selectcheck shortlist`), instead of one made
    # from mode, hardware and the defaults.
    workload: dict[str, Any] | None = None


def gpu_hardware(entry: GpuEntry, count: int = 1) -> HardwareChoice:
    memory = f"{entry.marketed_gb:g} GB"
    if entry.nvml_total_mib is not None:
        memory += f", NVML reports {entry.nvml_total_mib:,} MiB"
    plural = f" × {count}" if count > 1 else ""
    return HardwareChoice(
        gpu=entry.id,
        count=count,
        note=f"{entry.name}{plural}: {memory} each",
        bf16=entry.bf16,
        total_bytes=entry.total_bytes(),
    )


def default_precision(mode: str, bf16: bool) -> str:
    if mode == "full-finetune":
        return "mixed" if bf16 else "fp16"
    if mode == "qlora":
        return "nf4"
    return "bf16" if bf16 else "fp16"


def default_context(models: Sequence[ModelChoice]) -> int:
    """4096 tokens, or less when a candidate's maximum context is smaller (SC103)."""
    limits = [m.max_context for m in models if m.max_context is not None]
    return min([DEFAULT_CONTEXT, *limits])


# --- rendering --------------------------------------------------------------------------


def scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain where that reads back as the same string, else
    double-quoted (JSON string syntax is valid YAML), with non-printable characters escaped."""
    if _PLAIN.match(text) and not text.endswith(" ") and yaml.safe_load(text) == text:
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in quoted)


def _flow_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(scalar(i) for i in items) + "]"


def _comment_safe(text: str) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _number(value: int) -> str:
    return f"{value:,}"


def _params(count: int) -> str:
    return f"{count / 1e9:.2f}e9".replace(".00e9", "e9")


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, text: str = "", comment: str | None = None, column: int = 28) -> None:
        if comment:
            pad = max(column - len(text), 1) if text else 0
            text = f"{text}{' ' * pad}# {_comment_safe(comment)}" if text else f"# {_comment_safe(comment)}"
        self.lines.append(text.rstrip())

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def render_record(new: NewRecord) -> str:
    out = _Lines()
    _header(out, new)
    _task(out, new)
    _workloads(out, new)
    _candidates(out, new)
    _decision(out, new)
    _own_evaluation(out, new)
    return out.text()


def _header(out: _Lines, new: NewRecord) -> None:
    out.add(f"# yaml-language-server: $schema={new.schema_ref}")
    out.add(f"# {new.numbering.record_id}: a model-selection record, checked by selectcheck.")
    out.add("# Replace every TODO; `selectcheck validate` lists what is still missing and")
    out.add("# `selectcheck explain CODE` says why a rule fires.")
    out.add("schema_version: 1")
    out.add(f"id: {new.numbering.record_id}")
    out.add(f"title: {scalar(new.title)}")
    out.add("status: proposed", "proposed → accepted once your own evaluation is in (SC401)")
    out.add(f"date: {new.date.isoformat()}")
    out.add(f"decision_makers: {_flow_list(new.decision_makers)}", "who decides (emails or handles)")
    out.add()


def _task(out: _Lines, new: NewRecord) -> None:
    out.add("# What the model is for. The category decides which benchmarks count as evidence.")
    out.add("task:")
    if new.task is not None:
        out.add(f"  category: {scalar(new.task.category)}", new.task.policy.description)
    else:
        out.add(f"  category: {TODO}", "one of the policy's categories (listed below)")
        for category in new.categories:
            out.add(f"  #   {category}")
    out.add(f'  description: "{TODO}: what the model must do, in your words."')
    out.add(f"  intended_use: {new.intended_use}", "commercial | internal | research; checked against each license")
    out.add("  user_facing: false", "true if end users read the output (then SC209 asks for a human check)")
    out.add()


def _workloads(out: _Lines, new: NewRecord) -> None:
    mode = new.mode
    training = mode != "inference"
    out.add("# Step 1, infrastructure: each workload must fit the memory you really have, with the")
    out.add("# context and batch you really need (the KV cache grows with context × batch). Check with")
    out.add(f"#   {estimate_command(new)}")
    out.add("workloads:")
    if new.workload is not None:
        _given_workload(out, new, new.workload)
    else:
        _template_workload(out, new)
    if training:
        out.add("  # Add the serving workload too if you will deploy the fine-tuned model:")
        out.add("  # - name: serving")
        out.add("  #   mode: inference")
        out.add("  #   hardware: {gpu: L4}")
        out.add("  #   precision: awq-int4")
        out.add(f"  #   context_length: {new.context_length}")
    out.add()


def _given_workload(out: _Lines, new: NewRecord, workload: dict[str, Any]) -> None:
    """A whole record workload, key by key in its own order, with the comments of the template."""
    limits = [m.max_context for m in new.models if m.max_context is not None]
    notes = {
        "mode": "inference | lora | qlora | full-finetune",
        "engine": "transformers | vllm | llama.cpp",
        "hardware": new.hardware.note if new.hardware is not None else None,
        "precision": f"the shortlist's precision for {new.models[0].name}" if new.models else None,
        "context_length": "prompt + output you really need"
        + (f"; the candidates allow {_number(min(limits))}" if limits else ""),
        "batch_size": "sequences at once",
    }
    for position, (key, value) in enumerate(workload.items()):
        lead = "  - " if position == 0 else "    "
        out.add(f"{lead}{key}: {_yaml_value(value)}", notes.get(key))


def _yaml_value(value: Any) -> str:
    """A workload value as flow-style YAML (the mapping is `hardware`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_yaml_value(item)}" for key, item in value.items()) + "}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    return scalar(str(value))


def _template_workload(out: _Lines, new: NewRecord) -> None:
    mode = new.mode
    training = mode != "inference"
    out.add(f"  - name: {'fine-tune' if training else 'serving'}")
    out.add(f"    mode: {mode}", "inference | lora | qlora | full-finetune")
    settings = new.settings
    if not training or settings.engine != "transformers":
        out.add(f"    engine: {settings.engine}", "transformers | vllm | llama.cpp")
    hardware = new.hardware
    bf16 = True
    if hardware is None:
        out.add(f"    hardware: {{gpu: {TODO}, count: 1}}", "a catalog GPU id (A100-80GB, L4, …) or {vram_gb: N}")
    else:
        bf16 = hardware.bf16
        parts = [f"gpu: {scalar(hardware.gpu)}"] if hardware.gpu is not None else []
        if hardware.vram_gb is not None:
            parts.append(f"vram_gb: {hardware.vram_gb:g}")
        parts.append(f"count: {hardware.count}")
        out.add(f"    hardware: {{{', '.join(parts)}}}", hardware.note)
    if new.parallelism is not None or (hardware is not None and hardware.count > 1):
        strategy = new.parallelism or ("ddp" if training else "tensor")
        choices = "ddp | zero-1 | zero-2 | zero-3 | fsdp | tensor | pipeline" if training else "tensor | pipeline"
        out.add(f"    parallelism: {strategy}", choices)
    precision = settings.precision
    precision_note = {
        "mixed": "fp32 master weights, bf16 compute",
        "nf4": "4-bit base weights under the adapters",
    }.get(precision, "how the weights are stored; int4/awq-int4/gguf-* to save memory")
    if not bf16 and precision == "fp16":
        precision_note = "this GPU has no bf16"
    out.add(f"    precision: {precision}", precision_note)
    if settings.kv_cache_precision is not None:
        out.add(f"    kv_cache_precision: {settings.kv_cache_precision}")
    limits = [m.max_context for m in new.models if m.max_context is not None]
    context_note = "prompt + output you really need"
    if limits:
        context_note += f"; the candidates allow {_number(min(limits))}"
    out.add(f"    context_length: {new.context_length}", context_note)
    out.add(f"    batch_size: {settings.batch_size}", "sequences at once")
    if training:
        checkpointing = "true" if settings.gradient_checkpointing else "false"
        out.add(f"    gradient_checkpointing: {checkpointing}", "recompute activations: less memory, ~30% slower")
        out.add("    optimizer: adamw", "adamw | adamw-8bit | paged-adamw | paged-adamw-8bit | sgd")
        if mode in ("lora", "qlora"):
            out.add("    lora_rank: 16")
    if new.estimate_note:
        out.add(f"    # {new.estimate_note}")


def estimate_command(new: NewRecord) -> str:
    """The `selectcheck estimate` call for the first candidate on the record's hardware."""
    first = new.models[0] if new.models else None
    words = ["selectcheck estimate", first.name if first is not None else "MODEL"]
    if first is None or first.entry is None:
        words.append("--parameters N")
    if new.workload is not None:
        return " ".join(words + estimate_flags(new.workload))
    settings = new.settings
    words += [f"--mode {new.mode}", f"--precision {settings.precision}", f"--context {new.context_length}"]
    if settings.batch_size != 1:
        words.append(f"--batch {settings.batch_size}")
    if settings.engine != "transformers":
        words.append(f"--engine {settings.engine}")
    if settings.kv_cache_precision is not None:
        words.append(f"--kv-cache-precision {settings.kv_cache_precision}")
    hardware = new.hardware
    if hardware is None:
        words.append("--gpu GPU")
    elif hardware.vram_gb is not None:
        words.append(f"--vram-gb {hardware.vram_gb:g}")
    elif hardware.gpu is not None:
        words.append(f"--gpu {hardware.gpu}")
    if hardware is not None and hardware.count > 1:
        words.append(f"--count {hardware.count}")
    if new.parallelism is not None:
        words.append(f"--parallelism {new.parallelism}")
    if new.mode != "inference":  # as the template's workload says
        words.append("--gradient-checkpointing" if settings.gradient_checkpointing else "--no-gradient-checkpointing")
    return " ".join(words)


# Record workload keys whose `estimate` flag is not the key with dashes.
_FLAG_NAMES = {"context_length": "--context", "batch_size": "--batch"}


def estimate_flags(workload: dict[str, Any]) -> list[str]:
    """`selectcheck estimate` flags for a record workload: its flags mirror the workload keys
    (`hardware` gives --gpu, --vram-gb and --count; booleans are --key / --no-key)."""
    flags: list[str] = []
    for key, value in workload.items():
        if key == "name":
            continue
        if key == "hardware":
            for part, item in value.items():
                flags += [f"--{part.replace('_', '-')}", _yaml_value(item)]
            continue
        flag = _FLAG_NAMES.get(key, f"--{key.replace('_', '-')}")
        if isinstance(value, bool):
            flags.append(flag if value else f"--no-{flag.removeprefix('--')}")
        else:
            flags += [flag, _yaml_value(value)]
    return flags


def _candidates(out: _Lines, new: NewRecord) -> None:
    out.add("# Step 2, benchmarks: cite each candidate's scores on the benchmarks that measure the task,")
    out.add("# with a source. Is a gap real? `selectcheck noise BENCHMARK A B`. Prefer the smallest")
    out.add("# candidate that meets the need (SC207).")
    out.add("candidates:")
    models = new.models or (ModelChoice(PLACEHOLDER_MODEL),)
    for model in models:
        entry = model.entry
        out.add(f"  - model: {scalar(model.name)}")
        if model.license is not None:
            out.add(f"    license: {scalar(model.license)}", "from the shortlist; check it allows your use")
        elif entry is not None:
            out.add(f"    license: {scalar(entry.license)}", "from the catalog; check it allows your use")
        else:
            out.add(f"    license: {TODO}", "Hugging Face license tag or SPDX id (apache-2.0, llama3.1, mit, …)")
        if entry is not None:
            known = f"catalog: {_params(entry.parameter_count())} parameters"
            if model.max_context is not None:
                known += f", up to {_number(model.max_context)} tokens of context"
            out.add(f"    # {known}")
        else:
            out.add(f"    # parameters: {TODO}", "total parameter count (e.g. 7.2e9): not in the catalog")
        if model.note:
            out.add(f"    # {model.note}")
        _score_slots(out, new)


def _score_slots(out: _Lines, new: NewRecord) -> None:
    if new.task is None:
        out.add("    # scores:                 # the task category's benchmarks; uncomment and fill:")
        out.add(f'    #   BENCHMARK: {{value: {TODO}, source: "https://…"}}')
        return
    out.add(f"    # scores:                 # task {new.task.category!r}: uncomment the scores you can cite")
    width = max(len(b) for b in new.task.benchmarks) + 1
    minimums = new.task.policy.minimums
    for benchmark, bench in new.task.benchmarks.items():
        notes: list[str] = []
        if bench is not None:
            if bench.n is not None:
                notes.append(f"n={bench.n:,}")
            notes.append(bench.metric)
            if bench.saturated:
                notes.append("saturated: add a harder one")
        if benchmark in minimums:
            notes.append(f"policy minimum {minimums[benchmark]:g}")
        key = f"{benchmark}:".ljust(width)
        slot = f'    #   {key} {{value: {TODO}, source: "https://…"}}'
        out.add(slot, ", ".join(notes) if notes else None, column=len(slot) + 2)


def _decision(out: _Lines, new: NewRecord) -> None:
    chosen = new.models[0].name if new.models else PLACEHOLDER_MODEL
    others = [m.name for m in new.models[1:]]
    out.add()
    out.add("decision:")
    out.add(f"  chosen: {scalar(chosen)}", "must be one of the candidates")
    out.add("  reasons:")
    out.add("    - kind: other", "benchmark | own-evaluation | license | hardware | latency | cost | ecosystem | other")
    out.add(f'      note: "{TODO}: why this model"')
    bench = next(iter(new.task.benchmarks), "BENCHMARK") if new.task is not None else "BENCHMARK"
    over = _flow_list(others) if others else "[OTHER-CANDIDATE]"
    out.add("    # - kind: benchmark       # a claim selectcheck checks against the scores and the noise floor")
    out.add(f"    #   benchmark: {bench}")
    out.add(f"    #   over: {over}")
    out.add(f'  summary: "{TODO}: the decision in a few sentences."')
    out.add()


def _own_evaluation(out: _Lines, new: NewRecord) -> None:
    names = [m.name for m in new.models] or [PLACEHOLDER_MODEL]
    results = ", ".join(f"{scalar(n)}: {TODO}" for n in names)
    out.add("# Before `status: accepted`: your own evaluation on your actual task (SC401), at least")
    out.add(f"# {new.min_eval_n} items (SC410). Public benchmarks filter; this decides.")
    out.add("# own_evaluation:")
    out.add(f"#   dataset: {TODO} held-out examples of the real task, and who labelled them")
    out.add(f"#   n: {TODO}")
    out.add(f"#   metric: {TODO} (%)")
    out.add(f"#   results: {{{results}}}")
    out.add(f"#   source: docs/evals/{TODO}.md")


def estimate_note(
    model: ModelChoice, settings: WorkloadChoice, hardware: HardwareChoice, headroom: float
) -> str | None:
    """One comment line with the memory estimate of the first candidate on the GPU, with the
    workload the record writes, or None where it cannot be computed (unknown model or memory)."""
    from selectcheck.compute.memory import MemoryWorkload, MemoryWorkloadError, estimate_memory, usable_bytes

    if model.entry is None or hardware.total_bytes is None:
        return None
    try:
        workload = MemoryWorkload(
            mode=settings.mode,
            precision=settings.precision,
            kv_cache_precision=settings.kv_cache_precision,
            context_length=settings.context_length,
            batch_size=settings.batch_size,
            engine=settings.engine,
            gradient_checkpointing=settings.gradient_checkpointing,
            gpu_count=hardware.count,
            parallelism=settings.parallelism,
        )
        estimate = estimate_memory(workload, model.entry.architecture())
    except (MemoryWorkloadError, ValueError):
        return None
    usable = usable_bytes(hardware.total_bytes, headroom)
    verdict = "fits" if estimate.total_bytes <= usable else "DOES NOT FIT"
    return (
        f"estimate for {model.name}: {estimate.total_bytes / GB:.1f} GB per GPU of "
        f"{usable / GB:.1f} GB usable, {verdict}"
    )
