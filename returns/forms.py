"""Forms of the returns area: problems, operations, the seat offer and replies, incidents."""

from django import forms
from django.utils.translation import gettext_lazy as _

from iconet.forms import (
    DateInput,
    ExplainedFormMixin,
    MemberStatesField,
    SectionedFormMixin,
    country_choices,
)
from iconet.models import Country
from iconet.sharing.forms import ItemLanguageMixin

from .models import (
    Authorisation,
    Incident,
    OperationStatus,
    Participation,
    ProblemCategory,
    ReturnOperation,
    ReturnProblem,
)


class ReturnProblemForm(ExplainedFormMixin, SectionedFormMixin, ItemLanguageMixin, forms.ModelForm):
    """Every field of a return problem, in sections."""

    fieldsets = ReturnProblem.declaration.form_fieldsets()

    class Meta:
        model = ReturnProblem
        fields = ReturnProblem.declaration.form_fields()
        widgets = {
            "observed_on": DateInput(),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "description",
                    "detention_limits_relevance",
                    "outcome",
                    "good_practice",
                )
            },
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


class ProblemFilterForm(forms.Form):
    country = forms.ChoiceField(
        label=_("Country of return"),
        required=False,
        choices=country_choices(_("All")),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All"))] + list(ProblemCategory.choices),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def filter(self, queryset):
        if self.cleaned_data.get("country"):
            queryset = queryset.filter(country_of_return=self.cleaned_data["country"])
        if self.cleaned_data.get("category"):
            queryset = queryset.filter(category=self.cleaned_data["category"])
        return queryset


class ReturnOperationForm(
    ExplainedFormMixin, SectionedFormMixin, ItemLanguageMixin, forms.ModelForm
):
    """The operation as its organiser plans it."""

    countries_of_return = forms.MultipleChoiceField(
        label=_("Countries of return"),
        choices=country_choices(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    fieldsets = ReturnOperation.declaration.form_fieldsets()

    class Meta:
        model = ReturnOperation
        fields = ReturnOperation.declaration.form_fields()
        widgets = {
            "departure_date": DateInput(),
            "operation_type": forms.RadioSelect,
            "return_type": forms.RadioSelect,
            "flight_type": forms.RadioSelect,
            "evaluation_report": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


class OperationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Operation status"),
        required=False,
        choices=[("", _("All"))] + list(OperationStatus.choices),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def filter(self, queryset):
        if self.cleaned_data.get("status"):
            queryset = queryset.filter(status=self.cleaned_data["status"])
        return queryset


class SeatOfferForm(forms.Form):
    states = MemberStatesField(
        label=_("Offer seats to"),
        queryset=Country.objects.none(),
        help_text=_(
            "Their returns contact points are told; their services may read the operation."
        ),
    )
    deadline = forms.DateField(label=_("Offer deadline"), widget=DateInput())

    def __init__(self, *args, operation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["states"].queryset = Country.objects.exclude(
            code=operation.owner.country_id,
        ).order_by("code")


class ParticipationForm(ExplainedFormMixin, forms.ModelForm):
    """A Member State's reply to the seat offer: counts only, never names."""

    class Meta:
        model = Participation
        fields = [
            "interest",
            "seats_requested",
            "returnees",
            "escort_leaders",
            "escorts",
            "medical_staff",
            "interpreters",
            "representatives",
            "travel_documents_ready",
            "embassy_notified",
        ]
        widgets = {"interest": forms.RadioSelect}


class AllocationForm(forms.Form):
    participation = forms.IntegerField(widget=forms.HiddenInput)
    seats = forms.IntegerField(label=_("Seats allocated"), min_value=0, max_value=10000)


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=OperationStatus.choices)


class IncidentForm(ExplainedFormMixin, forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["occurred_at", "place", "category", "facts", "follow_up"]
        widgets = {
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "facts": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }


class AuthorisationForm(forms.ModelForm):
    class Meta:
        model = Authorisation
        fields = ["country", "kind", "status"]
