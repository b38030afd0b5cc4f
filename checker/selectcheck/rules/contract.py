"""The rule codes fixed by DESIGN §3: code, name, default severity and summary.

Two uses: `selectcheck rules` lists a code that has no module yet as planned, so the table
is always complete; and a test holds every rule module to its contract row (same name,
same default severity), so codes cannot drift from the published table."""

from __future__ import annotations

from selectcheck.diagnostics import RuleInfo, Severity

_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("SC001", "yaml-syntax", "error", "the file is not valid YAML (location of the parse error)"),
    (
        "SC002",
        "schema",
        "error",
        "the record violates the JSON Schema (one diagnostic per violation, at the offending node)",
    ),
    ("SC003", "schema-version", "error", "schema_version missing or unsupported"),
    ("SC004", "duplicate-key", "error", "a mapping repeats a key (YAML loaders silently keep the last one)"),
    (
        "SC005",
        "unreadable-file",
        "error",
        "not UTF-8, binary, larger than the size limit, several YAML documents, or alias expansion beyond the limit",
    ),
    (
        "SC006",
        "unknown-benchmark",
        "warning",
        "a benchmark id is neither in the catalog nor given n, so no noise floor can be computed",
    ),
    ("SC007", "unknown-task", "error", "task.category is not defined by the policy"),
    (
        "SC101",
        "vram-exceeded",
        "error",
        "a workload's estimated peak memory exceeds usable VRAM (total × (1 − policy headroom))",
    ),
    ("SC102", "vram-tight", "warning", "it fits, but inside the policy's warning margin"),
    ("SC103", "context-exceeds-model", "error", "context_length exceeds the model's maximum context"),
    ("SC104", "unknown-gpu", "error", "gpu is not in the catalog and no vram_gb is given"),
    (
        "SC105",
        "unknown-architecture",
        "warning",
        "the chosen model is not in the catalog and has neither parameters nor architecture: memory cannot be estimated",
    ),
    (
        "SC106",
        "hardware-mismatch",
        "error",
        "with --detect-hardware, the local GPUs (NVML) have less memory or a different model than a workload declares",
    ),
    (
        "SC107",
        "impossible-workload",
        "error",
        "a workload's settings cannot run at all: mode, engine, precision and GPU split that do not exist",
    ),
    (
        "SC201",
        "task-benchmark-missing",
        "error",
        "the chosen model has no score on any benchmark the policy lists for the task",
    ),
    ("SC202", "aggregate-only", "warning", 'the only evidence is leaderboard averages ("dig deeper")'),
    ("SC203", "missing-source", "error", "a score has no source"),
    (
        "SC204",
        "saturated-only",
        "warning",
        "all task evidence for the chosen model comes from benchmarks the catalog marks saturated",
    ),
    ("SC205", "score-out-of-range", "error", "a score lies outside the benchmark's range"),
    (
        "SC206",
        "below-noise-floor",
        "error",
        "a benchmark or own-evaluation reason rests on a gap smaller than the noise floor",
    ),
    (
        "SC207",
        "smaller-equivalent",
        "warning",
        "a smaller candidate that fits the hardware and license is statistically indistinguishable on the task's benchmarks (the golden rule: smallest model that meets the need)",
    ),
    (
        "SC208",
        "claim-contradicted",
        "error",
        "a reason says the chosen model beats X on B, but X scores higher or equal, or a score is missing",
    ),
    (
        "SC209",
        "no-human-check",
        "warning",
        "a user-facing task has neither human-preference evidence nor an own evaluation",
    ),
    (
        "SC210",
        "below-minimum",
        "error",
        "the chosen model scores under a policy minimum for the task (e.g. TruthfulQA for a support bot)",
    ),
    ("SC211", "stale-evidence", "warning", "a score's date is older than the policy's maximum age"),
    (
        "SC301",
        "license-forbids-use",
        "error",
        "the license does not permit task.intended_use (e.g. CC-BY-NC-4.0 for commercial)",
    ),
    ("SC302", "license-unknown", "warning", "the license id is not in the catalog, or other without license_name"),
    (
        "SC303",
        "license-obligations",
        "info",
        "the license permits the use with conditions (user caps, attribution, naming, output-use limits, acceptable-use flow-down): list them",
    ),
    ("SC304", "license-mismatch", "error", "the declared license differs from the catalog's license for that model"),
    ("SC305", "license-denied", "error", "the policy's deny list (or a non-empty allow list) rejects the license"),
    ("SC401", "own-evaluation-missing", "error", "an accepted record has no own_evaluation"),
    ("SC402", "supersedes-unknown", "error", "supersedes or superseded_by names a record that does not exist"),
    (
        "SC403",
        "supersede-inconsistent",
        "error",
        "the two sides of a supersede link disagree, or a superseded record lacks superseded_by",
    ),
    (
        "SC404",
        "accepted-modified",
        "error",
        "(git) an accepted record's content changed since the base revision; only status, superseded_by and waivers may change",
    ),
    ("SC405", "duplicate-id", "error", "two records share an id"),
    ("SC406", "waiver-expired", "error", "a waiver's expires date has passed"),
    ("SC407", "waiver-unused", "warning", "a waiver names a rule that no longer fires for that record"),
    ("SC408", "id-filename-mismatch", "warning", "the file name's number does not match the record id"),
    ("SC409", "chosen-not-candidate", "error", "decision.chosen is not among the candidates"),
    ("SC410", "own-evaluation-small", "warning", "the own evaluation's n is under the policy minimum"),
    (
        "SC411",
        "record-deleted",
        "error",
        "(git) an accepted record was deleted instead of being deprecated or superseded",
    ),
    ("SC501", "latency-over-budget", "error", "measured p95 latency exceeds the budget"),
    ("SC502", "latency-unmeasured", "warning", "a latency budget is declared without a measurement"),
)

CONTRACT: tuple[RuleInfo, ...] = tuple(
    RuleInfo(code, name, Severity(severity), summary, "", implemented=False) for code, name, severity, summary in _ROWS
)
