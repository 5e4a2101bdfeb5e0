"""The form that attaches a file to a shared item."""

from django import forms
from django.utils.translation import gettext_lazy as _


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "JPEG, PNG, WebP or TIFF image, or PDF, up to %(mb)s MB. "
            "Images are stored without their metadata. Redact personal data first."
        ),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text % {
            "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        }
