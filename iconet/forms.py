"""Forms of the shared core."""

from dataclasses import dataclass
from html import escape

from django import forms
from django.contrib.postgres.forms import SplitArrayWidget
from django.forms.formsets import TOTAL_FORM_COUNT
from django.forms.models import BaseInlineFormSet
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .limits import MEDIUM_TEXT, PERSONAL_DATA_WARNING, SHORT_TEXT, single_line
from .models import AccessGroup, Audience, DisclosureRequest, Language, Marking, Organisation


class DateInput(forms.DateInput):
    """The browser's date picker; its value is ISO 8601, which is what the picker reads."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def country_choices(blank_label=None):
    """The world's countries as choices, read in the language of each page that renders
    them (a list built when a forms module is imported would stay in its language)."""

    def choices() -> list[tuple[str, str]]:
        from django_countries import countries

        blank = [("", blank_label)] if blank_label is not None else []
        return blank + [(code, str(name)) for code, name in countries]

    return choices


DASHES = "---------"  # Django's empty choice, which tells a reader nothing


def _lower_first(label) -> str:
    text = str(label or "")
    return text[:1].lower() + text[1:]


def field_explained(field: forms.Field) -> None:
    """An empty choice that reads "— Choose —" instead of dashes, and a required-field error
    that says what to do ("Choose the urgency.") instead of "This field is required."."""
    from django.utils.translation import gettext

    if isinstance(field, forms.ModelChoiceField) and field.empty_label == DASHES:
        field.empty_label = gettext("— Choose —")
    elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        choices = list(field.choices)  # type: ignore[arg-type]
        if choices and choices[0] == ("", DASHES):
            field.choices = [("", gettext("— Choose —")), *choices[1:]]
    if field.error_messages.get("required") != forms.Field.default_error_messages["required"]:
        return  # the form's own message
    label = _lower_first(field.label)
    choosing = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
    if isinstance(field, forms.BooleanField):
        message = gettext("Tick this box to go on.")
    elif choosing:
        message = gettext("Choose the %(label)s.") % {"label": label}
    elif isinstance(field, forms.DateField):
        message = gettext("Enter the %(label)s as a date.") % {"label": label}
    elif isinstance(field, forms.FileField):
        message = gettext("Choose a file for the %(label)s.") % {"label": label}
    else:
        message = gettext("Enter the %(label)s.") % {"label": label}
    field.error_messages = {**field.error_messages, "required": message}


def conditionally_required(field: forms.Field, condition) -> None:
    """A field that the form's `clean` requires in some cases only: the page says when
    ("required for a refusal") instead of "optional"."""
    field.__dict__["required_when"] = condition


class QuickSelect(forms.Select):
    """A drop-down written as Django's templates write it, without a template, a context
    dictionary or a `format_html` per option: a list of the world's countries would otherwise
    cost 250 of each, and a filter form holds three."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        chosen = widget["value"]  # `format_value`: the chosen values as strings
        parts = [f'<select name="{escape(widget["name"])}"{_attributes(widget["attrs"])}>']
        has_selected = False
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):
                parts.append(f'<optgroup label="{_text(option_value)}">')
                options = option_label
            else:
                options = [(option_value, option_label)]
            for value_, label in options:
                value_ = "" if value_ is None else value_
                selected = not has_selected and str(value_) in chosen
                has_selected |= selected
                parts.append(
                    f'<option value="{escape(str(value_))}"{" selected" if selected else ""}>'
                    f"{_text(label)}</option>"
                )
            if options is option_label:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value and label is escaped


def _text(value) -> str:
    """What a template writes for `{{ value }}`: escaped unless it is already safe HTML."""
    html = getattr(value, "__html__", None)
    return html() if html is not None else escape(str(value))


def _attributes(attrs: dict) -> str:
    """Attributes as django/forms/widgets/attrs.html writes them, in their order."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def quick_selects(form: forms.BaseForm) -> forms.BaseForm:
    """The form with its plain drop-downs written by `QuickSelect` (same HTML, less time)."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            field.widget.__class__ = QuickSelect  # a subclass that only renders differently
    return form


class ExplainedFormMixin:
    """Forms a person fills in: empty choices and required-field errors in plain words (see
    `field_explained`). Put it first among the bases."""

    fields: dict

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field_explained(field)


EMPTY_VALUES: tuple = (None, "", [], ())


@dataclass(frozen=True)
class FormSection:
    """One section of a long form: its legend and bound fields (it unpacks as the pair), with
    what the page's contents list says about it. `extra_errors` counts errors of rows that
    belong to the section but not to the form (an inline formset shown inside it)."""

    legend: str
    fields: list
    number: int
    extra_errors: int = 0

    def __iter__(self):
        return iter((self.legend, self.fields))

    def __len__(self) -> int:
        return 2

    @property
    def anchor(self) -> str:
        return f"section-{self.number}"

    @property
    def error_count(self) -> int:
        return sum(len(field.errors) for field in self.fields) + self.extra_errors

    @property
    def required_fields(self) -> list:
        return [field for field in self.fields if field.field.required]

    @property
    def missing_required(self) -> list:
        """Required fields still empty: on a bound form those the user left empty (their
        error says so), on a new form those with no initial value."""
        return [field for field in self.required_fields if field.value() in EMPTY_VALUES]

    @property
    def opens(self) -> bool:
        """Opened on arrival: a section with an error, or, on a form with no error yet, one
        with a required field to fill in."""
        form = self.fields[0].form if self.fields else None
        if form is not None and form.is_bound and not form.is_valid():
            return bool(self.error_count)
        return self.error_count > 0 or bool(self.missing_required)


class SectionedFormMixin:
    """A long form in sections: `fieldsets` lists (legend, field names); `sections()` gives
    the `FormSection`s a page shows as collapsible fieldsets under a contents list."""

    fieldsets: list = []

    def section_extra_errors(self) -> dict[int, int]:
        """Errors of rows shown inside a section but kept outside the form, by section number."""
        return {}

    def sections(self) -> list[FormSection]:
        extra = self.section_extra_errors()
        return [
            FormSection(legend, [self[name] for name in names], number, extra.get(number, 0))  # type: ignore[index]
            for number, (legend, names) in enumerate(self.fieldsets, start=1)
        ]


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


class NumberedSplitArrayWidget(SplitArrayWidget):
    """An ordered list of inputs (e.g. countries along a route); each gets its own accessible
    name, "<item label> 1", "<item label> 2"..., since only the first is tied to the label."""

    def __init__(self, widget, size, *, item_label, **kwargs):
        self.item_label = item_label
        super().__init__(widget, size, **kwargs)

    def get_context(self, name, value, attrs=None):
        context = super().get_context(name, value, attrs)
        for position, subwidget in enumerate(context["widget"]["subwidgets"], start=1):
            subwidget["attrs"]["aria-label"] = f"{self.item_label} {position}"
        return context


class BoundedInlineFormSet(BaseInlineFormSet):
    """An inline formset whose size the client cannot inflate. Give it `absolute_max`: a
    management form that claims more forms than that is refused (Django's "Please submit at
    most N forms") without building them; the page shows the stored rows and the usual extras."""

    def total_form_count(self):
        if self.is_bound and self.management_form.is_valid():
            if self.management_form.cleaned_data[TOTAL_FORM_COUNT] > self.absolute_max:
                return self.initial_form_count() + self.extra
        return super().total_form_count()


class ReplyForm(ExplainedFormMixin, forms.Form):
    """A reply in the discussion of an item."""

    text = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MEDIUM_TEXT,
        help_text=PERSONAL_DATA_WARNING,
    )


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


class SavedSearchForm(ExplainedFormMixin, forms.Form):
    """Saving the search shown: its name and how often to be told of new items."""

    name = forms.CharField(
        label=_("Name of the saved search"), max_length=100, validators=[single_line]
    )
    frequency = forms.ChoiceField(
        label=_("Tell me of new items"),
        choices=[("immediate", _("At once")), ("daily", _("In a daily digest"))],
        initial="daily",
        widget=forms.RadioSelect,
    )


class SearchForm(forms.Form):
    """The search page's query and filters (read from the query string, all optional)."""

    q = forms.CharField(
        label=_("Search for"), required=False, max_length=200, widget=forms.SearchInput
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    type = forms.CharField(required=False, widget=forms.HiddenInput)
    country = forms.ChoiceField(label=_("Country"), required=False)
    marking = forms.ChoiceField(
        label=_("Handling marking"),
        required=False,
        choices=[("", _("Any marking")), *Marking.choices],
    )
    date_from = forms.DateField(label=_("Published from"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Published until"), required=False, widget=DateInput)
    year = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1900, max_value=9999
    )
    archived = forms.BooleanField(
        label=_("Include archived items"),
        required=False,
        help_text=_("Archived items are read-only and left out of searches unless asked for."),
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("Every area")), *areas]
        self.fields["country"].choices = country_choices(_("Any country"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period comes before its start."))
        return cleaned


class SearchFilterForm(SearchForm):
    """The search page's filters, shown after its results: the words searched ride along (the
    search box above reports what is wrong with them, so these carry them unchecked)."""

    q = forms.CharField(required=False, widget=forms.HiddenInput)


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


# Participants that apply the Schengen acquis in full, beside the associated states: every
# Member State but Ireland (opted out) and Cyprus (not yet admitted).
EU_OUTSIDE_SCHENGEN = ("IE", "CY")


class MemberStatesWidget(forms.CheckboxSelectMultiple):
    """Member States' checkboxes, with "all Member States" and "all Schengen states" boxes at
    the top: ticked without JavaScript, the form adds their states when it is sent; with it,
    they tick the states at once (static/iconet/js/pickers.js)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-member-states": "", **(attrs or {})}, choices)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        country = getattr(value, "instance", None)
        if country is not None:
            if country.is_eu_member:
                option["attrs"]["data-eu"] = True
            if country.is_schengen_associated or (
                country.is_eu_member and country.code not in EU_OUTSIDE_SCHENGEN
            ):
                option["attrs"]["data-schengen"] = True
        return option


def _sort_key(text: str) -> str:
    import unicodedata

    return "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    ).casefold()


class MemberStatesIterator(forms.models.ModelChoiceIterator):
    """The shortcuts first, then the states (read when the page renders)."""

    def __iter__(self):
        yield ("all-eu", _("All EU Member States"))
        yield ("all-schengen", _("All Schengen states"))
        states = super().__iter__()
        if self.field.empty_label is not None:
            yield next(states)
        # In the order of the names in the page's language ("Allemagne" first in French).
        yield from sorted(states, key=lambda choice: _sort_key(str(choice[1])))

    def __len__(self):
        return super().__len__() + 2


class MemberStatesField(forms.ModelMultipleChoiceField):
    """A choice of participating states, with the shortcuts "all Member States" and "all
    Schengen states" (values "all-eu" and "all-schengen")."""

    widget = MemberStatesWidget
    SHORTCUTS = ("all-eu", "all-schengen")

    def __init__(self, queryset=None, **kwargs):
        from .models import Country

        super().__init__(queryset if queryset is not None else Country.objects.all(), **kwargs)

    iterator = MemberStatesIterator

    def clean(self, value):
        value = list(value or [])
        wanted = [v for v in value if v not in self.SHORTCUTS]
        queryset = self.queryset
        extra = queryset.none()
        if "all-eu" in value:
            extra = extra | queryset.filter(is_eu_member=True)
        if "all-schengen" in value:
            extra = extra | queryset.filter(is_schengen_associated=True)
            extra = extra | queryset.filter(is_eu_member=True).exclude(code__in=EU_OUTSIDE_SCHENGEN)
        wanted += [str(pk) for pk in extra.values_list("pk", flat=True)]
        return super().clean(list(dict.fromkeys(wanted)))

    def has_changed(self, initial, data):
        return super().has_changed(initial, [v for v in data or [] if v not in self.SHORTCUTS])
