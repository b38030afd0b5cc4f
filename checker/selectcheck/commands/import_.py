"""`selectcheck import lm-eval PATH… --model ID` and `selectcheck import model-card README.md`:
turn evaluation outputs into a record's `scores:` block.

The block is printed ready to paste (value, source, n, stderr, setting, date), with every
source a repository-relative path that `selectcheck validate` then reads and holds the
record to (SC212). With `--write RECORD` the scores go straight into the candidate's
`scores:` mapping of that record, in place: a round-trip YAML library (ruamel.yaml, imported
only here) keeps the file's comments, quoting and layout, and the command refuses to write
a file whose layout it could not keep byte for byte.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from selectcheck.errors import EXIT_CONFIG

if TYPE_CHECKING:
    from selectcheck.analysis.sources import FileEvidence
    from selectcheck.catalog import Catalog


_PLAIN_FLOW = re.compile(r"^[A-Za-z0-9_./+@-]+$")
_RESULTS_NAME = "results_*.json"


@dataclass
class ImportedScore:
    """One score to write: its key and fields in record order."""

    key: str
    fields: dict[str, Any]
    note: str | None = None


@dataclass
class Imported:
    """The scores an import found, and what it skipped with the reason."""

    scores: list[ImportedScore] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _fail(message: str, help: str | None = None) -> NoReturn:
    from selectcheck.reporters.sanitize import safe_line

    click.echo(f"selectcheck: error: {safe_line(message)}", err=True)
    if help:
        click.echo(f"  help: {safe_line(help)}", err=True)
    sys.exit(EXIT_CONFIG)


@click.group("import")
def import_group() -> None:
    """Print (or write into a record) the `scores:` block of evaluation outputs.

    \b
    Examples:
      selectcheck import lm-eval evals/qwen/results_2026-11-01T10-00-00.json --model Qwen/Qwen2.5-7B-Instruct
      selectcheck import model-card evals/cards/Qwen2.5-7B-Instruct/README.md --write records/0007-faq.yaml
    """


_WRITE = click.option(
    "--write",
    "record",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Insert the scores into this record's candidate, keeping its comments and layout.",
)
_POLICY = click.option("--policy", type=click.Path(path_type=Path), help="Policy file (default: discovered config).")


@import_group.command("lm-eval")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--model", "model", required=True, metavar="ID", help="The candidate these runs evaluated (Hub id).")
@_WRITE
@_POLICY
def import_lm_eval(paths: tuple[Path, ...], model: str, record: Path | None, policy: Path | None) -> None:
    """Scores from lm-evaluation-harness results files (or folders holding them)."""
    from selectcheck.analysis.sources import names_another_model
    from selectcheck.evidence.files import MAX_RESULTS_BYTES, EvidenceError, read_local
    from selectcheck.evidence.lm_eval import parse_results

    root, catalog = _project(policy)
    imported = Imported()
    seen: dict[str, str] = {}
    for file in _results_files(paths):
        source = _repository_path(file, root)
        try:
            results = parse_results(read_local(file, max_bytes=MAX_RESULTS_BYTES))
        except EvidenceError as error:
            _fail(f"cannot use {source}: {error.message}", error.help or None)
        if names_another_model(results.model, model):
            _fail(
                f"{source} is a run of {results.model}, not of {model}",
                "Pass the model the run evaluated with --model, or import the right file.",
            )
        for score in _lm_eval_scores(catalog, source, results, imported):
            if score.key in seen:
                _fail(
                    f"{score.key} is in both {seen[score.key]} and {source}",
                    "Import one run per benchmark: name the results file you mean to cite.",
                )
            seen[score.key] = source
            imported.scores.append(score)
    _finish(imported, model, record)


@import_group.command("model-card")
@click.argument("readme", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--model", "model", metavar="ID", help="The candidate the card describes (default: its model-index name)."
)
@_WRITE
@_POLICY
def import_model_card(readme: Path, model: str | None, record: Path | None, policy: Path | None) -> None:
    """Scores from a Hugging Face model card's `model-index`."""
    from selectcheck.evidence.files import MAX_MODEL_CARD_BYTES, EvidenceError, read_local
    from selectcheck.evidence.model_card import parse_model_card

    root, catalog = _project(policy)
    source = _repository_path(readme, root)
    if readme.name.lower() != "readme.md":
        _fail(
            f"{source} is not named README.md",
            "selectcheck verifies model cards cited as README.md (the Hub's file name): keep the card "
            "as <folder>/README.md, one folder per model.",
        )
    try:
        card = parse_model_card(read_local(readme, max_bytes=MAX_MODEL_CARD_BYTES))
    except EvidenceError as error:
        _fail(f"cannot use {source}: {error.message}", error.help or None)
    imported = Imported()
    imported.scores = _card_scores(catalog, source, card, imported)
    names = sorted({r.model_name for r in card.results if r.model_name})
    _finish(imported, model, record, card_names=names)


# --------------------------------------------------------------------------- reading


def _project(policy: Path | None) -> tuple[Path, Catalog]:
    from selectcheck.catalog import catalog_for
    from selectcheck.errors import ConfigError
    from selectcheck.policy_loader import load_policy

    try:
        loaded = load_policy(policy)
        return loaded.root, catalog_for({"benchmarks": loaded.catalog_files.get("benchmarks", ())})
    except ConfigError as error:
        _fail(str(error))


def _results_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob(_RESULTS_NAME))
            if not found:
                _fail(f"{path} holds no {_RESULTS_NAME} file", "Pass the folder lm_eval --output_path wrote into.")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            _fail(f"no such file or directory: {path}", "Check the paths you passed.")
    return files


def _repository_path(path: Path, root: Path) -> str:
    """The path a record cites: relative to the repository root, `/`-separated."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(root.resolve()).as_posix()
    except ValueError:
        _fail(
            f"{path} is outside the repository ({root})",
            "Records cite files inside the repository: copy the evaluation output into it first.",
        )


def _lm_eval_scores(catalog: Catalog, source: str, results: Any, imported: Imported) -> list[ImportedScore]:
    from selectcheck.analysis.sources import ScoreSubject, evidence_from_results
    from selectcheck.evidence.files import EvidenceError

    scores: list[ImportedScore] = []
    taken: set[str] = set()
    for task in results.top_level:
        entry = catalog.benchmarks.get(task.name)
        key = entry.id if entry is not None else task.name
        if key in taken:
            imported.skipped.append(f"{task.name} (another task of {key} in the same file is imported)")
            continue
        subject = ScoreSubject(key, entry.name if entry is not None else key, entry)
        fragment: str | None = None
        note: str | None = None
        try:
            if entry is None:
                raise EvidenceError("not in the catalog")
            evidence = evidence_from_results(catalog.benchmarks, subject, source, None, results)
            if evidence.task != task.name:
                imported.skipped.append(f"{task.name} ({key} is read from task {evidence.task})")
                continue
        except EvidenceError:
            if not task.metrics:
                imported.skipped.append(f"{task.name} (no numeric metric)")
                continue
            first = task.metrics[0]
            fragment = f"{task.name},{first.key}"
            evidence = evidence_from_results(catalog.benchmarks, subject, source, fragment, results)
            others = [m.key for m in task.metrics[1:]]
            if others:
                note = f"{task.name} also reports {', '.join(others)}: change the #fragment to cite one"
        taken.add(key)
        scores.append(_score(key, source if fragment is None else f"{source}#{fragment}", evidence, note=note))
    return scores


def _card_scores(catalog: Catalog, source: str, card: Any, imported: Imported) -> list[ImportedScore]:
    from selectcheck.analysis.sources import ScoreSubject, evidence_from_card
    from selectcheck.evidence.files import EvidenceError

    scores: list[ImportedScore] = []
    taken: set[str] = set()
    for result in card.results:
        entry = next((e for e in map(catalog.benchmarks.get, result.dataset_names) if e is not None), None)
        if entry is None:
            imported.skipped.append(f"{result.dataset_label} {result.metric_label} (not in the benchmark catalog)")
            continue
        if entry.id in taken:
            continue
        taken.add(entry.id)
        subject = ScoreSubject(entry.id, entry.name, entry)
        fragment: str | None = None
        try:
            evidence = evidence_from_card(catalog.benchmarks, subject, source, None, card)
        except EvidenceError:
            fragment = f"{result.dataset_type or result.dataset_label},{result.metric_label}"
            evidence = evidence_from_card(catalog.benchmarks, subject, source, fragment, card)
        cited = source if fragment is None else f"{source}#{fragment}"
        scores.append(_score(entry.id, cited, evidence, normalized=evidence.normalized))
    return scores


def _score(
    key: str, source: str, evidence: FileEvidence, *, normalized: bool = False, note: str | None = None
) -> ImportedScore:
    fields: dict[str, Any] = {"value": round(evidence.value, 2), "source": source}
    if evidence.n is not None:
        fields["n"] = evidence.n
    if evidence.stderr is not None:
        fields["stderr"] = round(evidence.stderr, 2)
    if evidence.setting:
        fields["setting"] = evidence.setting
    if evidence.date is not None:
        fields["date"] = evidence.date
    if normalized:
        fields["normalized"] = True
    limited = evidence.limited and evidence.n_original is not None
    if limited:
        note = f"a --limit run: {evidence.n:,} of {evidence.n_original:,} items" + (f"; {note}" if note else "")
    return ImportedScore(key, fields, note)


# --------------------------------------------------------------------------- output


def _finish(imported: Imported, model: str | None, record: Path | None, card_names: Sequence[str] = ()) -> None:
    if not imported.scores:
        _fail(
            "found no score of a catalog benchmark to import",
            "Check the file, or cite its scores by hand with a `#task,metric` fragment.",
        )
    for skipped in imported.skipped:
        click.echo(f"note: skipped {skipped}", err=True)
    if record is None:
        click.echo(render_block(imported.scores), nl=False)
        return
    _write(record, model, imported.scores, card_names)


def _flow_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    from selectcheck.authoring import scalar

    text = str(value)
    plain = scalar(text)
    return plain if plain.startswith('"') or _PLAIN_FLOW.match(text) else json.dumps(text, ensure_ascii=False)


def render_block(scores: Sequence[ImportedScore]) -> str:
    """The `scores:` block as it sits under a candidate (four spaces in)."""
    lines = ["    scores:"]
    for score in scores:
        body = ", ".join(f"{name}: {_flow_scalar(value)}" for name, value in score.fields.items())
        line = f"      {_flow_scalar(score.key)}: {{{body}}}"
        if score.note:
            line += f"  # {_comment(score.note)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _write(record: Path, model: str | None, scores: Sequence[ImportedScore], card_names: Sequence[str]) -> None:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

    from selectcheck.compute.aliases import normalize_id

    try:
        original = record.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {record}: {exc}")
    yaml, data = _round_trip(original)
    if yaml is None:
        _fail(
            f"cannot write {record} without changing its layout",
            "Paste the printed block by hand: run the command without --write.",
        )
    candidates = data.get("candidates") if isinstance(data, dict) else None
    if not isinstance(candidates, list):
        _fail(f"{record} has no `candidates` list", "Add the candidate first (selectcheck new writes one).")
    wanted = model or _card_model(candidates, card_names, record)
    candidate = next((c for c in candidates if isinstance(c, dict) and c.get("model") == wanted), None)
    if candidate is None:
        listed = ", ".join(str(c.get("model")) for c in candidates if isinstance(c, dict))
        _fail(f"{record} has no candidate {wanted}", f"Its candidates: {listed}. Pass one with --model.")
    existing = candidate.get("scores")
    if existing is None:
        existing = CommentedMap()
        candidate["scores"] = existing
    if not isinstance(existing, dict):
        _fail(f"the `scores` of {wanted} in {record} is not a mapping")
    by_id = {normalize_id(str(k)): k for k in existing}
    for score in scores:
        entry = CommentedMap((name, _round_trip_value(value)) for name, value in score.fields.items())
        entry.fa.set_flow_style()
        key = by_id.get(normalize_id(score.key), score.key)
        existing[key] = entry
    out = io.StringIO()
    try:
        yaml.dump(data, out)
    except YAMLError as exc:
        _fail(f"cannot write {record}: {exc}")
    record.write_text(out.getvalue(), encoding="utf-8")
    click.echo(f"wrote {len(scores)} score(s) for {wanted} into {record}")


def _round_trip_value(value: Any) -> Any:
    """A field value as ruamel.yaml should write it: strings that need quotes in double
    quotes, as the printed block and the project's records write them; a fresh date object
    per score, or ruamel would tie equal dates together with an anchor and aliases."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, datetime.date):
        return datetime.date(value.year, value.month, value.day)
    if isinstance(value, str) and not _PLAIN_FLOW.match(value):
        return DoubleQuotedScalarString(value)
    return value


def _round_trip(text: str) -> tuple[Any, Any]:
    """A ruamel.yaml instance whose output of the unchanged file is the file itself, and the
    loaded data; (None, None) when no indentation style reproduces it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    for mapping, sequence, offset in ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4)):
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        try:
            data = yaml.load(text)
            out = io.StringIO()
            yaml.dump(data, out)
        except YAMLError:
            return None, None
        if out.getvalue() == text:
            return yaml, data
    return None, None


def _card_model(candidates: list[Any], names: Sequence[str], record: Path) -> str:
    """The candidate a model card is about, from its model-index names."""
    ids = [str(c.get("model")) for c in candidates if isinstance(c, dict) and c.get("model")]
    matches = {i for i in ids for name in names if i.lower() == name.lower() or i.lower().endswith("/" + name.lower())}
    if len(matches) == 1:
        return matches.pop()
    _fail(
        f"cannot tell which candidate of {record} the card is about (its model-index names "
        f"{', '.join(names) or 'no model'})",
        "Pass the candidate with --model.",
    )
