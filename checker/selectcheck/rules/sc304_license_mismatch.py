"""SC304 license-mismatch: a candidate's declared license differs from the catalog's license
for that model."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.licenses import (
    OTHER,
    candidate_license,
    is_bare_other,
    license_pointer,
)
from selectcheck.compute.license_terms import same_license
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC304",
    name="license-mismatch",
    severity="error",
    summary="the declared license differs from the catalog's license for that model",
    explanation="""
        The license rules judge the license a record declares, so a wrong declaration makes
        them judge the wrong terms: `license: apache-2.0` on a Llama 3.1 model would hide the
        700-million-user cap and the naming and attribution duties of the Llama 3.1 Community
        License, and a non-commercial model declared `mit` would pass SC301. SC304 compares
        **every** candidate's declared license with the license the model catalog records for
        that model (found by Hugging Face id or alias, case-insensitively).

        Spellings of the same license are equal (`Apache-2.0`, `apache-2.0`, `Apache License
        2.0`), SPDX expressions are compared as formulas (`MIT OR Apache-2.0` equals
        `Apache-2.0 OR MIT`), and `license: other` with `license_name: qwen` equals the
        catalog's `qwen`. Models the catalog does not know are not checked; a bare
        `license: other` is left to SC302 when the model's card says `other` too.

        Copy the license from the model card. If the model really was relicensed and the
        catalog is out of date, override the model's entry in your policy pack's model catalog
        rather than waiving the finding.
    """,
    failing="""
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            license: apache-2.0     # the catalog says llama3.1: SC304
    """,
    passing="""
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            license: llama3.1
    """,
)
def license_mismatch(ctx: RecordContext) -> Iterator[Finding]:
    licenses = ctx.catalog.licenses
    for index, candidate in enumerate(ctx.record.candidates):
        model = ctx.catalog.models.get(candidate.model)
        if model is None:
            continue
        expected: str | None = model.license
        if not expected:
            continue
        entry = licenses.get(expected)
        card_tag = entry.hf_license if entry is not None else expected
        if is_bare_other(candidate) and card_tag.strip().lower() == OTHER:
            continue  # SC302 asks for the license_name
        declared = candidate_license(candidate)
        if same_license(declared, expected, licenses):
            continue
        if entry is not None:
            shown = f"{entry.id} ({entry.name})"
            fix = (
                f"Declare `license: other` with `license_name: {entry.id}`"
                if entry.hf_license.strip().lower() == OTHER
                else f"Declare `license: {entry.id}`"
            )
            source = f" (license text: {entry.source})"
            links: tuple[str, ...] = (entry.source,)
        else:
            shown, fix, source, links = expected, f"Declare `license: {expected}`", "", ()
        yield Finding(
            license_pointer(index, candidate),
            f"candidate {candidate.model} declares the license `{declared}`, but the model "
            f"catalog lists its license as {shown}",
            f"{fix}, as on the model card{source}. If the model was relicensed, override its "
            "entry in your policy pack's model catalog.",
            links=links,
        )
