"""The area registry and the item types' declaration, read by the core.

The core names no area. Each item type is declared once, on its model (`ItemType`, below, as
the model's ``declaration``); an area app registers, once, in its ``AppConfig.ready``, only
what belongs to the area as a whole::

    from iconet.sharing.declarations import AreaConfig, Preference, register_area

    register_area(AreaConfig(
        code="returns",                          # an ``iconet.models.Area`` value
        label=_("Returns"),                      # menu label and home-page panel description
        nav_url="returns:list",                  # URL name of the navigation entry
        order=40,                                # menu position (lower first)
        preferences=(                            # per-user notification choices (booleans)
            Preference("digest_routine", _("Daily digest"), help_text=_("...")),
        ),
    ))

What the core then does with it:

- the main navigation (``iconet.context_processors``) shows the area's entry to the users who
  have the area, in ``order``;
- the home page shows one panel per item type of the area (the models whose ``area`` is its
  code), linked to the declaration's ``list_url``;
- ``SharedItem.get_absolute_url`` reverses the type's ``detail_url`` with the item's pk, so
  two item types in one app each have their own detail page;
- the home page (``iconet.dashboard.views.home``) shows, after the core's own panels (drafts,
  disclosures to decide, failed deliveries; ``iconet.dashboard``), the area's
  ``dashboard_panels`` (what waits for the user) and ``dashboard_trends`` (charts of the
  network's figures), each built on ``visible_to(user)``;
- the account page (``accounts:security``) offers the area's preferences to its users and
  stores them in ``User.preferences``; the area reads a choice with
  ``preference(user, "returns", "digest_routine")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    # This module imports nothing of the core's models (they read it): users and item models
    # are typed loosely here.
    Label = str | _StrPromise


@dataclass(frozen=True)
class Row:
    """One row of a section: a field of the model, labelled with its verbose_name and shown by
    its kind (a choice's label, yes/no, a country's name, the rows of a relation), unless the
    row gives its own `label` or `value` (``f(item)``). `on_form`: whether the type's form
    edits it (a value that is no field, such as the reference, is shown only); `shown`: whether
    the detail, print and PDF show it (a field the page shows elsewhere, such as the language)."""

    name: str
    label: Label | None = None
    value: Callable[[Any], Any] | None = None
    on_form: bool = True
    shown: bool = True


@dataclass(frozen=True)
class Section:
    """A headed group of rows: a fieldset of the type's form and a section of its detail page,
    print view, PDF and API (`SharedItem.display_sections`). `form_heading`: the fieldset's
    legend when the form says more than the page (e.g. "never names of persons")."""

    heading: Label
    rows: tuple[str | Row, ...]
    form_heading: Label | None = None

    def entries(self) -> list[Row]:
        return [row if isinstance(row, Row) else Row(row) for row in self.rows]


@dataclass(frozen=True)
class ItemType:
    """Everything the core knows of one shared item type, declared once on its model::

        class ReturnProblem(SharedItem):
            area = Area.RETURNS
            declaration = ItemType(
                list_url="returns:list",
                detail_url="returns:problem_detail",
                reference_prefix="RP",
                form="returns.forms.ReturnProblemForm",
                publish_audience=Audience.NETWORK,
                search_fields=(("title", "A"), ("description", "B")),
                country_fields=("country_of_return",),
            )

    The model's class creation binds the declaration to it (`model_label`); the core finds the
    types by scanning the installed models (``iconet.sharing.registry``), and the system check
    ``iconet.E100``… validates every declaration at start-up (``iconet.checks``).

    `publish_audience`: the audience the publish page proposes for a first publication (an
    ``Audience`` value; None keeps the draft's). `search_fields` and `country_fields`: what the
    portal's search reads of the type.
    """

    list_url: str = ""
    detail_url: str = ""
    # The first part of the yearly references `item_create` hands out (EWS-2026-FR-0042), by
    # `iconet.sharing.references.item_reference_allocate`; empty for a type whose reference is
    # made otherwise (an ILO report's names its network and semester).
    reference_prefix: str = ""
    # The type's own actions (a str enum), beside the core's `Action`; `can` and `allows` take
    # members of either only.
    actions: type[StrEnum] | None = None
    publish_audience: str | None = None
    # Asked by `item_publish` before anything is written: ``f(item)`` raising a ValidationError
    # that refuses the publication (a fraud note whose images are not all reviewed).
    publish_check: Callable[[Any], None] | None | str = None
    # Whom a publication tells and with which message, told by `item_publish` itself:
    # `publication_recipients`, ``f(item) -> [(user, reason code)]`` naming those the type's rule
    # would tell (the reason codes' labels are the model's `recipient_reasons`); the core keeps
    # those the audience lets read the item and who were not told before, shows them on the
    # publish page before anything is sent, and asks for a confirmation before a first
    # publication that tells nobody. `publication_message`, ``f(item, resend=False)`` giving the
    # arguments of ``iconet.outbox.services.recipients.recipients_tell`` (title, url, key, subject,
    # body, priority, and optionally in_digest).
    publication_recipients: Callable[[Any], Iterable[tuple[Any, str]]] | None | str = None
    publication_message: Callable[..., dict] | None | str = None
    # A type with its own workflow field (`SharedItem.WORKFLOW_FIELD`) names the value that
    # field takes at the first publication; `item_publish` moves it there through the type's
    # `TRANSITIONS`, so that the two never disagree. `published_follow_up`, ``f(item, actor)``,
    # is what that workflow records of the step in the publication's transaction (its
    # timeline), called once, at the first publication.
    published_status: str = ""
    published_follow_up: Callable[[Any, Any], Any] | None | str = None
    search_fields: tuple[tuple[str, str], ...] = ()
    country_fields: tuple[str, ...] = ()
    # Writing items of the type from outside its pages (the API, iconet.api): the dotted path of
    # the ModelForm its create and change pages use (taking ``user=``), which validates and names
    # the fields an item is written with. A type without a form is read-only there.
    form: str = ""
    # A service doing the type's own work when an item is created (e.g. a return operation's
    # checklist), ``f(actor=, item=)`` called by `item_create` inside its transaction once the
    # item and its reference are saved.
    created: Callable[..., Any] | None | str = None
    # Whether the type takes the core's generic attachments. A type whose files must pass its
    # own review before anyone else sees them (the redacted images of a fraud note) declares
    # False: the core then refuses any upload, and files attached before stay with the owner
    # organisation (never listed nor served to anyone else).
    takes_attachments: bool = True
    # Related rows (names of reverse relations) whose text the personal-data check reads beside
    # the item's own (iconet.personal_data), e.g. ("images",) for the captions of a note's images.
    personal_data_related: tuple[str, ...] = ()
    # Follow-ups: a thread of dated updates on a published item by its owner and its readers.
    # `follow_ups`, the reverse relation of its rows (each with `author`, `organisation`, `text`
    # and `created_at`), read through the item's visibility; `follow_up_add`,
    # ``f(actor=, item=, text=)`` adding one as the item's page does. A type without them has
    # no follow-ups.
    follow_ups: str = ""
    follow_up_add: Callable[..., Any] | str | None = None
    # Images of the type beside the core's attachments, served as its pages serve them:
    # `images_for_reader`, ``f(item, user)`` giving the images the user may see of a visible item
    # (rows with `pk`, `created_at` and the fields named in `image_fields`); `image_served`,
    # ``f(item, image, user) -> (bytes, content type, file name)``, the copy its download page
    # serves (marked for the user); the core logs the download.
    images_for_reader: Callable[..., Any] | str | None = None
    image_served: Callable[..., Any] | str | None = None
    image_fields: tuple[str, ...] = ()
    # The sections of an item: its form's fieldsets, and what its detail page, print view, PDF
    # and the API show (`SharedItem.display_sections`, rendered by sharing/_sections.html).
    sections: tuple[Section, ...] = ()
    # Bound by the model's creation: "app_label.Model".
    model_label: str = ""

    def form_fieldsets(self) -> list[tuple[Label, list[str]]]:
        """The form's fieldsets (legend, field names), from the sections."""
        return [
            (section.form_heading or section.heading, form_names)
            for section in self.sections
            if (form_names := [row.name for row in section.entries() if row.on_form])
        ]

    def form_fields(self) -> list[str]:
        """Every field the form edits, in the order of its sections."""
        return [name for _legend, names in self.form_fieldsets() for name in names]

    def contribute_to_class(self, cls: Any, name: str) -> None:
        """Django's model creation hands the declaration its model: bind it there."""
        object.__setattr__(self, "model_label", cls._meta.label)
        setattr(cls, name, self)

    @property
    def model(self) -> Any:
        return apps.get_model(self.model_label)

    def hook(self, name: str) -> Callable[..., Any] | None:
        """One of the declared functions (`publish_check`, `publication_recipients`,
        `publication_message`, `published_follow_up`, `created`, `follow_up_add`,
        `images_for_reader`, `image_served`), given as a function or, for one in a module that
        imports the model (the area's services), as its dotted path."""
        value = getattr(self, name)
        if isinstance(value, str):
            return import_string(value) if value else None
        return value

    @property
    def area_code(self) -> str:
        return str(self.model.area)


@dataclass(frozen=True)
class Preference:
    """A yes/no notification choice an area offers its users on the account page."""

    key: str
    label: Label
    help_text: Label = ""
    default: bool = False


@dataclass(frozen=True)
class DashboardPanel:
    """A short list on the home page of what waits for the user, with its count.

    `rows`: ``f(user)`` giving the rows, a queryset built on ``Model.objects.visible_to(user)``
    (or a list of them, one per item type, for a panel that spans the registry), newest first;
    None when the panel does not concern the user (it is then not shown). The home page counts
    each queryset and reads its first `limit` rows: two queries per queryset, whatever the
    number of rows. `list_url`: URL name of the full list ("name?query" keeps the query).
    `note`: ``f(user)``, a line under the title (e.g. a deadline); `row_note`: ``f(row)``, the
    detail shown beside each row, from its own fields (no query); `row_url`: ``f(row)``, where
    a row leads (its ``get_absolute_url`` by default).
    """

    key: str
    title: Label
    empty: Label
    rows: Callable[[Any], Any]
    list_url: str = ""
    list_label: Label = ""
    note: Callable[[Any], Any] | None = None
    row_note: Callable[[Any], Any] | None = None
    row_url: Callable[[Any], str] | None = None
    order: int = 100
    limit: int = 5


@dataclass(frozen=True)
class DashboardTrend:
    """Figures of the network over time drawn on the home page as bar charts with a table.

    `data`: ``f(user)`` giving ``{"columns": [labels], "rows": [{"key", "label", "cells"}]}``
    counted from ``visible_to(user)`` rows only, in a fixed number of queries; None when it
    does not concern the user.

    A trend of monthly counts declares what each item adds to them instead of counting on
    every home page: `model` (its item type's label), `counted` (``f(queryset)`` giving the
    ``(item id, month, value)`` of those items, each at most once) and `depends_on` (the
    relations of the item, many-to-many or rows pointing at it, that `counted` reads). The core
    then keeps the counts per audience as items are written (iconet.trends) and `data` reads
    them with ``iconet.trends.trend_counts(user, key, since)``.
    """

    key: str
    title: Label
    data: Callable[[Any], dict | None]
    description: Label = ""
    order: int = 100
    # What a row of the table is (its first column's heading): "Country", "Nationality".
    row_heading: Label = ""
    model: str = ""
    counted: Callable[[Any], Any] | None = None
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class AreaConfig:
    code: str
    label: Label
    nav_url: str
    preferences: tuple[Preference, ...] = ()
    order: int = 100
    dashboard_panels: tuple[DashboardPanel, ...] = ()
    dashboard_trends: tuple[DashboardTrend, ...] = ()

    def preference_field(self, pref: Preference) -> str:
        """The account form's field name for one of this area's preferences."""
        return f"{self.code}__{pref.key}"


_AREAS: dict[str, AreaConfig] = {}


def register_area(config: AreaConfig) -> AreaConfig:
    """Declare an area (its code an ``iconet.models.Area`` value); registering the same code
    twice with other values is an error."""
    existing = _AREAS.get(config.code)
    if existing is not None and existing != config:
        raise ImproperlyConfigured(f"Area {config.code!r} is registered twice.")
    _AREAS[config.code] = config
    return config


def unregister_area(code: str) -> None:
    """Forget an area (for tests that register a temporary one)."""
    _AREAS.pop(code, None)


def registered_areas() -> list[AreaConfig]:
    """Every registered area, in menu order."""
    return sorted(_AREAS.values(), key=lambda area: (area.order, area.code))


def area(code: str) -> AreaConfig | None:
    return _AREAS.get(code)


def item_type_for(model: type[Any]) -> ItemType | None:
    """The declaration of a SharedItem model (or of its concrete class)."""
    declaration = getattr(model, "declaration", None)
    return declaration if isinstance(declaration, ItemType) else None


def takes_attachments(model: type[Any]) -> bool:
    """Whether the item type takes the core's generic attachments (`ItemType.takes_attachments`)."""
    item_type = item_type_for(model)
    return item_type.takes_attachments if item_type else True


def preference(user: Any, area_code: str, key: str) -> bool:
    """The user's choice for an area preference, or the declared default."""
    config = _AREAS.get(area_code)
    declared = next((p for p in config.preferences if p.key == key), None) if config else None
    if declared is None:
        raise ImproperlyConfigured(f"Area {area_code!r} declares no preference {key!r}.")
    stored = (user.preferences or {}).get(area_code, {})
    return bool(stored.get(key, declared.default))


@dataclass
class _PreferenceRow:
    area: AreaConfig
    preference: Preference
    value: bool = field(default=False)


def preferences_offered(user: Any) -> list[_PreferenceRow]:
    """The preferences of the areas the user has, with their current values."""
    return [
        _PreferenceRow(config, pref, preference(user, config.code, pref.key))
        for config in registered_areas()
        if user.has_area(config.code)
        for pref in config.preferences
    ]
