"""The area registry: what each area app declares about itself, read by the core.

The core names no area. An area app declares, once, in its ``AppConfig.ready``::

    from iconet.areas import AreaConfig, ItemType, Preference, register_area

    register_area(AreaConfig(
        code="returns",                          # an ``iconet.models.Area`` value
        label=_("Returns"),                      # menu label and home-page panel description
        nav_url="returns:list",                  # URL name of the navigation entry
        order=40,                                # menu position (lower first)
        item_types=(                             # one entry per SharedItem model of the app
            ItemType("returns.ReturnProblem", list_url="returns:problems",
                     detail_url="returns:problem"),
            ItemType("returns.JointOperation", list_url="returns:operations",
                     detail_url="returns:operation"),
        ),
        preferences=(                            # per-user notification choices (booleans)
            Preference("digest_routine", _("Daily digest"), help_text=_("...")),
        ),
    ))

What the core then does with it:

- the main navigation (``iconet.context_processors``) shows the area's entry to the users who
  have the area, in ``order``;
- the home page shows one panel per item type, linked to ``list_url``;
- ``SharedItem.get_absolute_url`` reverses the type's ``detail_url`` with the item's pk, so
  two item types in one app each have their own detail page;
- the home page (``iconet.views.home``) shows, after the core's own panels (drafts,
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
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    # This module imports nothing of the core's models (they read it): users and item models
    # are typed loosely here.
    Label = str | _StrPromise


@dataclass(frozen=True)
class ItemType:
    """One shared item type of an area: its model ("app_label.Model") and its pages.

    `publish_audience`: the audience the publish page proposes for a first publication (an
    ``Audience`` value; None keeps the draft's). `publication_recipients`: for a type whose
    publication tells people, ``f(item) -> users`` naming those it would tell; the core keeps
    only those the audience chosen lets read the item, shows them on the publish page before
    anything is sent, and asks for a confirmation before a first publication that tells
    nobody. `search_fields` and `country_fields`: what the portal's search reads of the type.
    """

    model_label: str
    list_url: str
    detail_url: str
    publish_audience: str | None = None
    publication_recipients: Callable[[Any], Iterable[Any]] | None = None
    # Full-text search (iconet.services.search): the text fields searched, each with its
    # weight ("A" counts most, "D" least), and the fields the country filter reads, any of
    # which may hold the country (a country code, a list of codes, a Country foreign key or
    # many-to-many); without any the owner's country counts.
    # A type whose searched fields are all its own columns declares them on its model
    # (`SEARCH_FIELDS`), which also stores their vector (iconet.models.search), and passes
    # that declaration here.
    search_fields: tuple[tuple[str, str], ...] = ()
    country_fields: tuple[str, ...] = ()
    # Writing items of the type from outside its pages (the API, iconet.api): `form`, the
    # dotted path of the ModelForm its create and change pages use (taking ``user=``), which
    # validates and names the fields an item is written with; `create_service`,
    # ``f(actor=, item=)`` saving a new draft the way its create page does (the core's
    # ``item_create`` if None). A type without a form is read-only there.
    form: str = ""
    create_service: Callable[..., Any] | None = None
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
    follow_up_add: Callable[..., Any] | None = None
    # Images of the type beside the core's attachments, served as its pages serve them:
    # `images_for_reader`, ``f(item, user)`` giving the images the user may see of a visible item
    # (rows with `pk`, `created_at` and the fields named in `image_fields`); `image_served`,
    # ``f(item, image, user) -> (bytes, content type, file name)``, the copy its download page
    # serves (marked for the user); the core logs the download.
    images_for_reader: Callable[..., Any] | None = None
    image_served: Callable[..., Any] | None = None
    image_fields: tuple[str, ...] = ()

    @property
    def model(self) -> Any:
        return apps.get_model(self.model_label)


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
    item_types: tuple[ItemType, ...] = ()
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


def item_types() -> list[tuple[AreaConfig, ItemType]]:
    """Every registered item type with its area, in menu order."""
    return [(config, item_type) for config in registered_areas() for item_type in config.item_types]


def item_type_for(model: type[Any]) -> ItemType | None:
    """The registered item type of a SharedItem model (or of its concrete class)."""
    label = model._meta.label_lower
    for _config, item_type in item_types():
        if item_type.model_label.lower() == label:
            return item_type
    return None


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
