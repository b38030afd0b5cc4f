"""License expressions against the license catalog: SC301 (forbids), SC302 (unknown),
SC303 (obligations), SC304 (same license) and SC305 (deny/allow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from selectcheck.catalog.licenses import LicenseCatalogFile, LicenseEntry
from selectcheck.compute.aliases import AliasIndex
from selectcheck.compute.license_terms import (
    LicenseVerdict,
    canonical_expression,
    declared_license,
    evaluate_license,
    is_denied,
    license_ids,
    same_license,
)

CATALOG = Path(__file__).resolve().parents[2] / "policy" / "catalog" / "licenses.yaml"


@pytest.fixture(scope="module")
def index() -> AliasIndex[LicenseEntry]:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    return LicenseCatalogFile.model_validate(data).index()


def _entry(id: str, commercial: str, **conditions: Any) -> dict[str, Any]:
    return {
        "id": id,
        "name": id.upper(),
        "hf_license": id,
        "use": {"commercial": commercial, "internal": commercial, "research": commercial},
        "conditions": conditions,
        "source": f"https://example.com/{id}",
    }


@pytest.fixture(scope="module")
def toy() -> AliasIndex[LicenseEntry]:
    """A small catalog whose terms the tests control, independent of the shipped data."""
    data = {
        "catalog_version": 1,
        "licenses": [
            _entry("free", "yes"),
            _entry("banned", "no"),
            _entry("one-rule", "conditional", other=["rule A"]),
            _entry("two-rules", "conditional", other=["rule B", "rule C"]),
        ],
    }
    return LicenseCatalogFile.model_validate(data).index()


# --------------------------------------------------------------------------- single licenses


def test_cc_by_nc_forbids_commercial_use(index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license("CC-BY-NC-4.0", "commercial", index)
    assert verdict.permitted == "no"
    assert verdict.forbidding == ("cc-by-nc-4.0",)
    assert verdict.obligations == ()
    assert not verdict.parse_failed


def test_cc_by_nc_forbids_internal_business_use(index: AliasIndex[LicenseEntry]) -> None:
    assert evaluate_license("cc-by-nc-4.0", "internal", index).permitted == "no"


def test_llama31_commercial_is_conditional_with_cap_naming_attribution(
    index: AliasIndex[LicenseEntry],
) -> None:
    verdict = evaluate_license("llama3.1", "commercial", index)
    assert verdict.permitted == "conditional"
    assert verdict.forbidding == ()
    assert verdict.basis == ("llama3.1",)
    text = "\n".join(verdict.obligations)
    assert "more than 700,000,000 monthly active users" in text
    assert "separate license from Meta" in text
    assert "display 'Built with Llama'" in text
    assert "derived model names must begin with 'Llama'" in text
    kinds = {obligation.kind for obligation in verdict.details}
    assert {"user_cap", "attribution", "naming", "acceptable_use"} <= kinds
    assert all(obligation.license == "llama3.1" for obligation in verdict.details)


def test_llama3_forbids_improving_other_models_with_outputs(
    index: AliasIndex[LicenseEntry],
) -> None:
    verdict = evaluate_license("llama3", "commercial", index)
    output_rules = [o.text for o in verdict.details if o.kind == "output_use"]
    assert output_rules and "do not use" in output_rules[0]
    assert any("'Llama 3'" in o for o in verdict.obligations)


def test_llama32_lists_the_eu_exclusion_for_multimodal_models(
    index: AliasIndex[LicenseEntry],
) -> None:
    verdict = evaluate_license("llama3.2", "commercial", index)
    regional = [o.text for o in verdict.details if o.kind == "regional_exclusion"]
    assert len(regional) == 1
    assert "multimodal" in regional[0] and "European Union" in regional[0]
    assert "exempt" in regional[0]


def test_gemma_use_policy_must_flow_down(index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license("gemma", "commercial", index)
    assert verdict.permitted == "conditional"
    policy = [o.text for o in verdict.details if o.kind == "acceptable_use"]
    assert policy and "pass its restrictions on to your users" in policy[0]


def test_apache_is_yes_without_obligations(index: AliasIndex[LicenseEntry]) -> None:
    for use in ("commercial", "internal", "research"):
        verdict = evaluate_license("apache-2.0", use, index)
        assert verdict.permitted == "yes"
        assert verdict.obligations == ()
        assert verdict.forbidding == ()
        assert verdict.unknown == ()


def test_qwen_research_forbids_commercial_but_allows_research(
    index: AliasIndex[LicenseEntry],
) -> None:
    assert evaluate_license("qwen-research", "commercial", index).permitted == "no"
    research = evaluate_license("qwen-research", "research", index)
    assert research.permitted == "conditional"
    assert any("non-commercial" in o for o in research.obligations)


def test_qwen_has_its_own_user_cap(index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license("qwen", "commercial", index)
    assert verdict.permitted == "conditional"
    assert any("100,000,000" in o and "Alibaba Cloud" in o for o in verdict.obligations)


@pytest.mark.parametrize("tag", ["mnpl", "mrl"])
def test_mistral_research_licenses_forbid_production_use(tag: str, index: AliasIndex[LicenseEntry]) -> None:
    assert evaluate_license(tag, "commercial", index).permitted == "no"
    assert evaluate_license(tag, "internal", index).permitted == "no"
    assert evaluate_license(tag, "research", index).permitted == "conditional"


def test_obligations_only_for_conditional_uses(index: AliasIndex[LicenseEntry]) -> None:
    internal = evaluate_license("gpl-3.0", "internal", index)
    assert internal.permitted == "yes" and internal.obligations == ()
    commercial = evaluate_license("GPL-3.0-or-later", "commercial", index)
    assert commercial.permitted == "conditional"
    assert [o.kind for o in commercial.details] == ["share_alike"]


def test_spdx_ids_and_aliases_resolve(index: AliasIndex[LicenseEntry]) -> None:
    assert evaluate_license("Apache-2.0", "commercial", index).basis == ("apache-2.0",)
    assert evaluate_license("Apache License, Version 2.0", "commercial", index).permitted == "yes"
    scancode = evaluate_license("LicenseRef-scancode-llama-3.1-license-2024", "commercial", index)
    assert scancode.basis == ("llama3.1",)


# --------------------------------------------------------------------------- expressions


def test_or_lets_the_licensee_choose_the_permissive_side(
    index: AliasIndex[LicenseEntry],
) -> None:
    verdict = evaluate_license("MIT OR CC-BY-NC-4.0", "commercial", index)
    assert verdict.permitted == "yes"
    assert verdict.basis == ("mit",)
    assert verdict.forbidding == ()
    assert verdict.obligations == ()


def test_and_requires_every_operand(index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license("MIT AND CC-BY-NC-4.0", "commercial", index)
    assert verdict.permitted == "no"
    assert verdict.forbidding == ("cc-by-nc-4.0",)
    assert verdict.obligations == ()


def test_operators_are_case_insensitive(index: AliasIndex[LicenseEntry]) -> None:
    assert evaluate_license("mit or cc-by-nc-4.0", "commercial", index).permitted == "yes"
    assert evaluate_license("mit and cc-by-nc-4.0", "commercial", index).permitted == "no"


def test_and_adds_up_obligations_of_all_operands(index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license("llama3.1 AND gemma AND apache-2.0", "commercial", index)
    assert verdict.permitted == "conditional"
    assert {o.license for o in verdict.details} == {"llama3.1", "gemma"}
    assert verdict.basis == ("llama3.1", "gemma", "apache-2.0")


def test_and_does_not_repeat_obligations(index: AliasIndex[LicenseEntry]) -> None:
    once = evaluate_license("llama3.1", "commercial", index)
    twice = evaluate_license("llama3.1 AND Llama-3.1", "commercial", index)
    assert twice.obligations == once.obligations


def test_with_exception_is_judged_by_its_license(index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license("Apache-2.0 WITH LLVM-exception", "commercial", index)
    assert verdict.permitted == "yes"
    assert verdict.unknown == ()
    nc = evaluate_license("cc-by-nc-4.0 WITH foo-exception", "commercial", index)
    assert nc.permitted == "no"


def test_nested_expression(index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license("apache-2.0 AND (cc-by-nc-4.0 OR llama3.1)", "commercial", index)
    assert verdict.permitted == "conditional"
    assert verdict.basis == ("apache-2.0", "llama3.1")


@pytest.mark.parametrize(
    ("expression", "permitted", "forbidding"),
    [
        ("free AND banned", "no", ("banned",)),
        ("nowhere AND banned", "no", ("banned",)),  # a known `no` beats an unknown
        ("nowhere AND free", "unknown", ()),
        ("nowhere AND one-rule", "unknown", ()),
        ("one-rule AND free", "conditional", ()),
        ("free OR banned", "yes", ()),
        ("nowhere OR banned", "unknown", ()),
        ("nowhere OR one-rule", "conditional", ()),
        ("banned OR Banned", "no", ("banned",)),
        ("banned OR (free AND banned)", "no", ("banned",)),
    ],
)
def test_verdict_order(
    expression: str, permitted: str, forbidding: tuple[str, ...], toy: AliasIndex[LicenseEntry]
) -> None:
    verdict = evaluate_license(expression, "commercial", toy)
    assert verdict.permitted == permitted
    assert verdict.forbidding == forbidding


def test_and_keeps_obligations_of_known_operands_when_another_is_unknown(
    toy: AliasIndex[LicenseEntry],
) -> None:
    verdict = evaluate_license("nowhere AND one-rule", "commercial", toy)
    assert verdict.obligations == ("rule A",)
    assert verdict.unknown == ("nowhere",)


def test_or_chooses_the_alternative_with_fewest_obligations(
    toy: AliasIndex[LicenseEntry],
) -> None:
    verdict = evaluate_license("two-rules OR one-rule", "commercial", toy)
    assert verdict.permitted == "conditional"
    assert verdict.obligations == ("rule A",)
    assert verdict.basis == ("one-rule",)
    # Equal counts: the leftmost alternative.
    assert evaluate_license("one-rule OR (free AND one-rule)", "commercial", toy).basis == ("one-rule",)


def test_or_reports_unknown_ids_of_unchosen_alternatives(toy: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license("free OR nowhere", "commercial", toy)
    assert verdict.permitted == "yes"
    assert verdict.unknown == ("nowhere",)


# --------------------------------------------------------------------------- unknown and bad input


def test_unknown_id(index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license("acme-model-license", "commercial", index)
    assert verdict.permitted == "unknown"
    assert verdict.unknown == ("acme-model-license",)
    assert not verdict.parse_failed


def test_bare_other_is_unknown(index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license("other", "commercial", index)
    assert verdict.permitted == "unknown"
    assert verdict.unknown == ("other",)


@pytest.mark.parametrize(
    "garbage",
    [
        "MIT AND",
        "((MIT",
        "MIT)",
        "MIT OR OR Apache-2.0",
        "a, b",
        "MIT/Apache-2.0",
        "",
        "   ",
        "WITH",
        "MIT WITH",
        "\x00",
        "Apache-2.0 WITH LLVM-exception WITH x",
        "(" * 5000 + "MIT" + ")" * 5000,
        "(MIT AND " * 3000 + "MIT" + ")" * 3000,
    ],
)
def test_garbage_is_a_parse_failure_not_an_exception(garbage: str, index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license(garbage, "commercial", index)
    assert isinstance(verdict, LicenseVerdict)
    if verdict.parse_failed:
        assert verdict.permitted == "unknown"
        assert verdict.parse_error
        assert verdict.unknown == ()
    else:  # a very deep but valid nest of parentheses is fine too
        assert verdict.permitted == "yes"


@pytest.mark.parametrize("garbage", ["MIT AND", "", "(((", "a, b"])
def test_common_garbage_fails_to_parse(garbage: str, index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license(garbage, "commercial", index)
    assert verdict.parse_failed and verdict.permitted == "unknown"


@pytest.mark.parametrize("not_a_string", [None, 42, ["MIT"], {"id": "MIT"}])
def test_non_string_license_is_a_parse_failure(not_a_string: Any, index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license(not_a_string, "commercial", index)
    assert verdict.parse_failed and verdict.permitted == "unknown"
    assert is_denied(not_a_string, ["mit"], ["apache-2.0"], index) == []
    assert same_license(not_a_string, "MIT", index) is False


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_gives_a_verdict(text: str, index: AliasIndex[LicenseEntry]) -> None:
    verdict = evaluate_license(text, "commercial", index)
    assert verdict.permitted in {"yes", "no", "conditional", "unknown"}
    assert (verdict.permitted == "no") == bool(verdict.forbidding)
    if verdict.parse_failed:
        assert verdict.permitted == "unknown"
    is_denied(text, ["cc-by-nc-4.0"], ["mit"], index)
    same_license(text, "MIT", index)
    canonical_expression(text, index)


def test_unknown_use_is_a_programming_error(index: AliasIndex[LicenseEntry]) -> None:
    with pytest.raises(ValueError, match="intended use"):
        evaluate_license("mit", "personal", index)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- helpers


def test_declared_license_uses_license_name_for_other() -> None:
    assert declared_license("other", "mnpl") == "mnpl"
    assert declared_license("Other", " qwen ") == "qwen"
    assert declared_license("other", None) == "other"
    assert declared_license("other", "  ") == "other"
    assert declared_license("apache-2.0", "ignored") == "apache-2.0"
    assert declared_license(None, "mrl") == "mrl"


def test_license_ids() -> None:
    assert license_ids("MIT OR (Apache-2.0 AND mit) ") == ("MIT", "Apache-2.0", "mit")
    assert license_ids("Apache-2.0 WITH LLVM-exception") == ("Apache-2.0",)
    assert license_ids("MIT AND") == ()


def test_canonical_expression(index: AliasIndex[LicenseEntry]) -> None:
    assert canonical_expression("Apache-2.0 or (MIT and GPL-3.0+)", index) == ("apache-2.0 OR (mit AND gpl-3.0)")
    assert canonical_expression("Foo_Bar WITH LLVM-exception", index) == ("foo-bar WITH llvm-exception")
    assert canonical_expression("MIT OR", index) is None


def test_obligations_order(index: AliasIndex[LicenseEntry]) -> None:
    entry = index.get("llama3.2")
    assert entry is not None
    kinds = [o.kind for o in entry.obligations()]
    assert kinds == [
        "user_cap",
        "attribution",
        "notice",
        "naming",
        "output_use",
        "acceptable_use",
        "regional_exclusion",
    ]
    assert str(entry.obligations()[0]).startswith("llama3.2: more than 700,000,000")


# --------------------------------------------------------------------------- SC304


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Apache-2.0", "apache-2.0"),
        ("apache-2.0", "Apache License 2.0"),
        ("CC-BY-NC-4.0", "cc-by-nc-4.0"),
        ("llama3.1", "LicenseRef-scancode-llama-3.1-license-2024"),
        ("MIT OR Apache-2.0", "apache-2.0 or mit"),
        ("MIT AND (Apache-2.0 OR BSD-3-Clause)", "(bsd-3-clause OR apache-2.0) AND MIT"),
        ("Acme_License", "acme-license"),
        ("Apache-2.0 WITH LLVM-exception", "apache-2.0 with llvm_exception"),
        ("not / valid", "Not / Valid"),
    ],
)
def test_same_license(a: str, b: str, index: AliasIndex[LicenseEntry]) -> None:
    assert same_license(a, b, index)
    assert same_license(b, a, index)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("llama3.1", "apache-2.0"),
        ("llama3.1", "llama3.2"),
        ("MIT OR Apache-2.0", "MIT AND Apache-2.0"),
        ("MIT", "MIT OR Apache-2.0"),
        ("Apache-2.0", "Apache-2.0 WITH LLVM-exception"),
        ("not / valid", "MIT"),
    ],
)
def test_different_licenses(a: str, b: str, index: AliasIndex[LicenseEntry]) -> None:
    assert not same_license(a, b, index)
    assert not same_license(b, a, index)


def test_same_license_without_a_catalog_compares_spellings() -> None:
    assert same_license("Apache-2.0", "apache_2.0")
    assert not same_license("Apache-2.0", "Apache License 2.0")


# --------------------------------------------------------------------------- SC305


def test_deny_in_required_branch_rejects(index: AliasIndex[LicenseEntry]) -> None:
    assert is_denied("MIT AND cc-by-nc-4.0", ["CC-BY-NC-4.0"], [], index) == ["cc-by-nc-4.0"]
    assert is_denied("cc-by-nc-4.0", ["cc-by-nc-4.0"], [], index) == ["cc-by-nc-4.0"]
    assert is_denied("apache-2.0 AND (mit AND cc-by-nc-4.0)", ["cc-by-nc-4.0"], [], index) == ["cc-by-nc-4.0"]


def test_deny_in_one_or_alternative_does_not_reject(index: AliasIndex[LicenseEntry]) -> None:
    assert is_denied("MIT OR CC-BY-NC-4.0", ["cc-by-nc-4.0"], [], index) == []


def test_deny_in_every_or_alternative_rejects_with_all_ids(
    index: AliasIndex[LicenseEntry],
) -> None:
    assert is_denied("agpl-3.0 OR cc-by-nc-4.0", ["AGPL-3.0", "cc-by-nc-4.0"], [], index) == [
        "agpl-3.0",
        "cc-by-nc-4.0",
    ]


def test_allow_list_requires_every_required_id(index: AliasIndex[LicenseEntry]) -> None:
    allow = ["Apache-2.0", "mit"]
    assert is_denied("apache-2.0", [], allow, index) == []
    assert is_denied("Apache License 2.0 AND MIT", [], allow, index) == []
    assert is_denied("MIT AND llama3.1", [], allow, index) == ["llama3.1"]
    assert is_denied("llama3.1 OR MIT", [], allow, index) == []
    assert is_denied("llama3.1 OR gemma", [], allow, index) == ["llama3.1", "gemma"]


def test_deny_wins_over_allow(index: AliasIndex[LicenseEntry]) -> None:
    assert is_denied("mit", ["MIT"], ["mit"], index) == ["mit"]


def test_empty_lists_accept_everything(index: AliasIndex[LicenseEntry]) -> None:
    assert is_denied("cc-by-nc-4.0 AND whatever", [], [], index) == []


def test_unknown_ids_match_by_spelling(index: AliasIndex[LicenseEntry]) -> None:
    assert is_denied("Acme_License", ["acme-license"], [], index) == ["Acme_License"]
    assert is_denied("acme-license", [], ["apache-2.0"], index) == ["acme-license"]


def test_with_is_judged_by_its_license(index: AliasIndex[LicenseEntry]) -> None:
    assert is_denied("Apache-2.0 WITH LLVM-exception", [], ["apache-2.0"], index) == []
    assert is_denied("Apache-2.0 WITH LLVM-exception", ["LLVM-exception"], [], index) == []


def test_unparseable_string_is_judged_as_one_id(index: AliasIndex[LicenseEntry]) -> None:
    assert is_denied("MIT/Apache", [], ["mit"], index) == ["MIT/Apache"]
    assert is_denied("MIT/Apache", ["mit/apache"], [], index) == ["MIT/Apache"]
    assert is_denied("MIT/Apache", ["mit"], [], index) == []
    assert is_denied("", [], ["mit"], index) == []


def test_is_denied_without_a_catalog() -> None:
    assert is_denied("MIT AND CC_BY_NC_4.0", ["cc-by-nc-4.0"]) == ["CC_BY_NC_4.0"]
