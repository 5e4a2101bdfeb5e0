"""The API's views: one set of views serves every registered item type.

Rows come from `Model.objects.visible_to(client's account)`, actions are checked by the item's
policy through `iconet.sharing.access`, and writes go through the services the pages call. An
item the client may not see answers 404, exactly like one that does not exist."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from iconet.audit.services import access_log_write

from ..models import LOGGED_MARKINGS, AccessLog, Action, Audience
from ..sharing import services as sharing_services
from ..sharing.access import get_visible_or_404
from .declaration import (
    LIST_PARAMETERS,
    ApiType,
    PublishSerializer,
    api_types,
    content_serializer,
    content_values,
    detail_serializer,
    row_serializer,
)
from .models import ApiAction, IdempotencyKey

ERROR_SCHEMA = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


class ItemCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-updated_at", "-pk")


class ApiView(GenericAPIView):
    """The common behaviour: ETag and If-None-Match on reads, idempotency keys on POST."""

    # The client's action each method needs (iconet.api.models.ApiAction).
    api_actions: dict[str, str] = {"GET": ApiAction.READ}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Files are streamed and never cached: only JSON answers carry an ETag.
        json_answer = isinstance(response, Response)
        if request.method in ("GET", "HEAD") and response.status_code == 200 and json_answer:
            response.render()
            etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
            response["ETag"] = etag
            wanted = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
            if etag in wanted or "*" in wanted:
                not_modified = HttpResponseNotModified()
                not_modified["ETag"] = etag
                return not_modified
        return response

    def idempotent(self, request, run) -> Response:
        """Run a POST once per `Idempotency-Key`: the same key with the same body answers what
        the first request answered; with another body, 422."""
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return run()
        if len(key) > 100:
            raise exceptions.ValidationError({"Idempotency-Key": [_("At most 100 characters.")]})
        digest = hashlib.sha256(
            f"{request.method} {request.path}\n".encode() + request.body
        ).hexdigest()
        client = request.auth
        try:
            with transaction.atomic():
                stored = (
                    IdempotencyKey.objects.select_for_update()
                    .filter(client=client, key=key)
                    .first()
                )
                if stored is not None:
                    if stored.request_digest != digest:
                        return Response(
                            {"detail": _("This Idempotency-Key was used for another request.")},
                            status=422,
                        )
                    response = Response(stored.body, status=stored.status_code)
                    response["Idempotent-Replayed"] = "true"
                    return response
                response = run()
                if response.status_code < 500:
                    IdempotencyKey.objects.create(
                        client=client,
                        key=key,
                        request_digest=digest,
                        status_code=response.status_code,
                        body=json.loads(json.dumps(response.data, default=str)),
                    )
                return response
        except IntegrityError:
            return Response(
                {"detail": _("A request with this Idempotency-Key is under way.")}, status=409
            )


class ItemApiView(ApiView):
    """Base of the views of one item type (`api_type` is set per type by `views_for`)."""

    api_type: ApiType

    def get_queryset(self):
        return self.api_type.model.objects.visible_to(self.request.user)

    def item(self, pk: int, action: str = Action.READ):
        item = get_visible_or_404(self.get_queryset(), self.request.user, pk=pk)
        if not item.allows(self.request.user, action):
            raise exceptions.PermissionDenied(_("You may not do that with this item."))
        return item

    def read_record(self, item) -> None:
        """A read of restricted content goes in the owner's access log, as an API read."""
        if item.marking in LOGGED_MARKINGS:
            access_log_write(
                event=AccessLog.Event.READ,
                request=self.request._request,
                actor=self.request.user,
                item=item,
                detail=f"API: {self.request.auth.name}",
            )

    def detail_response(self, item, status_code=200) -> Response:
        item = self.get_queryset().with_list_columns().get(pk=item.pk)
        self.read_record(item)
        serializer = detail_serializer(self.api_type)(item, context={"request": self.request})
        return Response(serializer.data, status=status_code)

    def form_for(self, data, instance=None):
        form_class = self.api_type.form_class
        if form_class is None:
            raise exceptions.MethodNotAllowed(self.request.method)
        if not isinstance(data, dict):
            raise exceptions.ValidationError({"detail": _("The body must be a JSON object.")})
        unknown = set(data) - set(form_class.base_fields)
        if unknown:
            raise exceptions.ValidationError(
                {name: [_("This type has no such field.")] for name in sorted(unknown)}
            )
        shape_check(content_serializer(self.api_type), data)
        if instance is not None:
            # A change names only the fields it changes; the others keep their values.
            current = content_values(self.api_type, instance, self.request.user)
            data = {**current, **data}
        form = form_class(data=data, instance=instance, user=self.request.user)
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form.errors))
        return form


def shape_check(serializer_class, data: dict) -> None:
    """Refuse values of the wrong kind (a list for a text, an object for an id) before a form
    reads them: the form expects what a browser sends."""
    shape = serializer_class(data=data, partial=True)
    if not shape.is_valid():
        raise exceptions.ValidationError(shape.errors)


def _form_errors(errors) -> dict[str, list[str]]:
    return {
        ("detail" if field == "__all__" else field): [str(m) for m in messages]
        for field, messages in errors.items()
    }


class ListSchema(AutoSchema):
    """The list's schema names the filters of the type's list page, read when the schema is
    made (the URLs they are found by are loaded by then)."""

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method != "GET":
            return parameters
        form_class = self.view.api_type.filter_form_class
        for name, field in form_class.base_fields.items() if form_class else ():
            if name != "sort":
                parameters.append(
                    OpenApiParameter(
                        name,
                        OpenApiTypes.STR,
                        OpenApiParameter.QUERY,
                        description=str(field.label or ""),
                    )
                )
        return parameters


class ItemListView(ItemApiView):
    schema = ListSchema()
    api_actions = {"GET": ApiAction.READ, "POST": ApiAction.CREATE}
    pagination_class = ItemCursorPagination

    def filtered(self, queryset):
        params = self.request.query_params
        since = params.get("updated_since")
        if since:
            try:
                moment = parse_datetime(since)
                if moment is not None and timezone.is_aware(moment):
                    # Any offset the format allows, as UTC (the database takes offsets to 15 h).
                    moment = moment.astimezone(dt.UTC)
            except (ValueError, OverflowError):
                moment = None
            if moment is None:
                raise exceptions.ValidationError(
                    {"updated_since": [_("Give a date and time such as 2026-01-31T12:00:00Z.")]}
                )
            queryset = queryset.filter(updated_at__gt=moment)
        form_class = self.api_type.filter_form_class
        filters = {k: v for k, v in params.items() if k not in LIST_PARAMETERS and k != "sort"}
        if form_class is not None and filters:
            form = form_class(filters, user=self.request.user)
            unknown = set(filters) - set(form.fields)
            if unknown:
                raise exceptions.ValidationError(
                    {name: [_("This list has no such filter.")] for name in sorted(unknown)}
                )
            if not form.is_valid():
                raise exceptions.ValidationError(_form_errors(form.errors))
            queryset = form.filter(queryset)
        elif filters:
            raise exceptions.ValidationError(
                {name: [_("This list has no such filter.")] for name in sorted(filters)}
            )
        return queryset

    def get(self, request, *args, **kwargs):
        queryset = self.filtered(self.get_queryset().with_list_columns())
        page = self.paginate_queryset(queryset)
        serializer = row_serializer(self.api_type)(
            page, many=True, context={"request": request, "in_list": True}
        )
        return self.get_paginated_response(serializer.data)

    def post(self, request, *args, **kwargs):
        def run():
            form = self.form_for(request.data)
            try:
                with transaction.atomic():
                    item = self.api_type.create(actor=request.user, item=form.save(commit=False))
                    form.save_m2m()
            except DjangoValidationError as exc:
                raise exceptions.ValidationError(_django_errors(exc)) from exc
            return self.detail_response(item, status.HTTP_201_CREATED)

        return self.idempotent(request, run)


class ItemDetailView(ItemApiView):
    api_actions = {"GET": ApiAction.READ, "PATCH": ApiAction.CHANGE}

    def get(self, request, pk: int, *args, **kwargs):
        return self.detail_response(self.item(pk))

    def patch(self, request, pk: int, *args, **kwargs):
        item = self.item(pk, Action.CHANGE)
        form = self.form_for(request.data, instance=item)
        try:
            with transaction.atomic():
                sharing_services.item_update(actor=request.user, item=form.save(commit=False))
                form.save_m2m()
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_django_errors(exc)) from exc
        return self.detail_response(item)


class ItemPublishView(ItemApiView):
    api_actions = {"POST": ApiAction.PUBLISH}
    serializer_class = PublishSerializer

    def post(self, request, pk: int, *args, **kwargs):
        item = self.item(pk, Action.PUBLISH)

        def run():
            choice = PublishSerializer(data=request.data)
            choice.is_valid(raise_exception=True)
            data = choice.validated_data
            groups = []
            if data["audience"] == Audience.GROUPS:
                from ..models import AccessGroup

                groups = list(AccessGroup.objects.filter(pk__in=data["groups"], is_active=True))
            try:
                sharing_services.item_publish(
                    actor=request.user,
                    item=item,
                    audience=data["audience"],
                    marking=data["marking"],
                    groups=groups,
                )
            except DjangoValidationError as exc:
                raise exceptions.ValidationError(_django_errors(exc)) from exc
            return self.detail_response(item)

        return self.idempotent(request, run)


def _django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("detail" if field == "__all__" else field): [str(m) for m in errors]
            for field, errors in exc.message_dict.items()
        }
    return {"detail": [str(m) for m in exc.messages]}


class MeView(ApiView):
    """The client the key belongs to: what it may do, until when."""

    @extend_schema(
        responses=inline_serializer(
            "ApiClientSelf",
            {
                "name": serializers.CharField(),
                "organisation": serializers.CharField(),
                "areas": serializers.ListField(child=serializers.CharField()),
                "actions": serializers.ListField(child=serializers.CharField()),
                "expires_at": serializers.DateTimeField(),
                "types": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request, *args, **kwargs):
        client = request.auth
        return Response(
            {
                "name": client.name,
                "organisation": client.organisation.short_name,
                "areas": client.areas,
                "actions": client.actions,
                "expires_at": serializers.DateTimeField().to_representation(client.expires_at),
                "types": [t.slug for t in api_types() if request.user.has_area(t.model.area)],
            }
        )


def _own(function):
    """A copy of a view method for one type, so that its schema is that type's alone."""

    def method(self, request, *args, **kwargs):
        return function(self, request, *args, **kwargs)

    method.__name__ = function.__name__
    return method


def views_for(api_type: ApiType) -> dict[str, Any]:
    """The list, detail and publish views of one item type, with its schema."""
    name = api_type.model.__name__
    tag = str(api_type.model._meta.verbose_name_plural)
    row = row_serializer(api_type)
    detail = detail_serializer(api_type)
    errors = {400: ERROR_SCHEMA, 401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA}
    list_parameters = [
        OpenApiParameter(
            "updated_since",
            OpenApiTypes.DATETIME,
            OpenApiParameter.QUERY,
            description="Only items changed after this moment.",
        ),
    ]
    idempotency = OpenApiParameter(
        "Idempotency-Key",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="Repeating a POST with the same key answers what the first answered.",
    )
    attrs: dict[str, Any] = {"api_type": api_type, "serializer_class": row}
    list_view: Any = type(f"{name}ListApi", (ItemListView,), dict(attrs))
    list_view.get = extend_schema(
        operation_id=f"{api_type.slug}_list",
        tags=[tag],
        parameters=list_parameters,
        responses={200: row(many=True), **errors},
    )(_own(ItemListView.get))
    detail_view: Any = type(
        f"{name}DetailApi", (ItemDetailView,), {**attrs, "serializer_class": detail}
    )
    detail_view.get = extend_schema(
        operation_id=f"{api_type.slug}_read", tags=[tag], responses={200: detail, **errors}
    )(_own(ItemDetailView.get))
    views = {"list": list_view, "detail": detail_view}
    if api_type.writable:
        content = content_serializer(api_type)
        list_view.post = extend_schema(
            operation_id=f"{api_type.slug}_create",
            tags=[tag],
            request=content,
            parameters=[idempotency],
            responses={201: detail, 409: ERROR_SCHEMA, 422: ERROR_SCHEMA, **errors},
        )(_own(ItemListView.post))
        detail_view.patch = extend_schema(
            operation_id=f"{api_type.slug}_change",
            tags=[tag],
            request=content,
            responses={200: detail, **errors},
        )(_own(ItemDetailView.patch))
    else:
        list_view.http_method_names = ["get", "head", "options"]
        detail_view.http_method_names = ["get", "head", "options"]
    publish_view: Any = type(f"{name}PublishApi", (ItemPublishView,), {"api_type": api_type})
    publish_view.post = extend_schema(
        operation_id=f"{api_type.slug}_publish",
        tags=[tag],
        request=PublishSerializer,
        parameters=[idempotency],
        responses={200: detail, 409: ERROR_SCHEMA, 422: ERROR_SCHEMA, **errors},
    )(_own(ItemPublishView.post))
    views["publish"] = publish_view
    return views


class RootView(APIView):
    """What the API serves to this client: its item types and their list addresses."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        from django.urls import reverse

        return Response(
            {
                t.slug: request.build_absolute_uri(reverse(f"api:{t.slug}-list"))
                for t in api_types()
                if request.user.has_area(t.model.area)
            }
        )
