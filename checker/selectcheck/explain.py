"""The long form of a rule, shared by `selectcheck explain` and the generated docs pages."""

from __future__ import annotations

import textwrap

from selectcheck.diagnostics import RuleInfo


def explain_text(info: RuleInfo) -> str:
    """Markdown: readable in a terminal, and the exact body of `docs/rules/<CODE>.md`."""
    status = "" if info.implemented else "\n_Planned: not implemented yet._\n"
    parts = [
        f"# {info.code} {info.name}\n",
        f"Default severity: **{info.default_severity.value}**. {info.summary[0].upper()}{info.summary[1:]}.\n",
        status,
        f"{info.explanation}\n" if info.explanation else "",
    ]
    if info.failing_example:
        parts.append("## Fails\n\n```yaml\n" + textwrap.dedent(info.failing_example).strip() + "\n```\n")
    if info.passing_example:
        parts.append("## Passes\n\n```yaml\n" + textwrap.dedent(info.passing_example).strip() + "\n```\n")
    parts.append(
        f"Turn it off or change its severity in the policy: `rules: {{{info.code}: off}}`; "
        f"silence it for one record with a waiver.\n"
        if not info.code.startswith("SC0")
        else "SC0xx findings cannot be waived: they mean the record cannot be read as written.\n"
    )
    return "\n".join(p for p in parts if p)
