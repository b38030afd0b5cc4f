"""`--format json`: the stable report shape of DESIGN §7."""

from __future__ import annotations

import json

from selectcheck.diagnostics import Report


def render(report: Report) -> str:
    document = {
        "tool": report.tool,
        "version": report.version,
        "files": len(report.files),
        "summary": report.summary.to_json(),
        "diagnostics": [d.to_json() for d in report.diagnostics],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
