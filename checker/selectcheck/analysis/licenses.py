"""The license facts the license rules SC301–SC305 (and SC207) share: which node a
candidate's license is written at, the license string to judge, the chosen candidate, and the
policy-aware verdict (memoised per record so each candidate's license is evaluated once)."""

from __future__ import annotations

from collections.abc import Sequence

from selectcheck.analysis.context import RecordContext, chosen_index
from selectcheck.compute.aliases import normalize_id
from selectcheck.compute.license_terms import (
    LicenseLookup,
    LicenseVerdict,
    Use,
    declared_license,
    evaluate_license,
    is_denied,
)
from selectcheck.model.policy import LicensePolicy
from selectcheck.model.record import Candidate

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
    index = chosen_index(ctx)
    return None if index is None else (index, ctx.record.candidates[index])


def license_verdict(ctx: RecordContext, index: int, candidate: Candidate) -> LicenseVerdict:
    """The candidate's license judged for the record's intended use, under the policy's
    deny/allow lists (an `OR` alternative the policy rejects is never the one judged)."""

    def compute() -> LicenseVerdict:
        return policy_license_verdict(
            candidate_license(candidate), ctx.record.task.intended_use, ctx.catalog.licenses, ctx.policy.licenses
        )

    return ctx.memo(f"license-verdict:{index}", compute)


def policy_license_verdict(license: str, use: Use, licenses: LicenseLookup, lists: LicensePolicy) -> LicenseVerdict:
    """A license judged for an intended use under the policy's deny/allow lists: SC301 and
    SC303 for a record's chosen model, `selectcheck shortlist` for every catalog model."""
    return evaluate_license(license, use, licenses, deny=lists.deny, allow=lists.allow)


def policy_rejects(license: str, licenses: LicenseLookup, lists: LicensePolicy) -> list[str]:
    """The ids (as declared) for which the policy's license lists reject ``license`` (SC305);
    empty when it accepts it."""
    if not lists.deny and not lists.allow:
        return []
    return is_denied(license, lists.deny, lists.allow, licenses)


def join_ids(ids: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(ids) <= 1:
        return "".join(ids)
    return f"{', '.join(ids[:-1])} and {ids[-1]}"
