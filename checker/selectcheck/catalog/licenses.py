"""The license catalog: what each model license lets you do, and on what conditions.

One entry per license, keyed by the Hugging Face `license` tag (or, for cards that declare
`license: other`, by their `license_name`), with the SPDX id and common spellings as aliases.
Every entry states, for each intended use of DESIGN §2 (`commercial`, `internal`,
`research`), whether the license permits it (`yes`), forbids it (`no`) or permits it only on
conditions (`conditional`), and lists those conditions as data so that SC303 can name them.

What counts as a condition: terms that shape the use itself or the product around it (user
caps, display attributions, model-naming rules, output-use limits, acceptable-use policies
that must be passed on, regional exclusions, share-alike, custom notice texts). The generic
duty of permissive licenses (Apache-2.0, MIT, BSD, CC-BY) to keep the license text and
copyright notices in redistributed copies is not listed: it applies to every open license and
would only add noise to every record. Such entries are `yes` and say so in `notes`.

The catalog is data only; `selectcheck.compute.license_terms` evaluates license expressions
against it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from selectcheck.catalog.base import URL_PATTERN, CatalogModel
from selectcheck.compute.aliases import AliasIndex, normalize_id
from selectcheck.compute.license_terms import USES, Obligation, ObligationKind, Permission, Use

Url = Annotated[str, Field(pattern=URL_PATTERN, min_length=10)]
NonEmptyStr = Annotated[str, Field(min_length=1)]


class UsePermissions(CatalogModel):
    """Whether the license permits each intended use of DESIGN §2."""

    commercial: Permission = Field(
        description=(
            "Use in or for a product or service offered to customers, or otherwise for "
            "commercial advantage: yes, no or conditional."
        )
    )
    internal: Permission = Field(
        description=(
            "Use inside an organisation (internal tools, staff assistants) without offering "
            "the model to outside users. A business's internal use still counts as commercial "
            "advantage under non-commercial licenses: yes, no or conditional."
        )
    )
    research: Permission = Field(
        description=("Research and evaluation that is not itself a product: yes, no or conditional.")
    )

    def for_use(self, use: Use) -> Permission:
        """The permission for one intended use."""
        permission: Permission = getattr(self, use)
        return permission


class UserCap(CatalogModel):
    """A threshold of monthly active users above which the license grant ends."""

    monthly_active_users: int = Field(
        gt=0,
        le=10**12,
        description="The number of monthly active users above which a separate license is needed.",
    )
    measured: NonEmptyStr = Field(
        description=(
            "Whose users count and when, e.g. 'of the licensee's and its affiliates' products "
            "in the calendar month before the version's release date'."
        )
    )
    grantor: NonEmptyStr = Field(description="Who grants the separate license above the cap, e.g. 'Meta'.")


class Attribution(CatalogModel):
    """Text the licensee must display in or about the product (beyond a license copy)."""

    texts: Annotated[tuple[NonEmptyStr, ...], Field(strict=False, min_length=1)] = Field(
        description="The required display text; when several are given, any one of them will do."
    )
    where: NonEmptyStr = Field(
        description=(
            "Where and when the text must appear, e.g. 'prominently on a related website, user "
            "interface, blog post, about page or product documentation'."
        )
    )


class Naming(CatalogModel):
    """A rule on the names of models derived from the licensed model."""

    prefix: NonEmptyStr = Field(description="The text a derived model's name must begin with, e.g. 'Llama'.")
    applies_to: NonEmptyStr = Field(description="Which derived models the rule covers (e.g. those you distribute).")


class OutputUse(CatalogModel):
    """Limits on using the model's outputs to create or improve other models."""

    allowed: Literal["no", "conditional"] = Field(
        description=(
            "'no': outputs must not be used to improve other models (apart from any stated "
            "exception); 'conditional': they may be, on the conditions in `rule`."
        )
    )
    rule: NonEmptyStr = Field(description="The limit as one imperative sentence, as it is shown to the user.")


class AcceptableUsePolicy(CatalogModel):
    """A use policy (AUP, prohibited-use policy, use-based restrictions) that the license
    incorporates."""

    name: NonEmptyStr = Field(description="The policy's name, e.g. 'Gemma Prohibited Use Policy'.")
    url: Url = Field(description="Where the current policy text is published.")
    flow_down: bool = Field(
        description=(
            "True when the licensee must pass the policy's restrictions on to its own users or "
            "recipients (as an enforceable term of its agreements)."
        )
    )
    updatable: bool = Field(
        default=False,
        description=("True when the licensor may change the policy after the fact, so compliance must be re-checked."),
    )


class RegionalExclusion(CatalogModel):
    """License rights withheld from licensees in certain regions."""

    regions: Annotated[tuple[NonEmptyStr, ...], Field(strict=False, min_length=1)] = Field(
        description="The regions concerned, e.g. ['EU']."
    )
    excluded: NonEmptyStr = Field(
        description=(
            "Who is excluded, e.g. 'individuals domiciled in, or companies with a principal "
            "place of business in, the region'."
        )
    )
    applies_to: NonEmptyStr = Field(
        description=(
            "Which models the exclusion covers, e.g. 'the multimodal Llama 3.2 models'; shown as "
            "'the license rights for <applies_to> are not granted to <excluded>'."
        )
    )
    exempt: str | None = Field(
        default=None,
        description=("Who is exempt, e.g. 'end users of a product or service that incorporates them'."),
    )


class LicenseConditions(CatalogModel):
    """The conditions a `conditional` permission carries, as structured data."""

    user_cap: UserCap | None = Field(
        default=None, description="Monthly-active-user threshold above which the grant ends."
    )
    attribution: Attribution | None = Field(
        default=None,
        description="Text to display in or about the product, e.g. 'Built with Llama'.",
    )
    notice: str | None = Field(
        default=None,
        description=(
            "A license-specific notice text that must accompany every copy you distribute (e.g. in a 'Notice' file)."
        ),
    )
    naming: Naming | None = Field(default=None, description="Rule on the names of derived models.")
    output_use: OutputUse | None = Field(
        default=None,
        description="Limits on using outputs to create, train or improve other models.",
    )
    acceptable_use_flowdown: AcceptableUsePolicy | None = Field(
        default=None,
        description=(
            "The acceptable-use / prohibited-use policy the license incorporates, and whether it "
            "must be passed on to your users."
        ),
    )
    regional_exclusions: Annotated[tuple[RegionalExclusion, ...], Field(strict=False)] = Field(
        default=(), description="Rights withheld from licensees in certain regions."
    )
    share_alike: str | None = Field(
        default=None,
        description=(
            "Copyleft / share-alike duty, as one sentence (e.g. adaptations you share must carry the same license)."
        ),
    )
    other: Annotated[tuple[NonEmptyStr, ...], Field(strict=False)] = Field(
        default=(),
        description=(
            "Further conditions that fit none of the fields above, one imperative sentence each "
            "(e.g. 'use only in non-production environments')."
        ),
    )

    def is_empty(self) -> bool:
        """True when no condition is set."""
        return not (
            self.user_cap
            or self.attribution
            or self.notice
            or self.naming
            or self.output_use
            or self.acceptable_use_flowdown
            or self.regional_exclusions
            or self.share_alike
            or self.other
        )


class LicenseEntry(CatalogModel):
    """One license: its identifiers, what it permits per intended use, and its conditions."""

    id: NonEmptyStr = Field(
        description=(
            "Catalog id: the Hugging Face `license` tag (`llama3.1`, `apache-2.0`), or the "
            "`license_name` a card gives with `license: other` (`qwen`, `mnpl`)."
        )
    )
    aliases: Annotated[tuple[NonEmptyStr, ...], Field(strict=False)] = Field(
        default=(),
        description=(
            "Other spellings that mean this license: the SPDX id, ScanCode keys, license names. "
            "Matched case-insensitively; spaces, underscores and dashes are equivalent."
        ),
    )
    name: NonEmptyStr = Field(description="The license's full name.")
    spdx: str | None = Field(
        default=None,
        description=("The SPDX License List id, where the license has one (most model licenses do not)."),
    )
    scancode: str | None = Field(
        default=None,
        description="The ScanCode LicenseDB key, where one exists (e.g. `llama-3.1-license-2024`).",
    )
    hf_license: NonEmptyStr = Field(
        description=(
            "What a Hugging Face model card puts in its `license` field for this license: the id "
            "itself, or `other` when the card names it through `license_name`."
        )
    )
    use: UsePermissions = Field(description="Whether each intended use is permitted.")
    conditions: LicenseConditions = Field(
        default_factory=LicenseConditions,
        description=("The conditions attached to every `conditional` permission. SC303 lists them as obligations."),
    )
    notes: str | None = Field(
        default=None,
        description=(
            "Free text: scope, history, which models use the license, and which facts could "
            "not be confirmed from a primary source."
        ),
    )
    source: Url = Field(description="URL of the license text (required for every entry).")
    see_also: Annotated[tuple[Url, ...], Field(strict=False)] = Field(
        default=(), description="Further sources (use policies, announcements, model cards)."
    )
    unconfirmed: Annotated[tuple[NonEmptyStr, ...], Field(strict=False)] = Field(
        default=(),
        description=("Facts in this entry taken from secondary sources only; review them before relying on them."),
    )

    def permission(self, use: Use) -> Permission:
        return self.use.for_use(use)

    def obligations(self) -> tuple[Obligation, ...]:
        """The entry's conditions as obligation sentences, in a fixed order."""
        conditions = self.conditions
        out: list[Obligation] = []

        def add(kind: ObligationKind, text: str) -> None:
            out.append(Obligation(self.id, kind, text))

        if conditions.user_cap is not None:
            cap = conditions.user_cap
            add(
                "user_cap",
                f"more than {cap.monthly_active_users:,} monthly active users {cap.measured} "
                f"needs a separate license from {cap.grantor}",
            )
        if conditions.attribution is not None:
            attribution = conditions.attribution
            quoted = " or ".join(f"'{text}'" for text in attribution.texts)
            add("attribution", f"display {quoted} {attribution.where}")
        if conditions.notice is not None:
            add("notice", f'include the notice "{conditions.notice}" with every copy you distribute')
        if conditions.naming is not None:
            naming = conditions.naming
            add(
                "naming",
                f"derived model names must begin with '{naming.prefix}' ({naming.applies_to})",
            )
        if conditions.output_use is not None:
            add("output_use", conditions.output_use.rule)
        if conditions.acceptable_use_flowdown is not None:
            policy = conditions.acceptable_use_flowdown
            text = f"comply with the {policy.name} ({policy.url})"
            if policy.flow_down:
                text += " and pass its restrictions on to your users as an enforceable term"
            if policy.updatable:
                text += "; the policy may change, so re-check it"
            add("acceptable_use", text)
        for exclusion in conditions.regional_exclusions:
            text = f"the license rights for {exclusion.applies_to} are not granted to {exclusion.excluded}"
            if exclusion.exempt:
                text += f" ({exclusion.exempt} are exempt)"
            add("regional_exclusion", text)
        if conditions.share_alike is not None:
            add("share_alike", conditions.share_alike)
        for other in conditions.other:
            add("other", other)
        return tuple(out)

    @model_validator(mode="after")
    def _conditional_needs_conditions(self) -> LicenseEntry:
        conditional = [use for use in USES if self.use.for_use(use) == "conditional"]
        if conditional and self.conditions.is_empty():
            raise ValueError(f"license {self.id!r} is conditional for {', '.join(conditional)} but lists no conditions")
        return self


class LicenseCatalogFile(CatalogModel):
    """The file `policy/catalog/licenses.yaml` (and a policy pack's own license catalog)."""

    catalog_version: Literal[1] = Field(description="Version of this file's format; only 1 exists.")
    licenses: Annotated[tuple[LicenseEntry, ...], Field(strict=False)] = Field(description="The license entries.")

    @model_validator(mode="after")
    def _names_are_unambiguous(self) -> LicenseCatalogFile:
        owner: dict[str, str] = {}
        seen_ids: set[str] = set()
        for entry in self.licenses:
            entry_key = normalize_id(entry.id)
            if entry_key in seen_ids:
                raise ValueError(f"license {entry.id!r} appears more than once")
            seen_ids.add(entry_key)
            for name in (entry.id, *entry.aliases):
                key = normalize_id(name)
                other = owner.setdefault(key, entry.id)
                if other != entry.id:
                    raise ValueError(f"{name!r} names both license {other!r} and license {entry.id!r}")
        return self

    def index(self) -> AliasIndex[LicenseEntry]:
        """Lookup by id or alias (case-, space-, dash- and underscore-insensitive)."""
        return AliasIndex(self.licenses)
