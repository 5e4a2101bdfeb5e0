"""The form kit of the core: widgets, fields and mixins that every form of the portal builds on.

The forms themselves live with what they are about (`iconet.sharing.forms`,
`iconet.attachments.forms`, `iconet.discussion.forms`, `iconet.search.forms`,
`iconet.audit.forms`, `iconet.retention.forms`, each area's `forms`)."""

from dataclasses import dataclass
from html import escape

from django import forms
from django.contrib.postgres.forms import SplitArrayWidget
from django.forms.formsets import TOTAL_FORM_COUNT
from django.forms.models import BaseInlineFormSet
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


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
