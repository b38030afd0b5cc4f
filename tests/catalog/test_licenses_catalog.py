"""The shipped license catalog `policy/catalog/licenses.yaml` and its pydantic models."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from selectcheck.catalog.licenses import LicenseCatalogFile, LicenseEntry
from selectcheck.compute.aliases import AliasIndex
from selectcheck.compute.license_terms import USES, evaluate_license

CATALOG = Path(__file__).resolve().parents[2] / "policy" / "catalog" / "licenses.yaml"

# The ids DESIGN §2.1's models and the issue call for.
REQUIRED_IDS = [
    "llama2",
    "llama3",
    "llama3.1",
    "llama3.2",
    "llama3.3",
    "llama4",
    "gemma",
    "apache-2.0",
    "mit",
    "cc-by-nc-4.0",
    "cc-by-4.0",
    "cc-by-sa-4.0",
    "cc-by-nc-sa-4.0",
    "qwen",
    "qwen-research",
    "mrl",
    "mnpl",
    "deepseek",
    "openrail",
    "bigscience-openrail-m",
    "creativeml-openrail-m",
    "bsd-3-clause",
    "gpl-3.0",
    "falcon-llm-license",
]


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def catalog(raw: dict[str, Any]) -> LicenseCatalogFile:
    return LicenseCatalogFile.model_validate(raw)


@pytest.fixture(scope="module")
def index(catalog: LicenseCatalogFile) -> AliasIndex[LicenseEntry]:
    return catalog.index()


def _good_entry() -> dict[str, Any]:
    return {
        "id": "acme",
        "name": "Acme Model License",
        "hf_license": "other",
        "use": {"commercial": "conditional", "internal": "yes", "research": "yes"},
        "conditions": {"other": ["keep the Acme logo"]},
        "source": "https://example.com/acme-license",
    }


def _file(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"catalog_version": 1, "licenses": list(entries)}


# --------------------------------------------------------------------------- the shipped file


def test_yaml_validates(catalog: LicenseCatalogFile) -> None:
    assert catalog.catalog_version == 1
    assert len(catalog.licenses) >= len(REQUIRED_IDS)


@pytest.mark.parametrize("license_id", REQUIRED_IDS)
def test_required_ids_present(license_id: str, index: AliasIndex[LicenseEntry]) -> None:
    entry = index.get(license_id)
    assert entry is not None and entry.id == license_id


def test_every_entry_has_a_source_url(catalog: LicenseCatalogFile, raw: dict[str, Any]) -> None:
    for entry in catalog.licenses:
        assert entry.source.startswith(("https://", "http://")), entry.id
    # Checked on the raw YAML too, so a default could never fill it in.
    for item in raw["licenses"]:
        assert isinstance(item.get("source"), str) and item["source"].startswith("http"), item["id"]


def test_an_entry_without_a_source_is_rejected() -> None:
    entry = _good_entry()
    LicenseCatalogFile.model_validate(_file(entry))  # the control passes
    del entry["source"]
    with pytest.raises(ValidationError, match="source"):
        LicenseCatalogFile.model_validate(_file(entry))


@pytest.mark.parametrize("bad", ["", "see the license", "ftp://example.com/x", "https://"])
def test_an_entry_with_a_bad_source_is_rejected(bad: str) -> None:
    entry = _good_entry() | {"source": bad}
    with pytest.raises(ValidationError, match="source"):
        LicenseCatalogFile.model_validate(_file(entry))


def test_every_alias_resolves_to_its_entry(catalog: LicenseCatalogFile, index: AliasIndex[LicenseEntry]) -> None:
    for entry in catalog.licenses:
        for name in (entry.id, *entry.aliases, entry.id.upper()):
            assert index.get(name) is entry, name
            # ...and a record declaring the alias gets that entry's verdict.
            verdict = evaluate_license(name, "commercial", index)
            assert not verdict.parse_failed and verdict.unknown == (), name
            assert verdict.basis == (entry.id,), name


def test_spdx_and_scancode_ids_are_aliases(catalog: LicenseCatalogFile, index: AliasIndex[LicenseEntry]) -> None:
    for entry in catalog.licenses:
        if entry.spdx:
            assert index.get(entry.spdx) is entry, entry.spdx
        if entry.scancode:
            assert index.get(entry.scancode) is entry, entry.scancode


def test_hf_license_is_the_id_or_other(catalog: LicenseCatalogFile) -> None:
    for entry in catalog.licenses:
        assert entry.hf_license in (entry.id, "other"), entry.id


def test_conditional_uses_have_obligations(catalog: LicenseCatalogFile) -> None:
    for entry in catalog.licenses:
        for use in USES:
            if entry.use.for_use(use) == "conditional":
                assert not entry.conditions.is_empty(), (entry.id, use)


def test_yaml_spells_permissions_as_strings(raw: dict[str, Any]) -> None:
    """YAML 1.1 reads a bare yes/no as a boolean; the strict models must refuse that."""
    for item in raw["licenses"]:
        for use in USES:
            assert isinstance(item["use"][use], str), (item["id"], use)
    entry = _good_entry()
    entry["use"]["internal"] = True
    with pytest.raises(ValidationError):
        LicenseCatalogFile.model_validate(_file(entry))


# --------------------------------------------------------------------------- key facts


@pytest.mark.parametrize("tag", ["llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4"])
def test_llama_user_cap(tag: str, index: AliasIndex[LicenseEntry]) -> None:
    entry = index.get(tag)
    assert entry is not None
    cap = entry.conditions.user_cap
    assert cap is not None and cap.monthly_active_users == 700_000_000 and cap.grantor == "Meta"
    assert entry.use.commercial == "conditional"


@pytest.mark.parametrize(("tag", "prefix"), [("llama3", "Llama 3"), ("llama3.1", "Llama")])
def test_llama_naming(tag: str, prefix: str, index: AliasIndex[LicenseEntry]) -> None:
    entry = index.get(tag)
    assert entry is not None and entry.conditions.naming is not None
    assert entry.conditions.naming.prefix == prefix


@pytest.mark.parametrize("tag", ["llama3.1", "llama3.2", "llama3.3", "llama4"])
def test_llama_attribution_is_triggered_by_making_available(tag: str, index: AliasIndex[LicenseEntry]) -> None:
    """Issue 21: §1.b.i says "distribute or make available" (hosted services included), and
    Llama 3.1+ covers products that contain the model."""
    entry = index.get(tag)
    assert entry is not None and entry.conditions.attribution is not None
    where = entry.conditions.attribution.where
    assert "distribute or make available" in where and "hosted service makes it available" in where
    assert "that contains it" in where and entry.conditions.attribution.texts == ("Built with Llama",)


def test_llama3_attribution_covers_products_that_use_it(index: AliasIndex[LicenseEntry]) -> None:
    entry = index.get("llama3")
    assert entry is not None and entry.conditions.attribution is not None
    assert "distribute or make available" in entry.conditions.attribution.where
    assert "a product or service that uses it" in entry.conditions.attribution.where


def test_llama4_has_the_outputs_and_naming_clause_of_llama31(index: AliasIndex[LicenseEntry]) -> None:
    llama31, llama4 = index.get("llama3.1"), index.get("llama4")
    assert llama31 is not None and llama4 is not None
    assert llama4.conditions.output_use is not None and llama31.conditions.output_use is not None
    assert llama4.conditions.output_use.allowed == llama31.conditions.output_use.allowed == "conditional"
    assert llama4.conditions.naming is not None and llama4.conditions.naming.prefix == "Llama"
    assert not any("output-use" in item for item in llama4.unconfirmed)


QWEN_RESEARCH_NOTICE = (
    "Qwen is licensed under the Qwen RESEARCH LICENSE AGREEMENT, Copyright (c) Alibaba Cloud. All Rights Reserved."
)


@pytest.mark.parametrize(
    ("tag", "notice"),
    [
        ("qwen-research", QWEN_RESEARCH_NOTICE),
        ("mrl", "Licensed by Mistral AI under the Mistral AI Research License"),
        ("mnpl", "Licensed by Mistral AI under the Mistral AI Non-Production License"),
    ],
)
def test_research_licenses_require_their_notice_text(tag: str, notice: str, index: AliasIndex[LicenseEntry]) -> None:
    entry = index.get(tag)
    assert entry is not None and entry.conditions.notice == notice
    assert "§3.c" in (entry.notes or "") or "§2.2" in (entry.notes or "")


def test_falcon_180b_flow_down_attribution_and_background_use(index: AliasIndex[LicenseEntry]) -> None:
    entry = index.get("falcon-180b-tii-license-1.0")
    assert entry is not None
    policy = entry.conditions.acceptable_use_flowdown
    assert policy is not None and policy.flow_down and policy.updatable
    assert entry.conditions.attribution is not None
    assert entry.conditions.attribution.texts == ("built using Falcon LLM technology",)
    (hosting,) = entry.conditions.other
    assert "Hosting Use, §9" in hosting and "background of your own application" in hosting and "§9.2" in hosting
    assert "§4.1(a)" in (entry.notes or "") and "§6.1" in (entry.notes or "")


def test_eu_exclusion_only_where_sourced(catalog: LicenseCatalogFile) -> None:
    with_exclusion = {e.id for e in catalog.licenses if e.conditions.regional_exclusions}
    assert with_exclusion == {"llama3.2", "llama4"}


@pytest.mark.parametrize("tag", ["cc-by-nc-4.0", "cc-by-nc-sa-4.0", "qwen-research", "mrl", "mnpl"])
def test_non_commercial_licenses(tag: str, index: AliasIndex[LicenseEntry]) -> None:
    entry = index.get(tag)
    assert entry is not None
    assert entry.use.commercial == "no" and entry.use.internal == "no"


@pytest.mark.parametrize("tag", ["apache-2.0", "mit", "bsd-3-clause", "cc-by-4.0"])
def test_permissive_licenses_carry_no_conditions(tag: str, index: AliasIndex[LicenseEntry]) -> None:
    entry = index.get(tag)
    assert entry is not None
    assert (entry.use.commercial, entry.use.internal, entry.use.research) == ("yes",) * 3
    assert entry.conditions.is_empty()


# --------------------------------------------------------------------------- the models


def test_unknown_keys_are_rejected() -> None:
    entry = _good_entry() | {"comercial": "yes"}
    with pytest.raises(ValidationError, match="comercial"):
        LicenseCatalogFile.model_validate(_file(entry))
    entry = _good_entry()
    entry["conditions"] = {"user_cap": {"monthly_active_users": 5, "measured": "m", "grantor": "g", "x": 1}}
    with pytest.raises(ValidationError):
        LicenseCatalogFile.model_validate(_file(entry))


def test_conditional_without_conditions_is_rejected() -> None:
    entry = _good_entry()
    del entry["conditions"]
    with pytest.raises(ValidationError, match="lists no conditions"):
        LicenseCatalogFile.model_validate(_file(entry))


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValidationError, match="more than once"):
        LicenseCatalogFile.model_validate(_file(_good_entry(), _good_entry() | {"id": "ACME"}))


def test_an_alias_may_not_name_two_licenses() -> None:
    other = _good_entry() | {"id": "beta", "aliases": ["Acme"]}
    with pytest.raises(ValidationError, match="names both"):
        LicenseCatalogFile.model_validate(_file(_good_entry(), other))


def test_entries_are_immutable(catalog: LicenseCatalogFile) -> None:
    entry = catalog.licenses[0]
    with pytest.raises(ValidationError):
        entry.id = "changed"  # type: ignore[misc]


def test_later_entry_with_same_id_overrides_in_index(catalog: LicenseCatalogFile) -> None:
    """How a repository's policy pack replaces a shipped entry (AliasIndex semantics)."""
    raw_mit = catalog.licenses[[e.id for e in catalog.licenses].index("mit")]
    changed = raw_mit.model_copy(update={"notes": "house rule"})
    index = AliasIndex([*catalog.licenses, changed])
    found = index.get("MIT")
    assert found is not None and found.notes == "house rule"


def test_every_schema_property_has_a_description() -> None:
    schema = LicenseCatalogFile.model_json_schema()
    missing: list[str] = []

    def walk(node: dict[str, Any], where: str) -> None:
        for name, prop in node.get("properties", {}).items():
            if "description" not in prop:
                missing.append(f"{where}.{name}")

    walk(schema, "LicenseCatalogFile")
    for name, definition in schema.get("$defs", {}).items():
        walk(definition, name)
    assert missing == []


def test_validates_a_deep_copy_of_the_yaml_without_mutating_it(raw: dict[str, Any]) -> None:
    before = copy.deepcopy(raw)
    LicenseCatalogFile.model_validate(raw)
    assert raw == before
