"""Writes of the document-fraud area: notes, their images and the redaction of the images.
Each takes the acting user; sharing and publishing go through the core services."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from iconet.audit.services import audited
from iconet.files.pipeline import FileKind, file_check, stored_files_delete
from iconet.models import Action, User
from iconet.sharing.access import require

from . import images
from .models import DocumentNote, NoteImage

MAX_IMAGES = 20
MAX_BOXES = 50


def note_publish_check(item: DocumentNote) -> None:
    """Refuse publishing while an image's redaction is not reviewed (`ItemType.publish_check`,
    asked by the core's `item_publish` before it writes anything)."""
    pending = [
        image.caption
        for image in item.images.filter(
            Q(reviewed=False) | Q(redaction_boxes=[], no_personal_data=False)
        )
    ]
    if pending:
        raise ValidationError(
            ngettext(
                "Review the redaction of the image %(names)s before publishing: nobody outside "
                "your organisation may see personal data.",
                "Review the redaction of the images %(names)s before publishing: nobody outside "
                "your organisation may see personal data.",
                len(pending),
            )
            % {"names": ", ".join(f"“{name}”" for name in pending)}
        )


def _store(image: NoteImage, field: str, data: bytes) -> None:
    getattr(image, field).save("image.jpg", ContentFile(data), save=False)


def _files_delete(image: NoteImage, *fields: str) -> None:
    stored_files_delete(*(getattr(image, field) for field in fields))


@audited
def image_add(
    *,
    actor: User,
    note: DocumentNote,
    upload,
    caption: str,
    side: str = "",
    light_source: str = "visible",
) -> NoteImage:
    """Check the upload through the safe-file pipeline and keep it with a redacted copy (no box
    yet) and a thumbnail. A refused file leaves no row and no stored file."""
    require(actor, Action.CHANGE, note)
    if note.images.count() >= MAX_IMAGES:
        raise ValidationError(_("A note has at most %(n)s images.") % {"n": MAX_IMAGES})
    checked = file_check(upload)
    if checked.kind == FileKind.PDF:
        raise ValidationError(
            _("%(name)s was not accepted: it is a PDF, not an image.") % {"name": checked.name}
        )
    image = NoteImage(
        note=note,
        original_name=checked.name,
        width=checked.width or 0,
        height=checked.height or 0,
        caption=caption.strip(),
        side=side.strip(),
        light_source=light_source,
        order=note.images.count(),
    )
    try:
        image.original.save(f"image{checked.extension}", ContentFile(checked.content), save=False)
        redacted = images.redact(checked.content, [])
        _store(image, "redacted", redacted)
        _store(image, "thumbnail", images.thumbnail(redacted))
        with transaction.atomic():
            image.full_clean()
            image.save()
    except BaseException:
        _files_delete(image, "original", "redacted", "thumbnail")
        raise
    return image


def boxes_clean(boxes, width: int, height: int) -> list[list[int]]:
    """Boxes clipped to the image; an empty or outside box is an error the author sees."""
    if len(boxes) > MAX_BOXES:
        raise ValidationError(_("At most %(n)s areas per image.") % {"n": MAX_BOXES})
    cleaned = []
    for x, y, w, h in boxes:
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(width, x + w), min(height, y + h)
        if x1 <= x0 or y1 <= y0:
            raise ValidationError(
                _("The area %(box)s is outside the image (%(w)s × %(h)s pixels).")
                % {"box": f"{x} {y} {w} {h}", "w": width, "h": height}
            )
        cleaned.append([x0, y0, x1 - x0, y1 - y0])
    return cleaned


@audited
def image_redact(*, actor: User, image: NoteImage, boxes) -> NoteImage:
    """Burn the boxes into a new redacted copy; it must be reviewed again before publication."""
    require(actor, Action.CHANGE, image.note)
    if not boxes:
        raise ValidationError(
            _(
                "Mark at least one area to black out. If the image shows no personal data at "
                "all, say so under “Review” instead."
            )
        )
    boxes = boxes_clean(boxes, image.width, image.height)
    with image.original.open("rb") as handle:
        redacted = images.redact(handle.read(), boxes)
    old = NoteImage(redacted=image.redacted.name, thumbnail=image.thumbnail.name)
    _store(image, "redacted", redacted)
    _store(image, "thumbnail", images.thumbnail(redacted))
    image.redaction_boxes = boxes
    image.reviewed = False
    with transaction.atomic():
        image.save()
    transaction.on_commit(lambda: _files_delete(old, "redacted", "thumbnail"))
    return image


@audited
@transaction.atomic
def image_review(*, actor: User, image: NoteImage, no_personal_data: bool = False) -> NoteImage:
    """The author has seen the redacted preview and confirms no personal data is left: either
    areas were blacked out, or the author states, as a choice of its own that is recorded,
    that the image shows no personal data at all."""
    require(actor, Action.CHANGE, image.note)
    if not image.redaction_boxes and not no_personal_data:
        raise ValidationError(
            _(
                "No area is blacked out on this image. Mark the areas that show personal data, "
                "or state that the image shows no personal data."
            )
        )
    image.reviewed = True
    image.no_personal_data = not image.redaction_boxes
    image.save(update_fields=["reviewed", "no_personal_data"])
    return image


@audited
def image_delete(*, actor: User, image: NoteImage) -> None:
    require(actor, Action.CHANGE, image.note)
    with transaction.atomic():
        image.delete()
        # Once the row is gone for good: a rolled-back removal keeps its files.
        transaction.on_commit(lambda: _files_delete(image, "original", "redacted", "thumbnail"))
