"""Forms of the alerts area: the alert in sections, its nationality table, filters, follow-ups."""

from django import forms
from django.contrib.postgres.forms import SplitArrayField
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from iconet.forms import (
    BoundedInlineFormSet,
    DateInput,
    ExplainedFormMixin,
    MemberStatesField,
    NumberedSplitArrayWidget,
    SectionedFormMixin,
    country_choices,
)
from iconet.models import Area, Country, Marking, User
from iconet.sharing.forms import ItemLanguageMixin

from .models import (
    Alert,
    AlertType,
    BorderType,
    NationalityCount,
    Transport,
    Urgency,
)
from .selectors import alerts_filtered

MAX_TRANSIT_COUNTRIES = 6


# The form's fieldsets are the sections the alert declares (Alert.declaration.sections).
FIELDSETS = Alert.declaration.form_fieldsets()


class AlertForm(ExplainedFormMixin, SectionedFormMixin, ItemLanguageMixin, forms.ModelForm):
    """Every field of an alert, grouped in the sections the page shows as fieldsets."""

    fieldsets = FIELDSETS
    nationality_section = 3  # the section that shows the breakdown by nationality
    formset = None  # the nationality formset, set by the view

    transit_countries = SplitArrayField(
        forms.ChoiceField(choices=country_choices(_("—")), required=False),
        size=MAX_TRANSIT_COUNTRIES,
        remove_trailing_nulls=True,
        required=False,
        label=_("Transit countries, in route order"),
        help_text=_("First country crossed first. Leave the remaining boxes empty."),
    )
    transit_countries.widget = NumberedSplitArrayWidget(
        transit_countries.base_field.widget,
        MAX_TRANSIT_COUNTRIES,
        item_label=_("Transit country"),
    )
    destination_states = MemberStatesField(
        label=_("Destination Member States"),
        queryset=Country.objects.all(),
        required=False,
        help_text=_("Their alerts contact points are notified when the alert is published."),
    )
    transport_means = forms.MultipleChoiceField(
        label=_("Means of transport"),
        choices=Transport.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Alert
        fields = Alert.declaration.form_fields()
        widgets = {
            "period_from": DateInput(),
            "period_to": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 5}),
            "alert_type": forms.RadioSelect,
            "urgency": forms.RadioSelect,
            "border_type": forms.RadioSelect,
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "concealment_method",
                    "route_description",
                    "intermediaries",
                    "network_structure",
                    "recruitment_channel",
                    "document_fraud_links",
                    "expected_development",
                    "recommended_measures",
                )
            },
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance._state.adding:
            # The author says how urgent it is: nothing is chosen for them.
            self.initial["urgency"] = None
        self.fields["reporting_contact"].queryset = User.objects.filter(
            organisation_id=user.organisation_id,
            is_active=True,
            areas__contains=[Area.ALERTS],
        )
        self.fields["reporting_contact"].help_text = _(
            "Left empty, you are the contact point for this alert."
        )
        self.fields["period_from"].error_messages["required"] = _(
            "Enter the first day the phenomenon was observed, for example 2 November 2026."
        )
        self.fields["destination_states"].queryset = Country.objects.all()
        self.fields["border_type"].choices = [("", _("Not known"))] + list(BorderType.choices)
        related = Alert.objects.visible_to(user)
        if self.instance.pk:
            related = related.exclude(pk=self.instance.pk)
        self.fields["related_alerts"].queryset = related.order_by("-created_at")
        self.fields["related_alerts"].help_text = _("Alerts of the network on the same phenomenon.")

    def section_extra_errors(self):
        if self.formset is None or not self.formset.is_bound:
            return {}
        return {self.nationality_section: self.formset.total_error_count()}

    def clean_transit_countries(self):
        codes = [code for code in self.cleaned_data.get("transit_countries") or [] if code]
        if len(set(codes)) != len(codes):
            raise forms.ValidationError(_("Name each transit country once."))
        return codes

    def clean_related_alerts(self):
        chosen = self.cleaned_data.get("related_alerts")
        if not self.instance.pk:
            return chosen
        # Links to alerts this user cannot see stay as they were: they were set by someone who
        # could.
        visible = self.fields["related_alerts"].queryset.values("pk")
        hidden = self.instance.related_alerts.exclude(pk__in=visible)
        return list(chosen) + list(hidden)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", _("The end of the period cannot be before its start."))
        persons = data.get("persons_count")
        for name in ("minors_count", "vulnerable_count"):
            value = data.get(name)
            if persons is not None and value is not None and value > persons:
                self.add_error(name, _("Cannot be more than the number of persons."))
        return data


class NationalityCountForm(ExplainedFormMixin, forms.ModelForm):
    class Meta:
        model = NationalityCount
        fields = ["nationality", "count"]


# Bounded: the client says how many forms it sends (TOTAL_FORMS), and Django's default
# absolute_max (max_num + 1000) would build a thousand forms for one small request.
MAX_NATIONALITIES = 60
NationalityFormSet = inlineformset_factory(
    Alert,
    NationalityCount,
    form=NationalityCountForm,
    formset=BoundedInlineFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_NATIONALITIES,
    absolute_max=MAX_NATIONALITIES,
    validate_max=True,
)


class AlertFilterForm(forms.Form):
    """The filters and sorting of the alert list; applied to rows already visible to the user."""

    alert_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any"))] + list(AlertType.choices)
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", _("Any"))] + list(Urgency.choices)
    )
    origin_country = forms.ChoiceField(
        label=_("Country of origin"), required=False, choices=country_choices(_("Any"))
    )
    route_country = forms.ChoiceField(
        label=_("Transit or destination country"),
        required=False,
        choices=country_choices(_("Any")),
    )
    border_type = forms.ChoiceField(
        label=_("Border type"), required=False, choices=[("", _("Any"))] + list(BorderType.choices)
    )
    period_from = forms.DateField(label=_("Observed from"), required=False, widget=DateInput())
    period_to = forms.DateField(label=_("Observed until"), required=False, widget=DateInput())
    owner_country = forms.ModelChoiceField(
        label=_("Owner Member State"),
        required=False,
        queryset=Country.objects.all(),
        empty_label=_("Any"),
    )
    marking = forms.ChoiceField(
        label=_("Marking"), required=False, choices=[("", _("Any"))] + list(Marking.choices)
    )
    acknowledged = forms.ChoiceField(
        label=_("Acknowledged by me"),
        required=False,
        choices=[
            ("", _("Any")),
            ("no", _("Not yet acknowledged")),
            ("yes", _("Acknowledged")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-published", _("Newest first")),
            ("published", _("Oldest first")),
            ("urgency", _("Immediate first")),
            ("reference", _("Reference")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def filter(self, queryset):
        return alerts_filtered(queryset, self.user, self.cleaned_data)
