"""The form of a reply in the discussion of an item."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import ExplainedFormMixin
from ..limits import MEDIUM_TEXT, PERSONAL_DATA_WARNING


class ReplyForm(ExplainedFormMixin, forms.Form):
    """A reply in the discussion of an item."""

    text = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MEDIUM_TEXT,
        help_text=PERSONAL_DATA_WARNING,
    )
