"""Forms of the ILO area; the report form is built from the report's template version."""

import datetime

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from iconet.forms import BoundedInlineFormSet, ExplainedFormMixin
from iconet.limits import LONG_TEXT, MEDIUM_TEXT, PERSONAL_DATA_WARNING, single_line
from iconet.models import Marking, Organisation, User

from .models import (
    Meeting,
    Network,
    Posting,
    Semester,
    TemplateQuestion,
    TemplateSection,
    TemplateVersion,
    Trend,
    country_codes,
)

FieldType = TemplateQuestion.FieldType

# How many countries a nationalities answer offers to pick (more if a report holds more).
NATIONALITY_PICKERS = {"question": 5, "cell": 3}


def _country_pickers(name: str, label: str, value, count: int, help_text: str = "") -> dict:
    """One select per rank ("most frequent first"); codes typed in older reports that are not
    countries stay selectable, so that saving the section keeps them."""
    codes = country_codes(value)
    known = dict(countries)
    choices = [("", _("(none)"))] + list(countries)
    choices += [
        (code, _("%(code)s (as typed)") % {"code": code}) for code in codes if code not in known
    ]
    fields = {}
    for rank in range(1, max(count, len(codes)) + 1):
        if rank == 1:
            rank_label = _("%(label)s – most frequent") % {"label": label}
        else:
            rank_label = _("%(label)s – number %(rank)s") % {"label": label, "rank": rank}
        field = forms.ChoiceField(
            label=rank_label,
            choices=choices,
            required=False,
            help_text=help_text if rank == 1 else "",
        )
        fields[f"{name}__{rank}"] = (field, codes[rank - 1] if rank <= len(codes) else "")
    return fields


def _field_for(kind: str, label: str, help_text: str = "") -> forms.Field:
    if kind == FieldType.TREND:
        return forms.ChoiceField(
            label=label,
            help_text=help_text,
            required=False,
            choices=[("", _("Not stated")), *Trend.choices],
        )
    if kind == FieldType.NUMBER:
        return forms.IntegerField(label=label, help_text=help_text, required=False, min_value=0)
    if kind == FieldType.DATE:
        return forms.DateField(
            label=label,
            help_text=help_text,
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
        )
    if kind == FieldType.LONG_TEXT:
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 6}),
            help_text=help_text or PERSONAL_DATA_WARNING,
            max_length=LONG_TEXT,
        )
    return forms.CharField(
        label=label,
        required=False,
        max_length=500,
        help_text=help_text,
        validators=[single_line],
    )


def _to_json(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class ReportForm(forms.Form):
    """The questions of one section of the template (or of all), grouped by section; table
    questions become a grid of cells, nationalities a country picker per rank."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args, report, section: TemplateSection | None = None, part: str = "", **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.report = report
        self.layout = []  # [(section, [{"question", "names" | "rows", "columns"}])]
        self.initial.setdefault("lock_version", report.lock_version)
        sections = report.template.sections_with_questions()
        if section is not None:
            sections = [s for s in sections if s.pk == section.pk]
        if part:
            sections = [s for s in sections if s.part == part]
        for each in sections:
            entries = []
            for question in each.questions.all():
                answer = report.answer_for(question)
                if question.field_type == FieldType.TABLE:
                    entries.append(self._add_table(question, answer or {}))
                else:
                    names = self._add_answer(
                        f"q{question.pk}",
                        question.field_type,
                        question.shown_label,
                        answer,
                        question.shown_help,
                        "question",
                    )
                    entries.append({"question": question, "names": names})
            self.layout.append((each, entries))

    def _add_answer(self, name, kind, label, value, help_text="", place="cell") -> list[str]:
        """The field (or the country pickers) of one answer; the names of the fields added."""
        if kind == FieldType.COUNTRIES:
            pickers = _country_pickers(name, label, value, NATIONALITY_PICKERS[place], help_text)
            for picker_name, (field, code) in pickers.items():
                self.fields[picker_name] = field
                self.initial.setdefault(picker_name, code)
            return list(pickers)
        self.fields[name] = _field_for(kind, label, help_text)
        self.initial.setdefault(name, value)
        return [name]

    def _add_table(self, question, answer: dict) -> dict:
        table = question.shown_table
        columns = table.get("columns", [])
        rows = []
        for row in table.get("rows", []):
            cells = []
            for column in columns:
                cells.append(
                    self._add_answer(
                        f"q{question.pk}__{row['key']}__{column['key']}",
                        column.get("type", FieldType.TEXT),
                        f"{row['label']} – {column['label']}",
                        answer.get(row["key"], {}).get(column["key"]),
                    )
                )
            rows.append({"label": row["label"], "cells": cells})
        return {"question": question, "rows": rows, "columns": columns}

    def bound_layout(self):
        """The layout with bound fields, for the template: every answer is a list of fields
        (one, or one country picker per rank)."""
        for section, entries in self.layout:
            bound = []
            for entry in entries:
                if "rows" in entry:
                    rows = [
                        {
                            "label": r["label"],
                            "cells": [[self[n] for n in names] for names in r["cells"]],
                        }
                        for r in entry["rows"]
                    ]
                    bound.append(
                        {"question": entry["question"], "rows": rows, "columns": entry["columns"]}
                    )
                else:
                    fields = [self[n] for n in entry["names"]]
                    bound.append(
                        {
                            "question": entry["question"],
                            "field": fields[0],
                            "fields": fields,
                            "pickers": entry["question"].field_type == FieldType.COUNTRIES,
                        }
                    )
            yield section, bound

    def _country_answers(self):
        """The names of the pickers of every countries answer of the form."""
        for _section, entries in self.layout:
            for entry in entries:
                if "rows" in entry:
                    for row in entry["rows"]:
                        for names, column in zip(row["cells"], entry["columns"], strict=True):
                            if column.get("type") == FieldType.COUNTRIES:
                                yield names
                elif entry["question"].field_type == FieldType.COUNTRIES:
                    yield entry["names"]

    def clean(self):
        cleaned = super().clean()
        # A nationality counts once in a ranking: a second pick of it is refused, not merged.
        for names in self._country_answers():
            seen = set()
            for name in names:
                code = cleaned.get(name)
                if not code:
                    continue
                if code in seen:
                    self.add_error(
                        name,
                        _("%(country)s is already chosen above; choose each nationality once.")
                        % {"country": countries.name(code) or code},
                    )
                seen.add(code)
        return cleaned

    def _value(self, names: list[str], kind: str):
        data = self.cleaned_data
        if kind == FieldType.COUNTRIES:
            codes: list[str] = []
            for name in names:
                code = data.get(name)
                if code and code not in codes:
                    codes.append(code)
            return ", ".join(codes)
        return _to_json(data.get(names[0]))

    def answers(self) -> dict:
        """The cleaned answers of the form's questions, keyed by question id as the report
        stores them."""
        answers = {}
        for _section, entries in self.layout:
            for entry in entries:
                question = entry["question"]
                if "rows" in entry:
                    table = {}
                    for row, spec in zip(
                        entry["rows"], question.table.get("rows", []), strict=True
                    ):
                        cells = {}
                        for names, column in zip(row["cells"], entry["columns"], strict=True):
                            value = self._value(names, column.get("type", FieldType.TEXT))
                            if value not in (None, ""):
                                cells[column["key"]] = value
                        if cells:
                            table[spec["key"]] = cells
                    if table:
                        answers[str(question.pk)] = table
                else:
                    value = self._value(entry["names"], question.field_type)
                    if value not in (None, ""):
                        answers[str(question.pk)] = value
        return answers

    def question_keys(self) -> set[str]:
        """The questions the form holds: a section's save replaces these answers only."""
        return {str(entry["question"].pk) for _section, entries in self.layout for entry in entries}


class OpenReportForm(forms.Form):
    network = forms.ModelChoiceField(label=_("Network"), queryset=Network.objects.none())
    semester = forms.CharField(
        label=_("Semester"), max_length=7, help_text=_("For example 2026-S1.")
    )
    marking = forms.ChoiceField(
        label=_("Handling marking (TLP)"), choices=Marking.choices, initial=Marking.AMBER
    )

    def __init__(self, *args, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks
        self.initial.setdefault("semester", str(Semester.reporting()))

    def clean_semester(self):
        try:
            return Semester.parse(self.cleaned_data["semester"].strip())
        except ValueError as exc:
            raise forms.ValidationError(_("Write the semester as YYYY-S1 or YYYY-S2.")) from exc


class ContributionForm(forms.Form):
    section: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Section"), queryset=None)
    text = forms.CharField(
        label=_("Contribution"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=PERSONAL_DATA_WARNING,
        max_length=LONG_TEXT,
    )

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = report.template.sections.all()
        self.fields["section"].label_from_instance = lambda section: section.shown_heading


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=MEDIUM_TEXT,
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What must be corrected"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MEDIUM_TEXT,
        help_text=_("The chair sees this comment with the report."),
    )


class PostingForm(forms.ModelForm):
    class Meta:
        model = Posting
        fields = [
            "deploying_organisation",
            "deploying_authority",
            "officer",
            "officer_type",
            "host_country",
            "accredited_countries",
            "posted_at",
            "duties",
            "start_date",
            "end_date",
            "languages",
            "also_represents",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "also_represents": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(is_active=True).exclude(
            kind=Organisation.Kind.COMMISSION
        )
        officers = User.objects.filter(is_active=True)
        if not user.is_commission_admin:
            organisations = organisations.filter(pk=user.organisation_id)
            officers = officers.filter(organisation_id=user.organisation_id)
        self.fields["deploying_organisation"].queryset = organisations.select_related("country")
        self.fields["officer"].queryset = officers
        self.fields["also_represents"].queryset = self.fields["also_represents"].queryset.filter(
            is_eu_member=True
        )

    def clean(self):
        data = super().clean()
        officer, organisation = data.get("officer"), data.get("deploying_organisation")
        if officer and organisation and officer.organisation_id != organisation.pk:
            self.add_error("officer", _("The officer must belong to the deploying service."))
        return data


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["date", "place", "participants", "agenda", "minutes", "decisions"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


# --- editing a draft template version ---------------------------------------------------

# Types a question can be given here: a table also needs its rows and columns, which these
# pages do not edit.
EDITABLE_FIELD_TYPES = [choice for choice in FieldType.choices if choice[0] != FieldType.TABLE]


class TemplateSectionForm(ExplainedFormMixin, forms.ModelForm):
    """A section's part, texts and source."""

    class Meta:
        model = TemplateSection
        fields = ["part", "heading", "heading_fr", "guidance", "guidance_fr", "source"]
        widgets = {
            "guidance": forms.Textarea(attrs={"rows": 3}),
            "guidance_fr": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("heading", "heading_fr"):
            self.fields[name].validators.append(single_line)
        self.fields["heading_fr"].help_text = _(
            "Readers of the French interface see the English heading while this is empty."
        )
        self.fields["guidance"].help_text = _("Shown under the heading to those who write.")


class TemplateQuestionForm(ExplainedFormMixin, forms.ModelForm):
    """A question of the section: its key for a new one, its texts and its type (a table keeps
    its type, and its rows and columns)."""

    class Meta:
        model = TemplateQuestion
        fields = ["key", "label", "label_fr", "help", "help_fr", "field_type", "required"]
        widgets = {
            "help": forms.Textarea(attrs={"rows": 2}),
            "help_fr": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("label", "label_fr"):
            self.fields[name].validators.append(single_line)
        self.fields["key"].help_text = _(
            "Letters, digits, hyphens and underscores; unique in the version. Answers of "
            "different versions are compared by it, so keep the key of a question that asks "
            "the same thing."
        )
        if self.instance.pk:
            # Semesters written in different versions are compared by key: it stays.
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _("The key of a question does not change.")
        if self.instance.pk and self.instance.field_type == FieldType.TABLE:
            self.fields["field_type"].disabled = True
        else:
            self.fields["field_type"].choices = EDITABLE_FIELD_TYPES

    @property
    def is_table(self) -> bool:
        return bool(self.instance.pk) and self.instance.field_type == FieldType.TABLE


class TemplateQuestionFormSet(BoundedInlineFormSet):
    """The questions of a section: each one changed, removed or moved, and one new question."""

    def __init__(self, *args, version: TemplateVersion, **kwargs):
        self.version = version
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            form.fields["ORDER"].label = _("Position")
            form.fields["ORDER"].help_text = _("Questions are shown by position, lowest first.")
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this question")

    def clean(self):
        super().clean()
        removed = [
            form.instance.pk
            for form in self.forms
            if form.instance.pk and self.can_delete and self._should_delete_form(form)
        ]
        taken = set(
            TemplateQuestion.objects.filter(section__version=self.version)
            .exclude(pk__in=removed)
            .values_list("key", flat=True)
        )
        for form in self.forms:
            if form.instance.pk or not form.has_changed() or not hasattr(form, "cleaned_data"):
                continue
            key = form.cleaned_data.get("key")
            if key in taken:
                form.add_error(
                    "key",
                    _("Another question of this version already has the key “%(key)s”.")
                    % {"key": key},
                )
            elif key:
                taken.add(key)


QuestionFormSet = inlineformset_factory(
    TemplateSection,
    TemplateQuestion,
    form=TemplateQuestionForm,
    formset=TemplateQuestionFormSet,
    fields=TemplateQuestionForm.Meta.fields,
    extra=1,
    can_delete=True,
    can_delete_extra=False,
    can_order=True,
    max_num=200,
    absolute_max=200,
)


class FollowUpTaskForm(forms.Form):
    """A follow-up action of a report tracked as a task: who owns it and by when."""

    report = forms.IntegerField(widget=forms.HiddenInput)
    row_key = forms.SlugField(widget=forms.HiddenInput)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
