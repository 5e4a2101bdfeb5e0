"""Attaching files to shared items through the safe-file pipeline (`iconet.files.pipeline`)."""

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction

from ..audit.services import audited
from ..files.pipeline import file_check, stored_files_delete
from ..models import Action, Attachment, User
from ..sharing.access import can
from ..sharing.declarations import takes_attachments


@audited
def attachment_add(*, actor: User, item, upload, description: str = "") -> Attachment:
    """Check the upload by its content, store the cleaned bytes under a random name and record
    it on an item the actor may change. A refused file leaves no row and no stored file."""
    if not can(actor, Action.CHANGE, item) or not takes_attachments(type(item)):
        raise PermissionDenied
    return attachment_store(actor=actor, item=item, upload=upload, description=description)


def attachment_store(*, actor: User, item, upload, description: str = "") -> Attachment:
    """The pipeline itself, for a service that checked the actor's right to add this file to
    the item (an item type's own files, such as a library document's versions)."""
    checked = file_check(upload)  # raises FileRefused before anything is written
    attachment = Attachment(
        item=item,
        original_name=checked.name,
        description=description.strip()[:200],
        kind=checked.kind,
        size=checked.size,
        sha256=checked.sha256,
        width=checked.width,
        height=checked.height,
        uploaded_by=actor,
        organisation=actor.organisation,
    )
    attachment.file.save(checked.name, ContentFile(checked.content), save=False)
    try:
        with transaction.atomic():
            attachment.full_clean()
            attachment.save()
    except BaseException:
        stored_files_delete(attachment.file)
        raise
    return attachment
