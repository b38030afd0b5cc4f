"""SC105 unknown-architecture: the chosen model's memory cannot be estimated."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.candidates import resolve_architecture
from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC105",
    name="unknown-architecture",
    severity="warning",
    summary=(
        "the chosen model is not in the catalog and has neither parameters nor architecture: memory cannot be estimated"
    ),
    explanation="""
        The memory rules (SC101, SC102) need the chosen model's size, and the KV cache and
        activations need its shape. selectcheck takes them, in this order, from the
        candidate's `architecture` (inline `config.json` fields, or `config:` naming a local
        `config.json` relative to the repository root), from the model catalog, or from a
        bare `parameters` count (the KV cache and activations are then approximated with a
        typical decoder of that size). A private or new model with none of these cannot be
        checked, so the memory fit of the decision goes unverified.

        The rule also reports an `architecture` that is given but cannot be used (the config
        file is missing, outside the repository, not JSON, or lacks a required key such as
        `num_hidden_layers`), and says which fallback, if any, the estimate used instead.

        Every candidate is checked, not only the chosen one: an unknown model is most often a
        typo in its id (`Qwen/Qwen2.5-Coder-7B-Instrukt`), and the finding says which catalog
        id it most likely means. The shipped policy makes this an error (`rules: {SC105:
        error}` in `policy/default.yaml`): a record whose core claim — the model fits — cannot
        be verified must not pass.
    """,
    failing="""
        candidates:
          - model: acme/contract-extractor-13b
            license: apache-2.0
        decision:
          chosen: acme/contract-extractor-13b
    """,
    passing="""
        candidates:
          - model: acme/contract-extractor-13b
            license: apache-2.0
            parameters: 1.3e10   # or architecture: {config: models/…/config.json}
        decision:
          chosen: acme/contract-extractor-13b
    """,
)
def unknown_architecture(ctx: RecordContext) -> Iterator[Finding]:
    chosen = chosen_index(ctx)
    for index, candidate in enumerate(ctx.record.candidates):
        model = candidate.model
        role = "the chosen model" if index == chosen else "the candidate"
        resolved = resolve_architecture(ctx, index)
        if resolved.error is not None:
            fallback = {
                "catalog": "the estimate uses the model catalog's architecture instead",
                "parameters": "the estimate falls back to the parameter count (KV cache and activations approximated)",
            }.get(resolved.source, "memory cannot be estimated")
            yield Finding(
                resolved.pointer,
                f"the architecture given for {role} {model} cannot be used: {resolved.error}; {fallback}",
                "Point `config` at the model's config.json inside the repository (path relative to the repository "
                "root), or give the fields inline.",
            )
        elif resolved.source == "unknown":
            close = ctx.catalog.models.suggest(model)
            hint = f"Did you mean `{close}`? " if close else ""
            effect = (
                "so whether it fits the workloads is unverified"
                if index == chosen
                else "so it cannot be compared with the chosen model on size and fit (SC207)"
            )
            yield Finding(
                f"/candidates/{index}/model",
                f"{role} {model} is not in the model catalog and has neither `parameters` nor `architecture`: "
                f"its memory cannot be estimated, {effect}",
                f"{hint}Correct the id, or add `architecture: {{config: path/to/config.json}}` (the model's "
                "Hugging Face config.json, committed to the repository) or at least `parameters: <total count>`, "
                "or add the model to your policy's model catalog.",
            )
