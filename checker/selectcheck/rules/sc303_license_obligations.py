"""SC303 license-obligations: the chosen model's license permits the use on conditions; list
them for the reviewer."""

from __future__ import annotations

from collections.abc import Iterator

from selectcheck.analysis.context import RecordContext
from selectcheck.analysis.licenses import (
    chosen_candidate,
    join_ids,
    license_pointer,
    license_verdict,
)
from selectcheck.rules.registry import Finding, rule


@rule(
    code="SC303",
    name="license-obligations",
    severity="info",
    summary=(
        "the license permits the use with conditions (user caps, attribution, naming, "
        "output-use limits, acceptable-use flow-down): list them"
    ),
    explanation="""
        Many model licenses permit commercial use only on conditions: the Llama licenses end
        at 700 million monthly active users and require "Built with Llama" and a "Llama"
        prefix on derived models you distribute; the Gemma terms require you to pass the
        Prohibited Use Policy on to your users; the Qwen license has its own 100 million user
        cap; RAIL licenses carry use-based restrictions. SC303 lists these obligations, from
        the license catalog, for the **chosen** model and the record's `task.intended_use`,
        so the reviewer sees them in the pull-request summary before the decision is
        accepted.

        It is informational and never fails a check. It fires only when the license is
        conditional for the use: licenses that permit it outright (Apache-2.0, MIT) list
        nothing, because the ordinary duty to keep license and copyright notices applies to
        every open license. With `A AND B` the obligations of every license add up; with
        `A OR B` they are those of the alternative you would pick (the one with fewest
        obligations among the best, skipping alternatives your policy rejects).

        Confirm each obligation is met (record how in a `license` reason), or silence the
        rule in your policy (`rules: {SC303: off}`) if your legal review happens elsewhere.
    """,
    failing="""
        task:
          category: code
          description: Review pull requests in our product.
          intended_use: commercial
        candidates:
          - model: meta-llama/Llama-3.1-8B-Instruct
            license: llama3.1   # user cap, "Built with Llama", naming: SC303 lists them
        decision:
          chosen: meta-llama/Llama-3.1-8B-Instruct
    """,
    passing="""
        task:
          category: code
          description: Review pull requests in our product.
          intended_use: commercial
        candidates:
          - model: Qwen/Qwen2.5-Coder-7B-Instruct
            license: apache-2.0
        decision:
          chosen: Qwen/Qwen2.5-Coder-7B-Instruct
    """,
)
def license_obligations(ctx: RecordContext) -> Iterator[Finding]:
    found = chosen_candidate(ctx)
    if found is None:
        return
    index, candidate = found
    verdict = license_verdict(ctx, index, candidate)
    if verdict.permitted != "conditional" or not verdict.details:
        return
    sources = list(dict.fromkeys(obligation.license for obligation in verdict.details))
    if len(sources) == 1:
        obligations = "; ".join(obligation.text for obligation in verdict.details)
    else:
        obligations = "; ".join(str(obligation) for obligation in verdict.details)
    count = len(verdict.details)
    message = (
        f"{join_ids(sources)} {'permits' if len(sources) == 1 else 'permit'} {verdict.use} use "
        f"of the chosen model {candidate.model} on {count} "
        f"{'condition' if count == 1 else 'conditions'}: {obligations}"
    )
    urls = []
    links = []  # the catalog's own URLs in the text: the license texts and use policies
    for license_id in sources:
        entry = ctx.catalog.licenses.get(license_id)
        if entry is not None:
            urls.append(entry.source)
            links.append(entry.source)
            policy = entry.conditions.acceptable_use_flowdown
            if policy is not None:
                links.append(policy.url)
    help_text = (
        "Check each obligation against the product before the record is accepted, and record "
        "how it is met in a `license` reason"
    )
    help_text += f"; license text: {', '.join(urls)}" if urls else "."
    yield Finding(license_pointer(index, candidate), message, help_text, links=tuple(dict.fromkeys(links)))
