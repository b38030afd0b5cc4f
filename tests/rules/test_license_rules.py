"""The license rules SC301–SC305 called directly, with the shipped license catalog and a small
model catalog the tests control: messages, pointers, and the policy-aware choice among `OR`
alternatives. The end-to-end behaviour (real CLI, real catalogs, YAML locations) is covered by
the fixtures in `tests/fixtures/rules/SC30*/`."""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from selectcheck.analysis.context import ProjectIndex, RecordContext, RunOptions
from selectcheck.catalog import Catalog
from selectcheck.catalog.licenses import LicenseCatalogFile, LicenseEntry
from selectcheck.compute.aliases import AliasIndex
from selectcheck.compute.license_terms import evaluate_license, is_denied
from selectcheck.loader import load_bytes
from selectcheck.model.policy import Policy
from selectcheck.model.record import Record
from selectcheck.rules.registry import Finding, all_rules
from tests.conftest import invoke

REPO = Path(__file__).resolve().parents[2]
LICENSES = REPO / "policy" / "catalog" / "licenses.yaml"
BASE = REPO / "tests" / "fixtures" / "base-record.yaml"

QWEN = "Qwen/Qwen2.5-7B-Instruct"
PHI = "microsoft/phi-4"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"


@dataclass(frozen=True)
class _Model:
    """Stands in for `selectcheck.catalog.models.ModelEntry`: the rules only read `.license`."""

    id: str
    license: str
    aliases: tuple[str, ...] = ()


MODELS = AliasIndex(
    [
        _Model(QWEN, "apache-2.0", ("qwen2.5-7b-instruct",)),
        _Model(PHI, "mit"),
        _Model(LLAMA, "llama3.1"),
        _Model("Qwen/Qwen2.5-72B-Instruct", "qwen"),
        _Model("CohereForAI/c4ai-command-r-v01", "cc-by-nc-4.0"),
    ]
)


@pytest.fixture(scope="module")
def licenses() -> AliasIndex[LicenseEntry]:
    data = yaml.safe_load(LICENSES.read_text(encoding="utf-8"))
    return LicenseCatalogFile.model_validate(data).index()


def _record(
    *,
    use: str = "internal",
    candidates: list[dict[str, Any]] | None = None,
    chosen: str = QWEN,
) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["task"]["intended_use"] = use
    if candidates is not None:
        data["candidates"] = [{"scores": {}, **c} for c in candidates]
    data["decision"]["chosen"] = chosen
    data["decision"]["reasons"] = [{"kind": "license"}]
    data.pop("own_evaluation", None)
    return data


def _run(
    code: str,
    data: dict[str, Any],
    licenses: AliasIndex[LicenseEntry],
    *,
    deny: list[str] | None = None,
    allow: list[str] | None = None,
) -> list[Finding]:
    text = yaml.safe_dump(data, sort_keys=False)
    doc = load_bytes(text.encode(), "records/0001-x.yaml")
    policy = Policy.model_validate({"policy_version": 1, "licenses": {"deny": deny or [], "allow": allow or []}})
    catalog = Catalog(
        gpus=AliasIndex([]),
        models=MODELS,  # type: ignore[arg-type]
        benchmarks=AliasIndex([]),
        licenses=licenses,
    )
    ctx = RecordContext(
        record=Record.model_validate(data),
        data=data,
        doc=doc,
        path=Path("records/0001-x.yaml"),
        display_path="records/0001-x.yaml",
        policy=policy,
        catalog=catalog,
        project=ProjectIndex(),
        root=REPO,
        options=RunOptions(),
    )
    check = all_rules()[code].check
    assert check is not None
    findings = list(check(ctx))
    for finding in findings:  # every pointer names a real node
        span = doc.locate(finding.pointer)
        assert span.line > 1
    return findings


# --------------------------------------------------------------------------- registration


@pytest.mark.parametrize(
    ("code", "name", "severity"),
    [
        ("SC301", "license-forbids-use", "error"),
        ("SC302", "license-unknown", "warning"),
        ("SC303", "license-obligations", "info"),
        ("SC304", "license-mismatch", "error"),
        ("SC305", "license-denied", "error"),
    ],
)
def test_rules_are_registered(code: str, name: str, severity: str) -> None:
    rule = all_rules()[code]
    assert rule.info.name == name
    assert str(rule.info.default_severity.value) == severity
    assert rule.info.explanation and rule.info.failing_example and rule.info.passing_example


# --------------------------------------------------------------------------- SC301


def test_sc301_names_the_forbidding_license(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(use="commercial", candidates=[{"model": QWEN, "license": "CC-BY-NC-4.0"}])
    [finding] = _run("SC301", data, licenses)
    assert finding.pointer == "/candidates/0/license"
    assert "cc-by-nc-4.0" in finding.message and "commercial use" in finding.message
    assert QWEN in finding.message


def test_sc301_internal_use_under_non_commercial_license(
    licenses: AliasIndex[LicenseEntry],
) -> None:
    data = _record(use="internal", candidates=[{"model": QWEN, "license": "cc-by-nc-4.0"}])
    [finding] = _run("SC301", data, licenses)
    assert "internal use" in finding.message
    assert "commercial advantage" in finding.help


def test_sc301_and_expression_names_the_culprit(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(use="commercial", candidates=[{"model": QWEN, "license": "Apache-2.0 AND CC-BY-NC-4.0"}])
    [finding] = _run("SC301", data, licenses)
    assert "`Apache-2.0 AND CC-BY-NC-4.0`" in finding.message
    assert "cc-by-nc-4.0" in finding.message and "forbids it" in finding.message


def test_sc301_or_expression_passes_when_one_side_permits(
    licenses: AliasIndex[LicenseEntry],
) -> None:
    data = _record(use="commercial", candidates=[{"model": QWEN, "license": "MIT OR CC-BY-NC-4.0"}])
    assert _run("SC301", data, licenses) == []


def test_sc301_or_alternative_rejected_by_policy_is_not_a_way_out(
    licenses: AliasIndex[LicenseEntry],
) -> None:
    """The gap between SC305 and SC301: `MIT OR CC-BY-NC-4.0` under `deny: [mit]` passes
    SC305 (the NC side is allowed) and must then fail SC301 (the NC side forbids the use)."""
    data = _record(use="commercial", candidates=[{"model": QWEN, "license": "MIT OR CC-BY-NC-4.0"}])
    assert _run("SC305", data, licenses, deny=["MIT"]) == []
    [finding] = _run("SC301", data, licenses, deny=["MIT"])
    assert "cc-by-nc-4.0" in finding.message
    assert "MIT" in finding.message and "rejected by the policy" in finding.message


def test_sc301_only_judges_the_chosen_model(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(
        use="commercial",
        candidates=[
            {"model": QWEN, "license": "apache-2.0"},
            {"model": PHI, "license": "cc-by-nc-4.0"},
        ],
    )
    assert _run("SC301", data, licenses) == []


def test_sc301_other_with_license_name_points_at_the_name(
    licenses: AliasIndex[LicenseEntry],
) -> None:
    data = _record(
        use="commercial",
        candidates=[{"model": QWEN, "license": "other", "license_name": "qwen-research"}],
    )
    [finding] = _run("SC301", data, licenses)
    assert finding.pointer == "/candidates/0/license_name"
    assert "qwen-research" in finding.message


def test_sc301_silent_when_chosen_is_not_a_candidate(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(use="commercial", candidates=[{"model": QWEN, "license": "cc-by-nc-4.0"}], chosen="x/y")
    assert _run("SC301", data, licenses) == []


# --------------------------------------------------------------------------- SC302


def test_sc302_bare_other(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(candidates=[{"model": QWEN, "license": "other"}])
    [finding] = _run("SC302", data, licenses)
    assert finding.pointer == "/candidates/0/license"
    assert "license_name" in finding.message


def test_sc302_checks_every_candidate_and_suggests(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(
        candidates=[
            {"model": QWEN, "license": "apache-2.0"},
            {"model": PHI, "license": "other", "license_name": "acme-model-license"},
            {"model": LLAMA, "license": "llama3.1 OR lama3.2"},
        ]
    )
    findings = _run("SC302", data, licenses)
    assert [f.pointer for f in findings] == [
        "/candidates/1/license_name",
        "/candidates/2/license",
    ]
    assert "`acme-model-license`" in findings[0].message
    assert "`lama3.2`" in findings[1].message and "llama3.2" in findings[1].help


def test_sc302_invalid_expression(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(candidates=[{"model": QWEN, "license": "MIT AND (Apache-2.0"}])
    [finding] = _run("SC302", data, licenses)
    assert "not a valid license" in finding.message


def test_sc302_known_licenses_pass(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(
        candidates=[
            {"model": QWEN, "license": "Apache-2.0 WITH LLVM-exception"},
            {"model": PHI, "license": "other", "license_name": "qwen"},
        ]
    )
    assert _run("SC302", data, licenses) == []


# --------------------------------------------------------------------------- SC303


def test_sc303_lists_llama_obligations_in_one_sentence(
    licenses: AliasIndex[LicenseEntry],
) -> None:
    data = _record(use="commercial", candidates=[{"model": LLAMA, "license": "llama3.1"}], chosen=LLAMA)
    [finding] = _run("SC303", data, licenses)
    assert finding.pointer == "/candidates/0/license"
    message = finding.message
    assert message.startswith("llama3.1 permits commercial use of the chosen model")
    assert "700,000,000 monthly active users" in message
    assert "'Built with Llama'" in message
    assert "must begin with 'Llama'" in message
    assert "\n" not in message and "; " in message
    assert "https://github.com/meta-llama/llama-models" in finding.help


def test_sc303_and_expression_prefixes_each_obligation(
    licenses: AliasIndex[LicenseEntry],
) -> None:
    data = _record(
        use="commercial",
        candidates=[{"model": LLAMA, "license": "llama3.1 AND gemma"}],
        chosen=LLAMA,
    )
    [finding] = _run("SC303", data, licenses)
    assert finding.message.startswith("llama3.1 and gemma permit commercial use")
    assert "llama3.1: more than 700,000,000" in finding.message
    assert "gemma: comply with the Gemma Prohibited Use Policy" in finding.message


def test_sc303_silent_for_permissive_and_forbidden(licenses: AliasIndex[LicenseEntry]) -> None:
    for license in ("apache-2.0", "cc-by-nc-4.0", "MIT OR llama3.1", "unknown-thing"):
        data = _record(use="commercial", candidates=[{"model": QWEN, "license": license}])
        assert _run("SC303", data, licenses) == [], license


def test_sc303_follows_the_alternative_the_policy_leaves(
    licenses: AliasIndex[LicenseEntry],
) -> None:
    data = _record(use="commercial", candidates=[{"model": QWEN, "license": "MIT OR llama3.1"}])
    [finding] = _run("SC303", data, licenses, allow=["llama3.1"])
    assert "Built with Llama" in finding.message


# --------------------------------------------------------------------------- SC304


def test_sc304_apache_declared_for_llama(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(candidates=[{"model": LLAMA, "license": "apache-2.0"}], chosen=LLAMA)
    [finding] = _run("SC304", data, licenses)
    assert finding.pointer == "/candidates/0/license"
    assert "`apache-2.0`" in finding.message and "llama3.1" in finding.message
    assert "Declare `license: llama3.1`" in finding.help


def test_sc304_spellings_and_other_with_name_are_equal(
    licenses: AliasIndex[LicenseEntry],
) -> None:
    data = _record(
        candidates=[
            {"model": "qwen/qwen2.5-7b-instruct", "license": "Apache License 2.0"},
            {"model": PHI, "license": "MIT"},
            {"model": "Qwen/Qwen2.5-72B-Instruct", "license": "other", "license_name": "qwen"},
            {"model": "acme/unknown-model", "license": "whatever"},
        ],
        chosen=PHI,
    )
    assert _run("SC304", data, licenses) == []


def test_sc304_card_style_license_tells_how_to_declare_it(
    licenses: AliasIndex[LicenseEntry],
) -> None:
    data = _record(
        candidates=[
            {"model": QWEN, "license": "apache-2.0"},
            {"model": "Qwen/Qwen2.5-72B-Instruct", "license": "apache-2.0"},
        ]
    )
    [finding] = _run("SC304", data, licenses)
    assert finding.pointer == "/candidates/1/license"
    assert "`license: other` with `license_name: qwen`" in finding.help


def test_sc304_bare_other(licenses: AliasIndex[LicenseEntry]) -> None:
    """`other` alone is SC302's business where the card says `other` too; for a model
    whose card has a real tag it is a mismatch."""
    data = _record(
        candidates=[
            {"model": QWEN, "license": "apache-2.0"},
            {"model": "Qwen/Qwen2.5-72B-Instruct", "license": "other"},
            {"model": LLAMA, "license": "other"},
        ]
    )
    [finding] = _run("SC304", data, licenses)
    assert finding.pointer == "/candidates/2/license"


def test_sc304_deepseek_v3_0324_is_mit(tmp_path: Path) -> None:
    """Issue 21: V3-0324 used to be an alias of DeepSeek-V3 (license `deepseek`), so a record
    declaring its real license, MIT, got a false SC304. Through the CLI, with the shipped
    model catalog."""

    def sc304(model: str, license: dict[str, str], name: str) -> list[dict[str, Any]]:
        data = _record(candidates=[{"model": QWEN, "license": "apache-2.0"}, {"model": model, **license}])
        (tmp_path / name / "records").mkdir(parents=True)
        (tmp_path / name / "records" / "0001-x.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
        result = invoke(["validate", "--format", "json", "records"], tmp_path / name)
        return [d for d in result.json()["diagnostics"] if d["code"] == "SC304"]

    assert sc304("deepseek-ai/DeepSeek-V3-0324", {"license": "mit"}, "a") == []
    (wrong,) = sc304("deepseek-ai/DeepSeek-V3-0324", {"license": "other", "license_name": "deepseek"}, "b")
    assert "mit" in wrong["message"]
    (v3,) = sc304("deepseek-ai/DeepSeek-V3", {"license": "mit"}, "c")
    assert "deepseek" in v3["message"]


def test_sc303_research_notice_and_falcon_obligations(licenses: AliasIndex[LicenseEntry]) -> None:
    mistral = _record(use="research", candidates=[{"model": QWEN, "license": "other", "license_name": "mrl"}])
    [finding] = _run("SC303", mistral, licenses)
    assert 'include the notice "Licensed by Mistral AI under the Mistral AI Research License"' in finding.message
    falcon = _record(
        use="commercial",
        candidates=[{"model": QWEN, "license": "other", "license_name": "falcon-180b-tii-license-1.0"}],
    )
    [finding] = _run("SC303", falcon, licenses)
    assert "display 'built using Falcon LLM technology'" in finding.message
    assert "pass its restrictions on to your users as an enforceable term" in finding.message
    assert "is not Hosting Use, §9.2)" in finding.message


# --------------------------------------------------------------------------- SC305


def test_sc305_deny_list(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(candidates=[{"model": QWEN, "license": "apache-2.0"}])
    [finding] = _run("SC305", data, licenses, deny=["Apache-2.0"])
    assert finding.pointer == "/candidates/0/license"
    assert finding.message.startswith("the policy denies the license `apache-2.0`")


def test_sc305_allow_list(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(candidates=[{"model": LLAMA, "license": "llama3.1 AND mit"}], chosen=LLAMA)
    [finding] = _run("SC305", data, licenses, allow=["apache-2.0", "mit"])
    assert "`llama3.1` is not on its allow list (apache-2.0, mit)" in finding.message


def test_sc305_only_the_chosen_model(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(
        candidates=[
            {"model": QWEN, "license": "apache-2.0"},
            {"model": PHI, "license": "mit"},
        ],
        chosen=PHI,
    )
    assert _run("SC305", data, licenses, deny=["apache-2.0"]) == []


def test_sc305_or_needs_every_alternative_rejected(licenses: AliasIndex[LicenseEntry]) -> None:
    data = _record(candidates=[{"model": QWEN, "license": "apache-2.0 OR mit"}])
    assert _run("SC305", data, licenses, deny=["apache-2.0"]) == []
    [finding] = _run("SC305", data, licenses, deny=["apache-2.0", "mit"])
    assert "`apache-2.0` and `mit`" in finding.message


# --------------------------------------------------------------------------- the engine


def test_evaluate_license_sets_aside_alternatives_the_policy_rejects(
    licenses: AliasIndex[LicenseEntry],
) -> None:
    free = evaluate_license("MIT OR CC-BY-NC-4.0", "commercial", licenses)
    assert free.permitted == "yes" and free.set_aside == ()
    bound = evaluate_license("MIT OR CC-BY-NC-4.0", "commercial", licenses, deny=["mit"])
    assert bound.permitted == "no"
    assert bound.forbidding == ("cc-by-nc-4.0",)
    assert bound.set_aside == ("MIT",)
    # allow lists narrow the choice the same way
    allowed = evaluate_license("MIT OR llama3.1", "commercial", licenses, allow=["llama3.1"])
    assert allowed.permitted == "conditional" and allowed.basis == ("llama3.1",)
    # when the policy rejects every alternative, the choice stays open (SC305 reports it)
    both = evaluate_license("MIT OR llama3.1", "commercial", licenses, deny=["mit", "llama3.1"])
    assert both.permitted == "yes" and both.set_aside == ()


@pytest.mark.parametrize(
    "expression",
    [
        "MIT OR CC-BY-NC-4.0",
        "(MIT AND llama3.1) OR cc-by-nc-4.0",
        "(mit OR gemma) AND (cc-by-nc-4.0 OR llama3.1)",
        "qwen-research OR (apache-2.0 AND llama3.2)",
    ],
)
@pytest.mark.parametrize(
    ("deny", "allow"),
    [([], []), (["mit"], []), (["cc-by-nc-4.0"], []), ([], ["llama3.1", "cc-by-nc-4.0"])],
)
def test_an_accepted_expression_is_judged_on_accepted_licenses(
    expression: str, deny: list[str], allow: list[str], licenses: AliasIndex[LicenseEntry]
) -> None:
    """Whenever SC305 accepts an expression, SC301/SC303 rest on licenses it accepts."""
    if is_denied(expression, deny, allow, licenses):
        return
    verdict = evaluate_license(expression, "commercial", licenses, deny=deny, allow=allow)
    for license_id in verdict.basis:
        assert is_denied(license_id, deny, allow, licenses) == [], (expression, verdict)


# --------------------------------------------------------------------------- end to end
# The issue's examples, through the real CLI, the shipped catalogs and the YAML fixtures.

FIXTURES = REPO / "tests" / "fixtures" / "rules"


def _validate(case: str, tmp_path: Path, *extra: str) -> tuple[int, str]:
    shutil.copytree(FIXTURES / case, tmp_path / "records")
    for policy in (tmp_path / "records").glob(".selectcheck.yaml"):
        policy.rename(tmp_path / policy.name)
    result = invoke(["validate", *extra, "records"], tmp_path)
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, result.stdout


def _diagnostics(case: str, tmp_path: Path) -> tuple[int, dict[str, list[dict[str, Any]]]]:
    code, out = _validate(case, tmp_path, "--format", "json")
    by_code: dict[str, list[dict[str, Any]]] = {}
    for diag in json.loads(out)["diagnostics"]:
        by_code.setdefault(diag["code"], []).append(diag)
    return code, by_code


def test_issue_cc_by_nc_for_commercial_use_fails(tmp_path: Path) -> None:
    exit_code, found = _diagnostics("SC301/fail-cc-by-nc-commercial", tmp_path)
    assert exit_code == 1
    [diag] = found["SC301"]
    assert diag["pointer"] == "/candidates/1/license"
    assert "cc-by-nc-4.0" in diag["message"] and "commercial use" in diag["message"]


def test_issue_llama31_for_commercial_use_passes_with_obligations(tmp_path: Path) -> None:
    exit_code, found = _diagnostics("SC303/fail-llama31-commercial", tmp_path)
    assert exit_code == 0
    assert not {"SC301", "SC302", "SC304", "SC305"} & set(found)
    [diag] = found["SC303"]
    assert diag["severity"] == "info"
    assert "700,000,000 monthly active users" in diag["message"]
    assert "begin with 'Llama'" in diag["message"]
    assert "'Built with Llama'" in diag["message"]
    assert diag["help"]


def test_issue_obligations_reach_the_pull_request_summary(tmp_path: Path) -> None:
    _, markdown = _validate("SC303/fail-llama31-commercial", tmp_path, "--format", "markdown")
    assert "SC303" in markdown
    assert "700,000,000 monthly active users" in markdown and "Built with Llama" in markdown


def test_issue_apache_declared_for_llama_fails(tmp_path: Path) -> None:
    exit_code, found = _diagnostics("SC304/fail-apache-for-llama", tmp_path)
    assert exit_code == 1
    [diag] = found["SC304"]
    assert "`apache-2.0`" in diag["message"] and "llama3.1" in diag["message"]


def test_issue_policy_denying_apache_fails_qwen(tmp_path: Path) -> None:
    exit_code, found = _diagnostics("SC305/fail-deny-apache", tmp_path)
    assert exit_code == 1
    [diag] = found["SC305"]
    assert "Qwen/Qwen2.5-7B-Instruct" in diag["message"] and "apache-2.0" in diag["message"]


def test_issue_other_without_license_name_warns(tmp_path: Path) -> None:
    exit_code, found = _diagnostics("SC302/fail-other-without-name", tmp_path)
    assert exit_code == 0
    [diag] = found["SC302"]
    assert diag["severity"] == "warning" and "license_name" in diag["message"]


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=60),
    deny=st.lists(st.sampled_from(["mit", "apache-2.0", "cc-by-nc-4.0", "llama3.1", "acme"]), max_size=3),
    allow=st.lists(st.sampled_from(["mit", "apache-2.0", "gemma", "qwen"]), max_size=2),
)
def test_policy_aware_verdicts_never_raise(
    text: str, deny: list[str], allow: list[str], licenses: AliasIndex[LicenseEntry]
) -> None:
    verdict = evaluate_license(text, "commercial", licenses, deny=deny, allow=allow)
    assert (verdict.permitted == "no") == bool(verdict.forbidding)
    if not is_denied(text, deny, allow, licenses):
        for license_id in verdict.basis:
            assert not is_denied(license_id, deny, allow, licenses)
