"""The one list of shared item types: the installed SharedItem models, by their slug
("alerts.alert"), each with its declaration (`iconet.sharing.declarations.ItemType`, the model's
``declaration``), and the system check that validates every declaration at start-up."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from .declarations import AreaConfig, ItemType, area, registered_areas
from .models import Action, Audience, SharedItem

SEARCH_WEIGHTS = frozenset("ABCD")
HOOKS = (
    "publish_check",
    "publication_recipients",
    "publication_message",
    "published_follow_up",
    "created",
    "follow_up_add",
    "images_for_reader",
    "image_served",
)


@cache
def shared_item_models() -> dict[str, type[SharedItem]]:
    return {m.type_slug(): m for m in apps.get_models() if issubclass(m, SharedItem)}


def item_model_or_404(slug: str) -> type[SharedItem]:
    try:
        return shared_item_models()[slug]
    except KeyError as exc:
        raise Http404 from exc


def _field_path_error(model: type[Any], path: str) -> str | None:
    """Why `path` ("field" or "relation__field...") names no field of `model`, or None."""
    current = model
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return f"{current.__name__} has no field {part!r}"
        if field.is_relation and field.related_model is not None:
            current = field.related_model
    return None


def declaration_errors(model: type[Any], declaration: Any) -> list[str]:
    """What is wrong with the declaration of one item type (empty when nothing is)."""
    if not isinstance(declaration, ItemType):
        return ["declares no `declaration = ItemType(...)`"]
    problems: list[str] = []
    if declaration.model_label != model._meta.label:
        problems.append(f"its declaration is bound to {declaration.model_label or 'no model'}")
    if area(str(getattr(model, "area", ""))) is None:
        problems.append(f"its area {getattr(model, 'area', None)!r} is not registered")
    for name, args in (("list_url", []), ("detail_url", [1])):
        url_name = getattr(declaration, name)
        try:
            reverse(url_name, args=args)
        except NoReverseMatch:
            problems.append(f"{name} {url_name!r} is no URL name")
    for path, weight in declaration.search_fields:
        if weight not in SEARCH_WEIGHTS:
            problems.append(f"search field {path!r} has weight {weight!r}, not one of A-D")
        if error := _field_path_error(model, path):
            problems.append(f"search field {path!r}: {error}")
    for path in declaration.country_fields:
        if error := _field_path_error(model, path):
            problems.append(f"country field {path!r}: {error}")
    for relation in declaration.personal_data_related:
        if error := _field_path_error(model, relation):
            problems.append(f"personal-data relation {relation!r}: {error}")
    for section in declaration.sections:
        for row in section.entries():
            field_error = _field_path_error(model, row.name) if "__" not in row.name else "a path"
            if field_error and (row.on_form or row.value is None or row.label is None):
                problems.append(
                    f"section row {row.name!r}: {field_error}; a row that is no field is shown "
                    "only (on_form=False) with its own label and value"
                )
    prefix = declaration.reference_prefix
    if prefix and not (prefix.isalpha() and prefix.isupper()):
        problems.append(f"reference prefix {prefix!r} is not capital letters")
    if prefix and _field_path_error(model, "reference_code"):
        problems.append("a reference prefix needs a `reference_code` field to hold it")
    actions = declaration.actions
    if actions is not None:
        if not (isinstance(actions, type) and issubclass(actions, StrEnum)):
            problems.append("its actions are not a str enum")
        elif clash := {a.value for a in actions} & {a.value for a in Action}:
            problems.append(f"its actions {sorted(clash)} repeat the core's")
    if declaration.publish_audience not in (None, *Audience.values):
        problems.append(f"publish audience {declaration.publish_audience!r} is no audience")
    for name in HOOKS:
        try:
            hook = declaration.hook(name)
        except ImportError as exc:
            problems.append(f"{name}: {exc}")
            continue
        if hook is not None and not callable(hook):
            problems.append(f"{name} is not a function")
    if bool(declaration.publication_recipients) != bool(declaration.publication_message):
        problems.append("publication_recipients and publication_message go together")
    if declaration.published_status:
        targets = {to for (_from, to) in getattr(model, "TRANSITIONS", {})}
        if model.WORKFLOW_FIELD == "state" or declaration.published_status not in targets:
            problems.append(
                f"published status {declaration.published_status!r} is not a step of the "
                "type's own workflow (WORKFLOW_FIELD and TRANSITIONS)"
            )
    if declaration.form:
        try:
            from django.utils.module_loading import import_string

            form = import_string(declaration.form)
        except ImportError as exc:
            problems.append(f"form: {exc}")
        else:
            if getattr(getattr(form, "_meta", None), "model", None) is not model:
                problems.append(f"form {declaration.form} is not a ModelForm of the type")
    return problems


def check_declarations(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every installed SharedItem model declares itself soundly (iconet.E100)."""
    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        if not issubclass(model, SharedItem):
            continue
        if app_configs is not None and model._meta.app_config not in app_configs:
            continue
        for problem in declaration_errors(model, model.__dict__.get("declaration")):
            errors.append(
                checks.Error(
                    f"{model._meta.label}: {problem}.",
                    hint="See iconet.sharing.declarations.ItemType.",
                    obj=model,
                    id="iconet.E100",
                )
            )
    return errors


def declaration_of(model: type[Any]) -> ItemType:
    declaration = getattr(model, "declaration", None)
    if not isinstance(declaration, ItemType):
        raise ImproperlyConfigured(f"{model.__name__} declares no item type")
    return declaration


def item_types() -> list[tuple[AreaConfig, ItemType]]:
    """Every declared item type of a registered area with that area, in menu order (the types
    of one area in the order their models are defined)."""
    declared = [model.declaration for model in shared_item_models().values()]
    return [
        (config, item_type)
        for config in registered_areas()
        for item_type in declared
        if item_type.area_code == config.code
    ]
