"""Forms of the administration pages. None of them has a password field: administrators never
see, set or store a password (invited users choose their own)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AccessGroup, Area, Organisation, User
from .services.directory import role_choices_for

REASON_HELP = _("Kept in the change log with your name; the administrators concerned are told.")


def reason_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("Reason for the change"),
        required=required,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=REASON_HELP,
    )


class UserLabelChoiceField(forms.ModelChoiceField):
    """A user shown with his organisation and country, so that namesakes are told apart."""

    def label_from_instance(self, user):
        organisation = user.organisation
        country = (
            f", {organisation.country.name}" if organisation and organisation.country_id else ""
        )
        return f"{user} ({user.get_username()}) – {organisation}{country}"


def _areas_field(label, help_text="") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=Area.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class UserDetailsForm(forms.Form):
    """Who a user is and what he may read; organisation and role within the actor's scope."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Work e-mail"))
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=40, required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    role = forms.ChoiceField(label=_("Role"))
    areas = _areas_field(
        _("Areas of competence"), _("The user reads an area only if it is ticked here.")
    )
    ncp_areas = _areas_field(
        _("National contact point for"),
        _("The areas in which the user is a designated contact point."),
    )
    reason = reason_field(required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(is_active=True).select_related("country")
        if not actor.is_commission_admin:
            organisations = organisations.filter(pk=actor.organisation_id)
        self.fields["organisation"].queryset = organisations
        self.fields["role"].choices = role_choices_for(actor)
        self.fields["reason"].help_text = _(
            "Needed when the organisation, role, areas or designations change. %(help)s"
        ) % {"help": REASON_HELP}


class UserInviteForm(UserDetailsForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    field_order = ["username", "first_name", "last_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = reason_field()

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return username


class ReasonForm(forms.Form):
    reason = reason_field()


class ConfirmedReasonForm(ReasonForm):
    confirm = forms.BooleanField(
        label=_("I have checked the identity of the person who asked for this.")
    )


class AccessGroupForm(forms.ModelForm):
    reason = reason_field(required=False)

    class Meta:
        model = AccessGroup
        fields = ["name", "description", "purpose", "managing_organisation"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["managing_organisation"].queryset = Organisation.objects.filter(
            is_active=True,
            kind=Organisation.Kind.NATIONAL,
        ).select_related("country")
        if not actor.is_commission_admin:
            del self.fields["managing_organisation"]


class UserLabelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Users shown as `UserLabelChoiceField` shows one."""

    label_from_instance = UserLabelChoiceField.label_from_instance


class MemberAddForm(forms.Form):
    user = UserLabelMultipleChoiceField(
        label=_("Users"),
        queryset=User.objects.filter(is_active=True).select_related("organisation__country"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every user to add; the box above the list finds them by name."),
    )
    ends_on = forms.DateField(
        label=_("Membership ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a membership without end."),
    )
    reason = reason_field()


class OrganisationAddForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(is_active=True).select_related("country"),
    )
    ends_on = MemberAddForm.base_fields["ends_on"]
    reason = reason_field()


class MembershipEndForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Membership ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a membership without end."),
    )
    reason = reason_field()


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "kind", "country", "email"]


class InvitationAcceptForm(forms.Form):
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class OwnPasswordForm(InvitationAcceptForm):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    token = forms.CharField(
        label=_("Verification code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
        help_text=_("The 6-digit code shown by your authenticator app."),
    )
    field_order = ["current_password", "new_password1", "new_password2", "token"]
