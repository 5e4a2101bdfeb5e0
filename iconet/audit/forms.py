"""Forms of an item's footprint page: the item to show, and the narrower audience."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import ExplainedFormMixin
from ..limits import single_line
from ..models import AccessGroup, Audience


class FootprintFindForm(ExplainedFormMixin, forms.Form):
    """The reference of the item whose footprint to show."""

    reference = forms.CharField(
        label=_("Reference of the item"),
        help_text=_("For example EWS-2026-FR-0042."),
        max_length=64,
        validators=[single_line],
    )


class NarrowForm(ExplainedFormMixin, forms.Form):
    """The narrower audience chosen on an item's footprint page."""

    audience = forms.ChoiceField(
        label=_("Who may read it from now on"),
        choices=[(Audience.OWNER, Audience.OWNER.label), (Audience.GROUPS, Audience.GROUPS.label)],
        widget=forms.RadioSelect,
    )
    audience_groups = forms.ModelMultipleChoiceField(
        label=_("Access groups to keep"),
        queryset=AccessGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when the audience is named access groups."),
    )

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        if item.audience == Audience.GROUPS:
            self.fields["audience_groups"].queryset = item.audience_groups.all()
        else:
            self.fields["audience_groups"].queryset = AccessGroup.objects.filter(is_active=True)
