"""The report formats' real consumers, as CI runs them over every report the tests write.

* JUnit: Jenkins' ``junit-10.xsd`` (xunit-plugin, vendored with its source and license in
  ``tests/data/``) through ``xmlschema``, and ``junitparser``, whose recount of tests,
  failures and errors must equal the counts the report declares.
* SARIF: the OASIS 2.1.0 JSON Schema, plus what GitHub's upload-sarif needs of selectcheck:
  its own fingerprint key and no ``primaryLocationLineHash`` (upload-sarif computes that), and
  a ``helpUri`` that is the rule's page in this repository.
* Markdown: GitHub's renderer, cmark-gfm (``cmarkgfm``) with the GitHub extensions (tables,
  autolinks, strikethrough, task lists) and GitHub's options, but with raw HTML let through
  and without the tag filter, so any HTML that record text smuggled in would show rather than
  be defused by GitHub's last line of defence. The HTML must hold only the elements the report
  writes, every ``href`` must be one of the URLs the report meant and show itself as its text,
  and the text must hold no mention, issue reference or bidi control.
* JSON: ``schemas/report.schema.json`` (draft 2020-12).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import cmarkgfm
import jsonschema
import xmlschema
from cmarkgfm.cmark import Options
from junitparser import JUnitXml, TestSuite

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
JUNIT_XSD = DATA / "junit-10.xsd"
SARIF_SCHEMA = DATA / "sarif-schema-2.1.0.json"
REPORT_SCHEMA = REPO / "schemas" / "report.schema.json"
# Where helpUri points: this repository's files on its main branch.
REPOSITORY_FILES = "https://github.com/selectcheck/selectcheck/blob/main/"

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# What GitHub would turn into a notification or a cross-reference after rendering.
MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
ISSUE_REFERENCE = re.compile(r"(?<![\w&])#[0-9]|\bGH-[0-9]", re.IGNORECASE)
# The elements the Markdown report writes (cmark-gfm's rendering of it); anything else came
# from record text.
MARKDOWN_ELEMENTS = frozenset(
    {"h2", "h3", "p", "em", "strong", "ul", "li", "br", "blockquote", "pre", "code", "a"}
    | {"table", "thead", "tbody", "tr", "th", "td"}
)


# ---- JUnit --------------------------------------------------------------------------------


@cache
def junit_schema() -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(JUNIT_XSD))


def _declared(element: Any) -> tuple[int, int, int]:
    return int(element.tests), int(element.failures), int(element.errors)


def check_junit(text: str) -> JUnitXml:
    """Valid against junit-10.xsd, and junitparser counts what the report declares."""
    data = text.encode("utf-8")
    errors = [f"{e.path}: {e.reason}" for e in junit_schema().iter_errors(data.decode("utf-8"))]
    assert not errors, errors
    xml = JUnitXml.fromstring(data)
    suites = [suite for suite in xml if isinstance(suite, TestSuite)]
    assert suites, "no <testsuite>"
    declared_root = _declared(xml)
    for suite in suites:
        declared = _declared(suite)
        suite.update_statistics()
        assert _declared(suite) == declared, f"suite {suite.name}: declared {declared}, recounted {_declared(suite)}"
    xml.update_statistics()
    assert _declared(xml) == declared_root, f"<testsuites>: declared {declared_root}, recounted {_declared(xml)}"
    return xml


# ---- SARIF --------------------------------------------------------------------------------


@cache
def sarif_validator() -> Any:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def check_sarif(log: dict[str, Any]) -> None:
    """Valid SARIF 2.1.0 that upload-sarif takes without a warning per result."""
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    for run in log["runs"]:
        for rule in run["tool"]["driver"]["rules"]:
            if "helpUri" in rule:
                page = rule["helpUri"].removeprefix(REPOSITORY_FILES)
                assert page == f"docs/rules/{rule['id']}.md" and (REPO / page).is_file(), rule["helpUri"]
        for result in run["results"]:
            fingerprints = result["partialFingerprints"]
            assert "primaryLocationLineHash" not in fingerprints, "upload-sarif computes it and warns"
            assert re.fullmatch(r"[0-9a-f]{64}:[0-9]+", fingerprints["selectcheck/v1"])
            assert not BIDI_CONTROLS.search(result["message"]["text"])


# ---- Markdown -----------------------------------------------------------------------------


@dataclass
class RenderedMarkdown:
    """What cmark-gfm made of a Markdown report."""

    html: str
    elements: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)
    link_texts: list[str] = field(default_factory=list)
    # The text outside code blocks: where GitHub looks for mentions and references.
    text: str = ""
    comments: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self, rendered: RenderedMarkdown) -> None:
        super().__init__(convert_charrefs=True)
        self.rendered = rendered
        self.parts: list[str] = []
        self.in_link = False
        self.link_text: list[str] = []
        self.in_pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.rendered.elements.append(tag)
        values = dict(attrs)
        if tag == "a":
            self.rendered.hrefs.append(values.get("href") or "")
            self.in_link, self.link_text = True, []
        elif tag == "code":
            assert self.in_pre, "a code span: record text must never open one"
        elif tag == "pre":
            self.in_pre += 1
            assert values.get("lang") == "mermaid", attrs
        for name, value in attrs:
            assert name in ("href", "lang", "align"), (tag, name, value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.in_link = False
            self.rendered.link_texts.append("".join(self.link_text))
        elif tag == "pre":
            self.in_pre -= 1

    def handle_data(self, data: str) -> None:
        if not self.in_pre:
            self.parts.append(data)
        if self.in_link:
            self.link_text.append(data)

    def handle_comment(self, data: str) -> None:
        self.rendered.comments.append(data)


GFM_EXTENSIONS = ["table", "autolink", "strikethrough", "tasklist"]  # GitHub's, less "tagfilter"


def cells(row: str) -> list[str]:
    """Split a GFM table row on unescaped pipes, as cmark-gfm does (``\\x`` is one unit)."""
    out, current, i = [], "", 0
    while i < len(row):
        ch = row[i]
        if ch == "\\" and i + 1 < len(row):
            current += row[i : i + 2]
            i += 2
            continue
        if ch == "|":
            out.append(current)
            current = ""
        else:
            current += ch
        i += 1
    out.append(current)
    return out


def table_rows(text: str) -> list[list[int]]:
    """Cells per source row, one list per table. cmark-gfm drops the cells past the header's
    count and pads short rows, so a split cell shows only here, not in the HTML."""
    tables: list[list[int]] = []
    previous_row = False
    for line in text.split("\n"):
        row = line.startswith("|")
        if row and not previous_row:
            tables.append([])
        if row:
            tables[-1].append(len(cells(line)))
        previous_row = row
    return tables


def render_markdown(text: str) -> RenderedMarkdown:
    options = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_GITHUB_PRE_LANG
    html = cmarkgfm.markdown_to_html_with_extensions(text, options=options, extensions=GFM_EXTENSIONS)
    rendered = RenderedMarkdown(html)
    collector = _Collector(rendered)
    collector.feed(html)
    collector.close()
    rendered.text = "".join(collector.parts)
    return rendered


def check_markdown(text: str, meant: set[str] | frozenset[str] = frozenset()) -> RenderedMarkdown:
    """Renders as GitHub would: every link is one the report meant, shown as itself; no other
    element, HTML, comment, mention, issue reference or bidi control came from record text."""
    rendered = render_markdown(text)
    unexpected = sorted(set(rendered.elements) - MARKDOWN_ELEMENTS)
    assert not unexpected, unexpected
    assert not rendered.comments, rendered.comments
    stray = sorted(set(rendered.hrefs) - set(meant))
    assert not stray, f"links the report did not mean: {stray}"
    assert rendered.link_texts == rendered.hrefs, "a link must show its own address"
    assert not BIDI_CONTROLS.search(rendered.html)
    assert not MENTION.search(rendered.text), MENTION.search(rendered.text)
    assert not ISSUE_REFERENCE.search(rendered.text), ISSUE_REFERENCE.search(rendered.text)
    for rows in table_rows(text):
        assert len(set(rows)) == 1, f"a row with a different number of cells than its header: {rows}"
    return rendered


# ---- JSON ---------------------------------------------------------------------------------


@cache
def report_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def check_report_json(document: dict[str, Any]) -> None:
    errors = sorted(report_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
