"""SC302 license-unknown: a candidate's license id is not in the catalog, or `other` without
`license_name`."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.licenses import (
    candidate_license,
    is_bare_other,
    join_ids,
    license_pointer,
    license_verdict,
)
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC302",
    name="license-unknown",
    severity="warning",
    summary="the license id is not in the catalog, or other without license_name",
    explanation="""
        selectcheck can only tell whether a license permits your use (SC301), which
        obligations it carries (SC303) and whether your policy allows it (SC305) when the
        license catalog knows it. SC302 warns, for **every** candidate, when it does not:

        * `license: other` without `license_name`. Hugging Face model cards say `other` for
          licenses without a tag of their own (the Qwen, Llama 4 or Mistral Research
          licenses) and name them in `license_name`; copy that name too.
        * an id the catalog does not know (a typo such as `apache2`, or a license missing
          from the catalog), anywhere in an SPDX expression, also in an `OR` alternative.
        * a license string that is not a valid SPDX expression (`MIT ANDD Apache-2.0`).

        Every candidate is checked, not only the chosen one, because a license the checker
        cannot read also hides the license facts that compare candidates. It is a warning, not
        an error: the license may be fine, but nobody has checked it. Fix the id (the catalog
        resolves SPDX ids, Hugging Face tags and common names case-insensitively), or add the
        license to your policy pack's license catalog with its terms and a source link.
    """,
    failing="""
        candidates:
          - model: Qwen/Qwen2.5-72B-Instruct
            license: other            # which one? SC302
    """,
    passing="""
        candidates:
          - model: Qwen/Qwen2.5-72B-Instruct
            license: other
            license_name: qwen
    """,
)
def license_unknown(ctx: RecordContext) -> Iterator[Finding]:
    licenses = ctx.catalog.licenses
    for index, candidate in enumerate(ctx.record.candidates):
        pointer = license_pointer(index, candidate)
        if is_bare_other(candidate):
            yield Finding(
                pointer,
                f"candidate {candidate.model} declares `license: other` without a `license_name`, "
                "so its license cannot be checked",
                "Add `license_name:` with the license's name as the model card gives it "
                "(e.g. `qwen`, `llama4`), or declare the license's own id instead of `other`.",
            )
            continue
        verdict = license_verdict(ctx, index, candidate)
        declared = candidate_license(candidate)
        if verdict.parse_failed:
            yield Finding(
                pointer,
                f"the license `{declared}` of candidate {candidate.model} is not a valid license "
                f"id or SPDX expression: {verdict.parse_error}",
                "Write a Hugging Face license tag or SPDX id (`apache-2.0`, `llama3.1`), or an "
                "SPDX expression such as `MIT OR Apache-2.0`.",
            )
            continue
        if not verdict.unknown:
            continue
        unknown = list(verdict.unknown)
        quoted = [f"`{name}`" for name in unknown]
        noun = "license id" if len(unknown) == 1 else "license ids"
        message = (
            f"the {noun} {join_ids(quoted)} of candidate {candidate.model} "
            f"{'is' if len(unknown) == 1 else 'are'} not in the license catalog, so whether it "
            f"permits {verdict.use} use cannot be checked"
        )
        hints = []
        for name in unknown:
            suggestion = licenses.suggest(name)
            if suggestion is not None:
                hints.append(f"`{name}` → `{suggestion}`")
        hint = f"Did you mean {', '.join(hints)}? " if hints else ""
        yield Finding(
            pointer,
            message,
            f"{hint}Use a license id the catalog knows (SPDX ids and Hugging Face tags work), "
            "or add the license to your policy pack's license catalog with its terms and a "
            "source link.",
        )
