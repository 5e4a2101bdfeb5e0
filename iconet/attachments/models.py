"""Files attached to any shared item, stored under random names and read through their item."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..directory.models.directory import Organisation
from ..files.pipeline import CONTENT_TYPES, EXTENSIONS, FileKind, storage_name


def attachment_storage_name(instance, filename: str) -> str:
    """A random name: the user's file name never reaches the storage path."""
    return storage_name("attachments", EXTENSIONS[instance.kind][0])


class AttachmentQuerySet(models.QuerySet):
    """Attachments are read through their item: `of_item` takes an item already known visible."""

    def of_item(self, item) -> "AttachmentQuerySet":
        return self.filter(
            content_type=ContentType.objects.get_for_model(type(item)), object_id=item.pk
        )


class Attachment(models.Model):
    """A file of a shared item, checked by `iconet.files.pipeline` and served only through the
    item's visibility (`iconet.attachments.views`)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("file"), upload_to=attachment_storage_name, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    description = models.CharField(_("description"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=FileKind.choices)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def filename(self) -> str:
        return self.original_name

    @property
    def content_type_header(self) -> str:
        return CONTENT_TYPES[self.kind]
