"""SC301 license-forbids-use: the chosen model's license does not permit `task.intended_use`."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.licenses import (
    candidate_license,
    chosen_candidate,
    join_ids,
    license_pointer,
    license_verdict,
)
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC301",
    name="license-forbids-use",
    severity="error",
    options=("licenses.deny", "licenses.allow"),
    summary="the license does not permit task.intended_use (e.g. CC-BY-NC-4.0 for commercial)",
    explanation="""
        "Check the license allows your use." A record states how the model will be used
        (`task.intended_use`: commercial, internal or research), and the license catalog
        states, for every license, whether it permits each of those uses. SC301 fires when the
        license of the **chosen** model forbids it: CC-BY-NC-4.0, the Qwen Research License
        or the Mistral Research/Non-Production licenses for a product, for example. Note that
        an organisation's internal use still counts as commercial advantage under
        non-commercial licenses, so those forbid `internal` too. Candidates that were only
        considered are not judged here: considering a model is not using it.

        The license is the one the record declares (`license`, or `license_name` when
        `license` is `other`); SC304 checks that declaration against the model catalog.
        SPDX expressions are understood: with `A AND B` both licenses apply, so a license
        forbidding the use anywhere in it is enough to fail; with `A OR B` you may choose, so
        the record fails only when no alternative permits the use. Alternatives that the
        policy's `licenses: {deny, allow}` lists reject are not yours to choose, so they are
        set aside (and SC305 reports the expression if no alternative is left). Licenses the
        catalog does not know are SC302 warnings, not SC301 errors.

        Fix it by choosing a model whose license permits the use, by getting a separate
        license from the licensor (then waive SC301 with who approved it), or by correcting
        `task.intended_use` if the work really is research.
    """,
    failing="""
        task:
          category: chat
          description: Customer-facing assistant in our app.
          intended_use: commercial
        candidates:
          - model: CohereForAI/c4ai-command-r-v01
            license: cc-by-nc-4.0      # non-commercial: SC301
        decision:
          chosen: CohereForAI/c4ai-command-r-v01
    """,
    passing="""
        task:
          category: chat
          description: Customer-facing assistant in our app.
          intended_use: commercial
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            license: apache-2.0
        decision:
          chosen: Qwen/Qwen2.5-7B-Instruct
    """,
)
def license_forbids_use(ctx: RecordContext) -> Iterator[Finding]:
    found = chosen_candidate(ctx)
    if found is None:
        return
    index, candidate = found
    verdict = license_verdict(ctx, index, candidate)
    if verdict.permitted != "no":
        return
    use = verdict.use
    declared = candidate_license(candidate)
    forbidding = list(verdict.forbidding)
    names = []
    for license_id in forbidding:
        entry = ctx.catalog.licenses.get(license_id)
        names.append(f"{license_id} ({entry.name})" if entry is not None else license_id)
    declared_entry = ctx.catalog.licenses.get(declared)
    if declared_entry is not None and forbidding == [declared_entry.id]:
        message = f"the chosen model {candidate.model} is licensed under {names[0]}, which does not permit {use} use"
    else:
        verb = "forbids" if len(forbidding) == 1 else "forbid"
        message = (
            f"the chosen model {candidate.model} is licensed under `{declared}`, "
            f"which does not permit {use} use: {join_ids(names)} {verb} it"
        )
    if verdict.set_aside:
        rejected = join_ids(list(verdict.set_aside))
        noun = "alternative" if len(verdict.set_aside) == 1 else "alternatives"
        verb = "is" if len(verdict.set_aside) == 1 else "are"
        message += f" (the {noun} {rejected} {verb} rejected by the policy's license lists)"
    help_text = (
        f"Choose a candidate whose license permits {use} use, get a separate license from the "
        "licensor (and waive SC301 naming who approved it), or correct `task.intended_use`."
    )
    if use == "internal":
        help_text += (
            " Under non-commercial and research-only licenses a business's internal use still "
            "counts as commercial advantage."
        )
    yield Finding(license_pointer(index, candidate), message, help_text)
