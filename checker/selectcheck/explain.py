"""The long form of a rule, shared by `selectcheck explain` and the generated docs pages."""

from __future__ import annotations

import textwrap

from selectcheck.diagnostics import RuleInfo


def explain_text(info: RuleInfo) -> str:
    """Markdown: readable in a terminal, and the exact body of `docs/rules/<CODE>.md`."""
    parts = [
        f"# {info.code} {info.name}\n",
        f"Default severity: **{info.default_severity.value}**. {info.summary[0].upper()}{info.summary[1:]}.\n",
        f"{info.explanation}\n" if info.explanation else "",
    ]
    if info.failing_example:
        parts.append("## Fails\n\n```yaml\n" + textwrap.dedent(info.failing_example).strip() + "\n```\n")
    if info.passing_example:
        parts.append("## Passes\n\n```yaml\n" + textwrap.dedent(info.passing_example).strip() + "\n```\n")
    if info.options:
        parts.append("## Policy options it reads\n\n" + "".join(f"- `{option}`\n" for option in info.options))
    parts.append(_configuration(info))
    return "\n".join(p for p in parts if p)


def _configuration(info: RuleInfo) -> str:
    if not info.configurable:
        return (
            "Always on at its default severity, and never waived: it means the file cannot be read as "
            "written, so no policy can switch it off.\n"
        )
    turn_off = f"Turn it off or change its severity in the policy: `rules: {{{info.code}: off}}`"
    if info.waivable:
        return f"{turn_off}; silence it for one record with a waiver.\n"
    return f"{turn_off}. It cannot be waived: it is about the record's input, not a decision.\n"
