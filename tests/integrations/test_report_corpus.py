"""Every report format end to end, checked by its real consumers, over a corpus of failing
records (`selectcheck validate --format FORMAT=FILE` on real files, as CI and the Action run it).

The corpus: every failing rule fixture (`tests/fixtures/rules/<CODE>/fail*/`; each is run as its
own project, because cases reuse ids and carry their own policies), a git project where an
accepted record is edited and another deleted (SC404, SC411), the example records, and records
made of hostile text (`tests/fixtures/hostile-reports/`: links, images, mentions, HTML,
comments, bare URLs, pipes, backticks, bidi controls, CR/LF, in titles, notes, values, keys,
waiver reasons and a file name). For each run (`tests/integrations/consumers.py`):

* JUnit validates against Jenkins' junit-10.xsd, and junitparser recounts the declared totals;
  one testcase per record, one failure per unwaived error of the JSON report;
* SARIF validates against the OASIS 2.1.0 schema, carries selectcheck's own fingerprint and no
  `primaryLocationLineHash`, and holds each finding of the JSON report with the same rule,
  severity and region;
* Markdown renders through cmark-gfm with only the elements the report writes, and every link
  is a URL of the license catalog (the texts and use policies SC303/SC304 cite);
* JSON validates against `schemas/report.schema.json`.

Together the fixture runs must show every rule that has a failing fixture (and
`test_rule_fixtures.py` requires one for every implemented rule), plus the git rules. The
committed golden outputs (`tests/golden/`, byte-equal to what the same fixtures print now, pass
cases included) go through the same consumers.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from selectcheck.catalog import Catalog
from tests.conftest import FIXTURES, REPO, copy_base, git, invoke
from tests.integrations.consumers import check_junit, check_markdown, check_report_json, check_sarif

FAIL_CASES = sorted(p for p in (FIXTURES / "rules").glob("SC*/fail*") if p.is_dir())
HOSTILE = FIXTURES / "hostile-reports"
GOLDEN = REPO / "tests" / "golden"
GOLDEN_CASES = sorted(p for p in GOLDEN.iterdir() if p.is_dir())
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FILES = {"json": "report.json", "sarif": "report.sarif", "markdown": "report.md", "junit": "report.xml"}
LLAMA_31 = "https://github.com/meta-llama/llama-models/blob/main/models/llama3_1/"

_fired: set[str] = set()


@pytest.fixture(scope="module")
def catalog_links(catalog: Catalog) -> frozenset[str]:
    """The URLs a report may link: the license catalog's texts and acceptable-use policies."""
    urls: set[str] = set()
    for entry in catalog.licenses:
        urls.add(entry.source)
        policy = entry.conditions.acceptable_use_flowdown
        if policy is not None:
            urls.add(policy.url)
    assert LLAMA_31 + "LICENSE" in urls and LLAMA_31 + "USE_POLICY.md" in urls
    return frozenset(urls)


@dataclass
class Reports:
    exit_code: int
    json: dict[str, Any]
    sarif: dict[str, Any]
    markdown: str
    junit: str


def _validate(project: Path, *args: str, paths: tuple[str, ...] = ("records",)) -> Reports:
    formats = [arg for name, file in FILES.items() for arg in ("--format", f"{name}={file}")]
    result = invoke(["validate", *formats, *args, *paths], project)
    assert result.exit_code in (0, 1), result.stderr
    texts = {name: (project / file).read_text(encoding="utf-8") for name, file in FILES.items()}
    return Reports(
        result.exit_code,
        json.loads(texts["json"]),
        json.loads(texts["sarif"]),
        texts["markdown"],
        texts["junit"],
    )


def _sarif_matches_json(sarif: dict[str, Any], report: dict[str, Any]) -> set[str]:
    (run,) = sarif["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    seen: list[tuple[str, str, str, int, int, int, int, bool]] = []
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"].strip()
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        region = physical["region"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")), "URIs are relative to the repository root"
        seen.append(
            (
                unquote(uri),
                result["ruleId"],
                result["level"],
                region["startLine"],
                region["startColumn"],
                region["endLine"],
                region["endColumn"],
                bool(result.get("suppressions")),
            )
        )
    expected = [
        (
            d["file"],
            d["code"],
            LEVEL[d["severity"]],
            d["line"],
            d["column"],
            d["end_line"],
            d["end_column"],
            d["waived"],
        )
        for d in report["diagnostics"]
    ]
    assert sorted(seen) == sorted(expected)
    return {code for _, code, *_ in seen}


def _check(reports: Reports, links: frozenset[str]) -> tuple[set[str], list[str]]:
    """Every consumer over one run; returns the codes that fired and the Markdown's links."""
    check_report_json(reports.json)
    check_sarif(reports.sarif)
    codes = _sarif_matches_json(reports.sarif, reports.json)
    junit = check_junit(reports.junit)
    failing = [d for d in reports.json["diagnostics"] if d["severity"] == "error" and not d["waived"]]
    assert (junit.tests, junit.failures, junit.errors) == (reports.json["files"], len(failing), 0)
    rendered = check_markdown(reports.markdown, meant=links)
    return codes, rendered.hrefs


@pytest.mark.parametrize("case", FAIL_CASES, ids=[f"{c.parent.name}-{c.name}" for c in FAIL_CASES])
def test_fixture_case_reports_pass_their_consumers(case: Path, tmp_path: Path, catalog_links: frozenset[str]) -> None:
    shutil.copytree(case, tmp_path / "records")
    for extra in (tmp_path / "records").glob(".selectcheck.yaml"):
        extra.rename(tmp_path / extra.name)
    reports = _validate(tmp_path)
    codes, _ = _check(reports, catalog_links)
    assert case.parent.name in codes, f"{case.parent.name} did not fire on its failing fixture"
    _fired.update(codes)


def test_git_rules_reports_pass_their_consumers(tmp_path: Path, catalog_links: frozenset[str]) -> None:
    records = tmp_path / "records"
    records.mkdir()
    accepted = {"status: proposed": "status: accepted"}
    copy_base(records / "0001-faq.yaml", **accepted)
    copy_base(records / "0002-faq.yaml", **accepted, **{"id: MSR-0001": "id: MSR-0002"})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    # Rewrite an accepted decision (SC404) and delete another (SC411).
    text = (records / "0001-faq.yaml").read_text(encoding="utf-8")
    (records / "0001-faq.yaml").write_text(text.replace("context_length: 4096", "context_length: 2048"))
    (records / "0002-faq.yaml").unlink()
    reports = _validate(tmp_path, "--changed-since", "main", paths=())
    assert reports.exit_code == 1
    codes, _ = _check(reports, catalog_links)
    assert {"SC404", "SC411"} <= codes, codes
    _fired.update(codes)


def test_every_fixture_rule_fired() -> None:
    """Runs after the cases above (file order): the corpus shows every rule with a fixture."""
    if len(_fired) == 0:
        pytest.skip("run with the corpus cases")
    wanted = {case.parent.name for case in FAIL_CASES} | {"SC404", "SC411"}
    assert wanted <= _fired, f"never fired: {sorted(wanted - _fired)}"


def test_example_records_keep_their_license_links(tmp_path: Path, catalog_links: frozenset[str]) -> None:
    """The shipped example: its Llama 3.1 license and use-policy links render intact."""
    shutil.copytree(REPO / "records", tmp_path / "records")
    reports = _validate(tmp_path)
    _, hrefs = _check(reports, catalog_links)
    assert {LLAMA_31 + "LICENSE", LLAMA_31 + "USE_POLICY.md"} <= set(hrefs), hrefs


def test_hostile_records_pass_every_consumer(tmp_path: Path, catalog_links: frozenset[str]) -> None:
    records = tmp_path / "records"
    records.mkdir()
    for file in HOSTILE.glob("*.yaml"):
        shutil.copy(file, records / file.name)
    reports = _validate(tmp_path)
    assert reports.exit_code == 1
    codes, hrefs = _check(reports, catalog_links)
    # The hostile text reached every place it was put: SC409 and SC002 quote it, the waiver
    # holds it, a file name carries it; and the only links are the catalog's.
    assert {"SC002", "SC303", "SC408", "SC409"} <= codes, codes
    messages = " ".join(d["message"] for d in reports.json["diagnostics"])
    for hostile in ("[x](javascript:alert(1))", "https://evil.example", "<script>", "@team", "\\r\\n"):
        assert hostile in messages, hostile
    # Bidi controls arrive in a title and a waiver reason, neutralised.
    assert "### ✅ records/0001-hostile-text.yaml · MSR-0001: Pick \ufffdrtl\ufffd \\[x\\]" in reports.markdown
    assert "\ufffdevil\ufffd" in reports.markdown
    assert "\ufffdevil\ufffd" in json.dumps(reports.sarif, ensure_ascii=False)
    assert any(d["waived"] for d in reports.json["diagnostics"])
    assert sorted(set(hrefs)) == [LLAMA_31 + "LICENSE", LLAMA_31 + "USE_POLICY.md"]
    assert "evil.example" not in " ".join(hrefs)
    junit_names = {case.classname for suite in check_junit(reports.junit) for case in suite}
    assert any("javascript:alert(1)" in name for name in junit_names)


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[c.name for c in GOLDEN_CASES])
def test_golden_outputs_pass_their_consumers(case: Path, catalog_links: frozenset[str]) -> None:
    """The committed outputs of every fixture, pass cases included (test_golden.py keeps them
    byte-equal to what selectcheck prints now)."""
    check_report_json(json.loads((case / "output.json").read_text(encoding="utf-8")))
    check_sarif(json.loads((case / "output.sarif").read_text(encoding="utf-8")))
    check_junit((case / "output.xml").read_text(encoding="utf-8"))
    check_markdown((case / "output.md").read_text(encoding="utf-8"), meant=catalog_links)
