"""SC305 license-denied: the policy's deny list (or a non-empty allow list) rejects the chosen
model's license."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.licenses import (
    candidate_license,
    chosen_candidate,
    join_ids,
    license_pointer,
    policy_rejects,
)
from selectcheck.compute.license_terms import is_denied
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC305",
    name="license-denied",
    severity="error",
    options=("licenses.deny", "licenses.allow"),
    summary="the policy's deny list (or a non-empty allow list) rejects the license",
    explanation="""
        An organisation's legal team often decides once which licenses its products may
        build on. The policy records that decision: `licenses: {deny: [...]}` names licenses
        that are never allowed, and a non-empty `licenses: {allow: [...]}` names the only ones
        that are. SC305 fails a record whose **chosen** model's license the lists reject.
        Candidates that were only considered are not judged: comparing against a model you
        may not ship is still useful evidence.

        Ids match through the license catalog, so `Apache-2.0` in the policy matches
        `apache-2.0` in a record (and `license: other` with `license_name: qwen` matches
        `qwen`). A deny entry wins over an allow entry. In an SPDX expression, `A AND B`
        is rejected when either license is; `A OR B` only when every alternative is, since you
        may choose the other one (SC301 and SC303 then judge the alternative the policy
        leaves you).

        Choose a model whose license the policy allows. An exception approved by whoever owns
        the policy belongs in a waiver with their name, not in an edited deny list.
    """,
    failing="""
        # .selectcheck.yaml: licenses: {deny: [apache-2.0]}
        candidates:
          - model: Qwen/Qwen2.5-7B-Instruct
            license: apache-2.0     # denied by the policy: SC305
        decision:
          chosen: Qwen/Qwen2.5-7B-Instruct
    """,
    passing="""
        # .selectcheck.yaml: licenses: {deny: [apache-2.0]}
        candidates:
          - model: microsoft/phi-4
            license: mit
        decision:
          chosen: microsoft/phi-4
    """,
)
def license_denied(ctx: RecordContext) -> Iterator[Finding]:
    lists = ctx.policy.licenses
    found = chosen_candidate(ctx)
    if found is None:
        return
    index, candidate = found
    licenses = ctx.catalog.licenses
    declared = candidate_license(candidate)
    rejected = policy_rejects(declared, licenses, lists)
    if not rejected:
        return
    denied = [name for name in rejected if is_denied(name, lists.deny, (), licenses)]
    not_allowed = [name for name in rejected if name not in denied]
    allowed = ", ".join(lists.allow)
    subject = f"the license `{declared}` of the chosen model {candidate.model}"
    if rejected == [declared] and denied:
        message = f"the policy denies {subject}"
    elif rejected == [declared]:
        message = f"{subject} is not on the policy's allow list ({allowed})"
    else:
        reasons = []
        if denied:
            reasons.append(f"it denies {join_ids([f'`{n}`' for n in denied])}")
        if not_allowed:
            verb = "is" if len(not_allowed) == 1 else "are"
            names = join_ids([f"`{n}`" for n in not_allowed])
            reasons.append(f"{names} {verb} not on its allow list ({allowed})")
        message = f"{subject} is rejected by the policy: {'; '.join(reasons)}"
    yield Finding(
        license_pointer(index, candidate),
        message,
        "Choose a candidate whose license the policy allows; an exception approved by the "
        "policy's owner belongs in a waiver of SC305 with their name.",
    )
