"""Forms of the sharing kernel: an item's language, its publication and its disclosure."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..forms import ExplainedFormMixin, conditionally_required
from ..limits import MEDIUM_TEXT, SHORT_TEXT, single_line
from ..models import AccessGroup, Audience, DisclosureRequest, Language, Marking, Organisation


class ItemLanguageMixin:
    """The form of a shared item asks the language its text is written in (the search stems
    its words in that language). A new item starts in the writer's interface language; a form
    sent without a choice keeps the item's language."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        field.choices = Language.choices
        field.widget = forms.RadioSelect(choices=Language.choices)
        field.required = False
        field.help_text = _("The language of the text: search finds its words in that language.")
        if self.instance._state.adding and not self.is_bound:
            self.initial["language"] = self._interface_language()

    @staticmethod
    def _interface_language() -> str:
        current = (get_language() or "")[:2]
        return current if current in Language.values else Language.ENGLISH

    def clean_language(self) -> str:
        value = self.cleaned_data.get("language")  # type: ignore[attr-defined]
        if value:
            return value
        if self.instance._state.adding:  # type: ignore[attr-defined]
            return self._interface_language()
        return self.instance.language  # type: ignore[attr-defined]


class PublishForm(ExplainedFormMixin, forms.Form):
    audience = forms.ChoiceField(
        label=_("Who may read it"),
        choices=Audience.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Nobody outside this audience will see the item "
            "unless you approve a disclosure request."
        ),
    )
    audience_groups = forms.ModelMultipleChoiceField(
        label=_("Access groups"),
        queryset=AccessGroup.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when the audience is named access groups."),
    )
    marking = forms.ChoiceField(
        label=_("Handling marking (TLP)"),
        choices=Marking.choices,
        widget=forms.RadioSelect,
        help_text=_("Tells recipients what they may pass on."),
    )
    personal_data_reason = forms.CharField(
        label=_("Why the text the check found stays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only when the personal-data check found something you keep on purpose (for "
            "example, a specimen's fictitious data). The reason is recorded under your name."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("audience") == Audience.GROUPS and not data.get("audience_groups"):
            self.add_error("audience_groups", _("Choose at least one access group."))
        return data


class DisclosureRequestForm(ExplainedFormMixin, forms.Form):
    target_kind = forms.ChoiceField(
        label=_("Disclose to"),
        choices=DisclosureRequest.TargetKind.choices,
        widget=forms.RadioSelect,
    )
    target_organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(is_active=True).select_related("country"),
        required=False,
    )
    conditionally_required(target_organisation, _("required when disclosing to an organisation"))
    target_group = forms.ModelChoiceField(
        label=_("Access group"), queryset=AccessGroup.objects.filter(is_active=True), required=False
    )
    conditionally_required(target_group, _("required when disclosing to an access group"))
    third_party = forms.CharField(
        label=_("Third party"),
        max_length=SHORT_TEXT,
        required=False,
        validators=[single_line],
        help_text=_(
            "The authority or body outside the network, e.g. a third-country border police."
        ),
    )
    conditionally_required(third_party, _("required when disclosing to a third party"))
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MEDIUM_TEXT,
        help_text=_("Why the information is needed and how it will be used."),
    )

    def clean(self):
        data = super().clean()
        kind = data.get("target_kind")
        if kind == DisclosureRequest.TargetKind.ORGANISATION and not data.get(
            "target_organisation"
        ):
            self.add_error("target_organisation", _("Choose the organisation."))
        if kind == DisclosureRequest.TargetKind.ACCESS_GROUP and not data.get("target_group"):
            self.add_error("target_group", _("Choose the access group."))
        if (
            kind == DisclosureRequest.TargetKind.THIRD_PARTY
            and not (data.get("third_party") or "").strip()
        ):
            self.add_error("third_party", _("Name the third party."))
        return data


class DisclosureDecisionForm(ExplainedFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    decision_reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MEDIUM_TEXT,
        help_text=_("Shown to the requester."),
    )
    conditionally_required(decision_reason, _("required for a refusal"))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("decision_reason") or "").strip():
            self.add_error("decision_reason", _("Give the reason for the refusal."))
        return data
