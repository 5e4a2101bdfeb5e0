"""What the API knows of an item type, all read from the type's one declaration.

Each registered item type (iconet.sharing.declarations) gives its model, its list page (whose filter
form the API's list accepts), its detail sections (`display_sections`, shown by detail, print and
PDF pages) and, for a type written from outside its pages, its form and its create service. From
them this module builds the serializers of the type; nothing here names an area."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from django import forms
from django.db import models
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.module_loading import import_string
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Marking, SharedItem
from ..sharing.declarations import ItemType
from ..sharing.registry import item_types


def country_codes() -> list[str]:
    """The ISO codes of the country pickers' choices: one enumeration in the schema (settings'
    SPECTACULAR_SETTINGS names it), whichever field offers it."""
    from django_countries import countries

    return [code for code, _name in countries]


# Parameters of the API's list that are not the list page's filters.
LIST_PARAMETERS = ("cursor", "page_size", "updated_since")


@dataclass(frozen=True)
class ApiType:
    """A registered item type as the API serves it."""

    item_type: ItemType
    model: type[SharedItem]

    @property
    def slug(self) -> str:
        return self.model.type_slug()

    @property
    def path(self) -> str:
        return f"{self.model._meta.app_label}/{self.model._meta.model_name}"

    @property
    def form_class(self) -> Any:
        return import_string(self.item_type.form) if self.item_type.form else None

    @property
    def writable(self) -> bool:
        return bool(self.item_type.form)

    def create(self, *, actor, item) -> SharedItem:
        from ..sharing.services import item_create

        # The core's item_create does every type's work (reference, the type's `created` step).
        return item_create(actor=actor, item=item)

    @property
    def acknowledged(self) -> bool:
        """Whether recipients of the type acknowledge it: it tells people on publication, or
        chases those who have not acknowledged (`SharedItem.recipients_escalation`)."""
        return (
            self.item_type.publication_recipients is not None
            or self.model.recipients_escalation() is not None
        )

    @property
    def follows_up(self) -> bool:
        return bool(self.item_type.follow_ups and self.item_type.follow_up_add)

    @property
    def has_images(self) -> bool:
        return bool(self.item_type.images_for_reader and self.item_type.image_served)

    @property
    def filter_form_class(self) -> Any:
        """The filter form of the type's list page, read from the view its URL name reaches."""
        try:
            match = resolve(reverse(self.item_type.list_url))
        except NoReverseMatch:
            return None
        view_class = getattr(match.func, "view_class", None)
        return getattr(view_class, "filter_form_class", None)


@cache
def api_types() -> tuple[ApiType, ...]:
    return tuple(ApiType(item_type, item_type.model) for _area, item_type in item_types())


# --- fields from a form ------------------------------------------------------------------------


def _pk_field(model) -> type[serializers.Field]:
    pk = model._meta.pk
    if isinstance(pk, (models.AutoField, models.BigAutoField, models.IntegerField)):
        return serializers.IntegerField
    return serializers.CharField


def serializer_field(field: Any) -> serializers.Field:
    """The serializer field that describes a form field's value (the form validates it)."""
    options: dict[str, Any] = {"required": False, "help_text": str(field.help_text or "")}
    options["label"] = str(field.label) if field.label else None
    queryset: Any = getattr(field, "queryset", None)
    field_choices: Any = getattr(field, "choices", ())
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=_pk_field(queryset.model)(), **options)
    if isinstance(field, forms.ModelChoiceField):
        return _pk_field(queryset.model)(allow_null=True, **options)
    if isinstance(field, forms.MultipleChoiceField):
        choices = [value for value, _label in field_choices if value != ""]
        return serializers.ListField(child=serializers.ChoiceField(choices=choices), **options)
    if isinstance(field, forms.ChoiceField):
        choices = [value for value, _label in field_choices if value not in ("", None)]
        return serializers.ChoiceField(
            choices=choices, allow_blank=True, allow_null=True, **options
        )
    if isinstance(field, forms.NullBooleanField):
        return serializers.BooleanField(allow_null=True, **options)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**options)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(
            max_digits=None, decimal_places=None, coerce_to_string=False, allow_null=True, **options
        )
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(allow_null=True, **options)
    if isinstance(field, forms.FloatField):
        return serializers.FloatField(allow_null=True, **options)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(allow_null=True, **options)
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=True, **options)
    if isinstance(field, forms.CharField):
        return serializers.CharField(
            allow_blank=True, allow_null=True, max_length=field.max_length, **options
        )
    return serializers.JSONField(**options)


def form_fields(api_type: ApiType, user=None) -> dict[str, Any]:
    form_class = api_type.form_class
    if form_class is None:
        return {}
    return dict(form_class(user=user).fields) if user is not None else dict(form_class.base_fields)


@cache
def content_serializer(api_type: ApiType) -> type[serializers.Serializer]:
    """The fields an item of the type is written with, as its form declares them."""
    fields = {name: serializer_field(field) for name, field in form_fields(api_type).items()}
    return type(f"{api_type.model.__name__}Content", (serializers.Serializer,), fields)


def _plain(value: Any) -> Any:
    """A stored value as JSON carries it: a country by its code, a list item by item."""
    if isinstance(value, (str, int, float, bool, Decimal, date, dict)) or value is None:
        return value
    if isinstance(value, Iterable):
        return [_plain(v) for v in value]
    return str(getattr(value, "code", value))


def content_values(api_type: ApiType, item: SharedItem, user) -> dict[str, Any]:
    """The item's values of its form's fields; a relation to shared items names only those the
    reader may see."""
    values: dict[str, Any] = {}
    opts = item._meta
    for name in form_fields(api_type):
        try:
            field: Any = opts.get_field(name)
        except Exception:  # noqa: BLE001 - a form-only field has no stored value
            continue
        if field.many_to_many:
            related = getattr(item, name).all()
            if issubclass(field.related_model, SharedItem):
                related = related & field.related_model.objects.visible_to(user)
            values[name] = sorted(related.values_list("pk", flat=True))
        elif field.many_to_one or field.one_to_one:
            pk = getattr(item, field.attname)
            if pk is not None and issubclass(field.related_model, SharedItem):
                visible = field.related_model.objects.visible_to(user).filter(pk=pk).exists()
                pk = pk if visible else None
            values[name] = pk
        else:
            values[name] = _plain(getattr(item, field.attname))
    return content_serializer(api_type)(values).data


# --- the shared fields of every item ----------------------------------------------------------


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    country = serializers.CharField(allow_null=True)


class ItemRowSerializer(serializers.Serializer):
    """A row of a list. A RED item shows its reference and marking only: its content is read one
    item at a time."""

    id = serializers.IntegerField(source="pk")
    type = serializers.SerializerMethodField()
    reference = serializers.CharField()
    marking = serializers.ChoiceField(choices=Marking.choices)
    url = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    audience = serializers.SerializerMethodField()
    owner = serializers.SerializerMethodField()
    language = serializers.SerializerMethodField()
    created_at = serializers.SerializerMethodField()
    updated_at = serializers.SerializerMethodField()
    published_at = serializers.SerializerMethodField()

    def _withheld(self, item) -> bool:
        return item.marking == Marking.RED and self.context.get("in_list", False)

    def get_type(self, item) -> str:
        return item.type_slug()

    def get_url(self, item) -> str:
        request = self.context.get("request")
        path = reverse(f"api:{item.type_slug()}-detail", args=[item.pk])
        return request.build_absolute_uri(path) if request is not None else path

    def get_title(self, item) -> str | None:
        return None if self._withheld(item) else item.title

    def get_state(self, item) -> str | None:
        return None if self._withheld(item) else getattr(item, item.WORKFLOW_FIELD)

    def get_audience(self, item) -> str | None:
        return None if self._withheld(item) else item.audience

    @extend_schema_field(OwnerSerializer(allow_null=True))
    def get_owner(self, item) -> dict | None:
        if self._withheld(item):
            return None
        owner = item.owner
        return {"id": owner.pk, "name": owner.short_name, "country": owner.country_id}

    def get_language(self, item) -> str | None:
        return None if self._withheld(item) else item.language

    def get_created_at(self, item) -> str | None:
        return (
            None
            if self._withheld(item)
            else serializers.DateTimeField().to_representation(item.created_at)
        )

    def get_updated_at(self, item) -> str | None:
        return (
            None
            if self._withheld(item)
            else serializers.DateTimeField().to_representation(item.updated_at)
        )

    def get_published_at(self, item) -> str | None:
        if self._withheld(item) or item.published_at is None:
            return None
        return serializers.DateTimeField().to_representation(item.published_at)


class SectionFieldSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class SectionSerializer(serializers.Serializer):
    heading = serializers.CharField()
    fields = SectionFieldSerializer(many=True)


def sections_of(item: SharedItem) -> list[dict]:
    """The item's detail sections as its print page shows them, every value as text."""
    return [
        {
            "heading": str(heading),
            "fields": [
                {"label": str(label), "value": "" if value is None else str(value)}
                for label, value in rows
            ],
        }
        for heading, rows in item.display_sections()
    ]


@cache
def row_serializer(api_type: ApiType) -> type[ItemRowSerializer]:
    return type(f"{api_type.model.__name__}Row", (ItemRowSerializer,), {})


@cache
def detail_serializer(api_type: ApiType) -> type[ItemRowSerializer]:
    """An item read one by one: the shared fields, its sections and its form's values."""

    def get_content(self, item):
        return content_values(api_type, item, self.context["request"].user)

    def get_sections(self, item):
        return sections_of(item)

    attrs: dict[str, Any] = {
        "sections": serializers.SerializerMethodField(),
        "get_sections": extend_schema_field(SectionSerializer(many=True))(get_sections),
    }
    if api_type.writable:
        attrs["content"] = serializers.SerializerMethodField()
        attrs["get_content"] = extend_schema_field(content_serializer(api_type)())(get_content)
    return type(f"{api_type.model.__name__}Detail", (ItemRowSerializer,), attrs)


class PublishSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=[])
    marking = serializers.ChoiceField(choices=Marking.choices)
    groups = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    def __init__(self, *args, **kwargs):
        from ..models import Audience

        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = Audience.choices
