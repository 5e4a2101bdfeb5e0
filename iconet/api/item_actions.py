"""What a client does with one item beside reading and writing it: acknowledge it, ask its owner
for disclosure, follow it up, and list and download its files.

Each view finds the item through `ItemApiView.item` (the visibility filter, then the item's
policy) and calls the service its page calls. Which of them a type has comes from its
declaration (`ApiType.acknowledged`, `follows_up`, `has_images`); disclosure requests and
attachments are the core's and every type has them."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from iconet.audit.services import access_log_write

from ..files.pipeline import file_response
from ..models import AccessLog, Action, Attachment, DisclosureRequest
from ..outbox.services.recipients import recipient_acknowledge
from ..sharing import services as sharing_services
from ..sharing.declarations import takes_attachments
from ..sharing.forms import DisclosureRequestForm
from .declaration import ApiType, serializer_field
from .models import ApiAction
from .views import ERROR_SCHEMA, ItemApiView, _django_errors, _form_errors, _own, shape_check

# --- bodies and answers -----------------------------------------------------------------------

DisclosureRequestBody = type(
    "DisclosureRequestBody",
    (serializers.Serializer,),
    {name: serializer_field(field) for name, field in DisclosureRequestForm.base_fields.items()},
)


class DisclosureRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=DisclosureRequest.Status.choices)
    target_kind = serializers.ChoiceField(choices=DisclosureRequest.TargetKind.choices)
    third_party = serializers.CharField()
    purpose = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()


class AcknowledgementSerializer(serializers.Serializer):
    reference = serializers.CharField()
    acknowledged_at = serializers.DateTimeField()


class FollowUpBody(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)


class FollowUpSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    author = serializers.CharField()
    organisation = serializers.CharField(source="organisation.short_name")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class FileSerializer(serializers.Serializer):
    """A file of an item: what it is, and the address of the copy served to the caller."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    description = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    url = serializers.CharField()


def _form_valid(form_class, body_class, data) -> Any:
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"detail": [_("The body must be a JSON object.")]})
    unknown = set(data) - set(form_class.base_fields)
    if unknown:
        raise exceptions.ValidationError(
            {name: [_("There is no such field.")] for name in sorted(unknown)}
        )
    shape_check(body_class, data)
    form = form_class(data={k: v for k, v in data.items() if v is not None})
    if not form.is_valid():
        raise exceptions.ValidationError(_form_errors(form.errors))
    return form.cleaned_data


def _image_description(image, fields) -> str:
    """The image's declared fields, each as its page shows it (a choice by its label)."""
    values = []
    for name in fields:
        display = getattr(image, f"get_{name}_display", None)
        value = display() if display else getattr(image, name, "")
        if value:
            values.append(str(value))
    return " · ".join(values)


def _served(response: HttpResponseBase, *, reader, item) -> HttpResponseBase:
    """Headers of every file the API serves: for whom, under which marking, never cached."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["ICONet-Marking"] = item.marking
    response["ICONet-Served-To"] = str(reader.organisation or reader)
    return response


# --- the views --------------------------------------------------------------------------------


class ItemAcknowledgeView(ItemApiView):
    """The client acknowledges, for its organisation, an item the organisation was told of."""

    # What an OPTIONS request describes.
    serializer_class = AcknowledgementSerializer

    api_actions = {"POST": ApiAction.RESPOND}

    def post(self, request, pk: int, *args, **kwargs):
        item = self.item(pk, Action.ACKNOWLEDGE)
        try:
            row = recipient_acknowledge(actor=request.user, item=item)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(_("You may not do that with this item.")) from exc
        return Response(
            AcknowledgementSerializer(
                {"reference": item.reference, "acknowledged_at": row.acknowledged_at}
            ).data
        )


class ItemDisclosureView(ItemApiView):
    """The client's requests for the disclosure of an item, and a new one."""

    # What an OPTIONS request describes.
    serializer_class = DisclosureRequestBody

    api_actions = {"GET": ApiAction.READ, "POST": ApiAction.RESPOND}

    def get(self, request, pk: int, *args, **kwargs):
        item = self.item(pk)
        requests = DisclosureRequest.objects.filter(
            content_type=ContentType.objects.get_for_model(type(item)),
            object_id=item.pk,
            requested_by=request.user,
        ).order_by("-created_at", "-pk")
        return Response(DisclosureRequestSerializer(requests, many=True).data)

    def post(self, request, pk: int, *args, **kwargs):
        item = self.item(pk, Action.REQUEST_DISCLOSURE)

        def run():
            data = _form_valid(DisclosureRequestForm, DisclosureRequestBody, request.data)
            try:
                disclosure = sharing_services.disclosure_request_create(
                    actor=request.user,
                    item=item,
                    target_kind=data["target_kind"],
                    purpose=data["purpose"],
                    target_organisation=data["target_organisation"],
                    target_group=data["target_group"],
                    third_party=data["third_party"],
                )
            except DjangoValidationError as exc:
                raise exceptions.ValidationError(_django_errors(exc)) from exc
            return Response(DisclosureRequestSerializer(disclosure).data, status=201)

        return self.idempotent(request, run)


class ItemFollowUpsView(ItemApiView):
    """The thread of follow-ups of an item of a type that has them, and a new one."""

    # What an OPTIONS request describes.
    serializer_class = FollowUpBody

    api_actions = {"GET": ApiAction.READ, "POST": ApiAction.RESPOND}

    def rows(self, item):
        return (
            getattr(item, self.api_type.item_type.follow_ups)
            .select_related("author", "organisation")
            .order_by("created_at", "pk")
        )

    def get(self, request, pk: int, *args, **kwargs):
        item = self.item(pk)
        # The thread is the item's content: read like the item itself.
        self.read_record(item)
        return Response(FollowUpSerializer(self.rows(item), many=True).data)

    def post(self, request, pk: int, *args, **kwargs):
        item = self.item(pk, Action.FOLLOW_UP)

        def run():
            body = FollowUpBody(data=request.data if isinstance(request.data, dict) else {})
            body.is_valid(raise_exception=True)
            try:
                with transaction.atomic():
                    follow_up = self.api_type.item_type.hook("follow_up_add")(
                        actor=request.user, item=item, text=body.validated_data["text"]
                    )
            except DjangoValidationError as exc:
                raise exceptions.ValidationError(_django_errors(exc)) from exc
            return Response(FollowUpSerializer(follow_up).data, status=201)

        return self.idempotent(request, run)


class ItemFilesView(ItemApiView):
    """The files of an item (the core's attachments and the type's images), each with the
    address of its served copy. Listing them reads the item: a restricted one is logged."""

    # What an OPTIONS request describes.
    serializer_class = FileSerializer

    def attachments(self, item):
        if not takes_attachments(type(item)) and not item.is_owner_member(self.request.user):
            return Attachment.objects.none()
        return Attachment.objects.of_item(item)

    def images(self, item):
        if not self.api_type.has_images:
            return []
        return self.api_type.item_type.hook("images_for_reader")(item, self.request.user)

    def get(self, request, pk: int, *args, **kwargs):
        item = self.item(pk, Action.DOWNLOAD)
        self.read_record(item)
        slug = self.api_type.slug
        rows = [
            {
                "pk": attachment.pk,
                "name": attachment.original_name,
                "description": attachment.description,
                "content_type": attachment.content_type_header,
                "size": attachment.size,
                "created_at": attachment.created_at,
                "url": request.build_absolute_uri(
                    reverse(f"api:{slug}-attachment", args=[item.pk, attachment.pk])
                ),
            }
            for attachment in self.attachments(item)
        ]
        fields = self.api_type.item_type.image_fields
        rows += [
            {
                "pk": image.pk,
                "name": f"{item.reference}-{image.pk}.jpg",
                "description": _image_description(image, fields),
                "content_type": "image/jpeg",
                "size": None,
                "created_at": image.created_at,
                "url": request.build_absolute_uri(
                    reverse(f"api:{slug}-image", args=[item.pk, image.pk])
                ),
            }
            for image in self.images(item)
        ]
        return Response(FileSerializer(rows, many=True).data)


class ItemAttachmentView(ItemFilesView):
    """An attachment as the item's page serves it; the download is in the owner's log."""

    def get(self, request, pk: int, file_pk: int, *args, **kwargs):
        item = self.item(pk, Action.DOWNLOAD)
        attachment = self.attachments(item).filter(pk=file_pk).first()
        if attachment is None:
            raise Http404
        access_log_write(
            event=AccessLog.Event.DOWNLOAD,
            request=request._request,
            actor=request.user,
            item=item,
            detail=f"API: {request.auth.name}: attachment {attachment.original_name}",
        )
        response = file_response(
            attachment.file,
            name=attachment.original_name,
            content_type=attachment.content_type_header,
        )
        return _served(response, reader=request.user, item=item)


class ItemImageView(ItemFilesView):
    """An image as the type's download page serves it (marked for the caller's organisation);
    the download is in the owner's log."""

    def get(self, request, pk: int, file_pk: int, *args, **kwargs):
        item = self.item(pk, Action.DOWNLOAD)
        image = next((i for i in self.images(item) if i.pk == file_pk), None)
        if image is None:
            raise Http404
        image_served = self.api_type.item_type.hook("image_served")
        if image_served is None:
            raise Http404
        data, content_type, name = image_served(item, image, request.user)
        access_log_write(
            event=AccessLog.Event.DOWNLOAD,
            request=request._request,
            actor=request.user,
            item=item,
            detail=f"API: {request.auth.name}: image {image.pk}",
        )
        response = file_response(data, name=name, content_type=content_type)
        return _served(response, reader=request.user, item=item)


# --- per type ---------------------------------------------------------------------------------

ERRORS = {401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA}


def _view(base, api_type: ApiType, suffix: str, methods: dict[str, dict]) -> Any:
    """A subclass of `base` for the type, each method with its own schema."""
    view: Any = type(f"{api_type.model.__name__}{suffix}Api", (base,), {"api_type": api_type})
    tag = str(api_type.model._meta.verbose_name_plural)
    for method, schema in methods.items():
        setattr(view, method, extend_schema(tags=[tag], **schema)(_own(getattr(base, method))))
    view.http_method_names = [*methods, "options", *(["head"] if "get" in methods else [])]
    return view


def action_views_for(api_type: ApiType) -> dict[str, Any]:
    """The views of what a client does with one item of the type, by URL name suffix."""
    slug = api_type.slug
    views: dict[str, Any] = {
        "disclosures": _view(
            ItemDisclosureView,
            api_type,
            "Disclosures",
            {
                "get": {
                    "operation_id": f"{slug}_disclosure_requests",
                    "responses": {200: DisclosureRequestSerializer(many=True), **ERRORS},
                },
                "post": {
                    "operation_id": f"{slug}_disclosure_request",
                    "request": DisclosureRequestBody,
                    "responses": {
                        201: DisclosureRequestSerializer,
                        400: ERROR_SCHEMA,
                        409: ERROR_SCHEMA,
                        422: ERROR_SCHEMA,
                        **ERRORS,
                    },
                },
            },
        ),
        "files": _view(
            ItemFilesView,
            api_type,
            "Files",
            {
                "get": {
                    "operation_id": f"{slug}_files",
                    "responses": {200: FileSerializer(many=True), **ERRORS},
                }
            },
        ),
        "attachment": _view(
            ItemAttachmentView,
            api_type,
            "Attachment",
            {
                "get": {
                    "operation_id": f"{slug}_attachment",
                    "responses": {
                        (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
                        **ERRORS,
                    },
                }
            },
        ),
    }
    if api_type.has_images:
        views["image"] = _view(
            ItemImageView,
            api_type,
            "Image",
            {
                "get": {
                    "operation_id": f"{slug}_image",
                    "responses": {
                        (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY),
                        **ERRORS,
                    },
                }
            },
        )
    if api_type.acknowledged:
        views["acknowledge"] = _view(
            ItemAcknowledgeView,
            api_type,
            "Acknowledge",
            {
                "post": {
                    "operation_id": f"{slug}_acknowledge",
                    "request": None,
                    "responses": {200: AcknowledgementSerializer, **ERRORS},
                }
            },
        )
    if api_type.follows_up:
        views["follow-ups"] = _view(
            ItemFollowUpsView,
            api_type,
            "FollowUps",
            {
                "get": {
                    "operation_id": f"{slug}_follow_ups",
                    "responses": {200: FollowUpSerializer(many=True), **ERRORS},
                },
                "post": {
                    "operation_id": f"{slug}_follow_up",
                    "request": FollowUpBody,
                    "responses": {
                        201: FollowUpSerializer,
                        400: ERROR_SCHEMA,
                        409: ERROR_SCHEMA,
                        422: ERROR_SCHEMA,
                        **ERRORS,
                    },
                },
            },
        )
    return views


# URL of each view, under the item's address, by URL name suffix.
ACTION_PATHS = {
    "disclosures": "disclosure-requests/",
    "files": "files/",
    "attachment": "attachments/<int:file_pk>/",
    "image": "images/<int:file_pk>/",
    "acknowledge": "acknowledge/",
    "follow-ups": "follow-ups/",
}
