"""SC301 license-forbids-use: the chosen model's license does not permit `task.intended_use`.

This module also holds the small helpers the license rules SC301–SC305 share: which node a
candidate's license is written at, the license string to judge, the chosen candidate, and the
policy-aware verdict (memoised per record so SC301, SC302 and SC303 evaluate each candidate's
license once).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from selectcheck.catalog.base import normalize_id
from selectcheck.compute.license_terms import LicenseVerdict, declared_license, evaluate_license
from selectcheck.model.record import Candidate
from selectcheck.rules.context import RecordContext
from selectcheck.rules.registry import Finding, rule

OTHER = "other"


def is_bare_other(candidate: Candidate) -> bool:
    """`license: other` without a `license_name`: a license nobody can check (SC302)."""
    return normalize_id(candidate.license) == OTHER and not (candidate.license_name and candidate.license_name.strip())


def names_license_by_name(candidate: Candidate) -> bool:
    """`license: other` with a `license_name`: the name is what identifies the license."""
    return normalize_id(candidate.license) == OTHER and not is_bare_other(candidate)


def license_pointer(index: int, candidate: Candidate) -> str:
    """The node that names the candidate's license: `license_name` when the card-style
    `license: other` defers to it, else `license`."""
    key = "license_name" if names_license_by_name(candidate) else "license"
    return f"/candidates/{index}/{key}"


def candidate_license(candidate: Candidate) -> str:
    """The license string to judge (`license_name` for `other` + name, else `license`)."""
    return declared_license(candidate.license, candidate.license_name) or candidate.license


def chosen_candidate(ctx: RecordContext) -> tuple[int, Candidate] | None:
    """The chosen model's candidate entry and its index (the first, if it is listed twice);
    None when `decision.chosen` is not a candidate (SC409 reports that)."""
    chosen = ctx.record.decision.chosen
    for index, candidate in enumerate(ctx.record.candidates):
        if candidate.model == chosen:
            return index, candidate
    return None


def license_verdict(ctx: RecordContext, index: int, candidate: Candidate) -> LicenseVerdict:
    """The candidate's license judged for the record's intended use, under the policy's
    deny/allow lists (an `OR` alternative the policy rejects is never the one judged)."""

    def compute() -> LicenseVerdict:
        lists = ctx.policy.licenses
        return evaluate_license(
            candidate_license(candidate),
            ctx.record.task.intended_use,
            ctx.catalog.licenses,
            deny=lists.deny,
            allow=lists.allow,
        )

    return ctx.memo(f"license-verdict:{index}", compute)


def join_ids(ids: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(ids) <= 1:
        return "".join(ids)
    return f"{', '.join(ids[:-1])} and {ids[-1]}"


@rule(
    code="SC301",
    name="license-forbids-use",
    severity="error",
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
