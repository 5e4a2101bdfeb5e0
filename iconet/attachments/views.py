"""Attachments of any shared item: added by those who may change the item, served only to
those who may download it, never through a public media URL."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..audit.services import access_log_write
from ..files.pipeline import file_response
from ..models import AccessLog, Action, Attachment
from ..sharing.access import get_item_for_action
from ..sharing.declarations import takes_attachments
from ..sharing.registry import item_model_or_404
from ..sharing.views.steps import workflow_step
from .forms import AttachmentForm
from .services import attachment_add


@require_POST
def attachment_create(request, type_slug, pk):
    item = get_item_for_action(item_model_or_404(type_slug), request.user, pk, Action.CHANGE)
    form = AttachmentForm(request.POST, request.FILES)
    back = item.get_absolute_url() + "#attachments"
    if not form.is_valid():
        messages.error(
            request,
            " ".join(m for errors in form.errors.values() for m in errors)
            or _("Choose a file to attach."),
        )
        return redirect(back)
    return workflow_step(
        request,
        lambda: attachment_add(
            actor=request.user,
            item=item,
            upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        ),
        lambda attachment: _("%(name)s attached.") % {"name": attachment.original_name},
        back,
    )


def attachment_download(request, type_slug, pk, attachment_pk):
    """The file of an item the user may download, with its checked type; the download is logged."""
    item = get_item_for_action(item_model_or_404(type_slug), request.user, pk, Action.DOWNLOAD)
    if not takes_attachments(type(item)) and not item.is_owner_member(request.user):
        raise PermissionDenied  # a file that skipped the type's own review stays with its owner
    attachment = get_object_or_404(Attachment.objects.of_item(item), pk=attachment_pk)
    access_log_write(
        event=AccessLog.Event.DOWNLOAD,
        request=request,
        item=item,
        detail=f"attachment {attachment.original_name}",
    )
    return file_response(
        attachment.file,
        name=attachment.original_name,
        content_type=attachment.content_type_header,
    )
