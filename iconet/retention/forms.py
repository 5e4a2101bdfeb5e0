"""Forms of retention: the owner's decision on a review, the hold, and a type's period."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import ExplainedFormMixin


class RetentionDecisionForm(ExplainedFormMixin, forms.Form):
    """The owner's answer to an item's due review."""

    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[
            ("keep", _("Keep it for another period")),
            ("archive", _("Archive it (read-only, out of the lists)")),
            ("delete", _("Delete it with every copy")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to keep the item."),
    )
    confirm_delete = forms.BooleanField(
        label=_("I understand that deleting cannot be undone"),
        required=False,
        help_text=_(
            "Deleting removes the item, its follow-ups, files and images, the exports and "
            "mails that hold it, and its content in the change log. Only a content-free "
            "record of the deletion remains."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "delete" and not cleaned.get("confirm_delete"):
            self.add_error(
                "confirm_delete", _("Tick the box to confirm that the item is to be deleted.")
            )
        return cleaned


class RetentionHoldForm(ExplainedFormMixin, forms.Form):
    """The Commission holds an item's retention (an inquiry) or lifts the hold."""

    held = forms.TypedChoiceField(
        label=_("Hold"),
        choices=[("1", _("Hold the item: no review, no archiving")), ("0", _("Lift the hold"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for the hold"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class RetentionRuleForm(ExplainedFormMixin, forms.Form):
    """The Commission's period for one item type."""

    type_slug = forms.CharField(widget=forms.HiddenInput)
    months = forms.IntegerField(label=_("Months before review"), min_value=1, max_value=240)
