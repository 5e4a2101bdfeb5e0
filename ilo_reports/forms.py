"""Forms of the ILO area; the report form is built from the report's template version."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from iconet.limits import LONG_TEXT, MEDIUM_TEXT, PERSONAL_DATA_WARNING, single_line
from iconet.models import Marking, Organisation, User

from .models import Meeting, Network, Posting, Semester, TemplateQuestion

FieldType = TemplateQuestion.FieldType


def _field_for(kind: str, label: str, help_text: str = "") -> forms.Field:
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
    """Every question of the template, grouped by section; table questions become a grid of
    cells."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.layout = []  # [(section, [{"question", "field" | "rows", "columns"}])]
        self.initial.setdefault("lock_version", report.lock_version)
        for section in report.template.sections_with_questions():
            entries = []
            for question in section.questions.all():
                answer = report.answer_for(question)
                if question.field_type == FieldType.TABLE:
                    entries.append(self._add_table(question, answer or {}))
                else:
                    name = f"q{question.pk}"
                    self.fields[name] = _field_for(
                        question.field_type, question.label, question.help
                    )
                    self.initial.setdefault(name, answer)
                    entries.append({"question": question, "name": name})
            self.layout.append((section, entries))

    def _add_table(self, question, answer: dict) -> dict:
        columns = question.table.get("columns", [])
        rows = []
        for row in question.table.get("rows", []):
            names = []
            for column in columns:
                name = f"q{question.pk}__{row['key']}__{column['key']}"
                label = f"{row['label']} – {column['label']}"
                self.fields[name] = _field_for(column.get("type", FieldType.TEXT), label)
                self.initial.setdefault(name, answer.get(row["key"], {}).get(column["key"]))
                names.append(name)
            rows.append({"label": row["label"], "names": names})
        return {"question": question, "rows": rows, "columns": columns}

    def bound_layout(self):
        """The layout with bound fields, for the template."""
        for section, entries in self.layout:
            bound = []
            for entry in entries:
                if "rows" in entry:
                    rows = [
                        {"label": r["label"], "cells": [self[n] for n in r["names"]]}
                        for r in entry["rows"]
                    ]
                    bound.append(
                        {"question": entry["question"], "rows": rows, "columns": entry["columns"]}
                    )
                else:
                    bound.append({"question": entry["question"], "field": self[entry["name"]]})
            yield section, bound

    def answers(self) -> dict:
        """The cleaned answers, keyed by question id as the report stores them."""
        data = self.cleaned_data
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
                        for name, column in zip(row["names"], entry["columns"], strict=True):
                            value = _to_json(data.get(name))
                            if value not in (None, ""):
                                cells[column["key"]] = value
                        if cells:
                            table[spec["key"]] = cells
                    if table:
                        answers[str(question.pk)] = table
                else:
                    value = _to_json(data.get(entry["name"]))
                    if value not in (None, ""):
                        answers[str(question.pk)] = value
        return answers


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
    section = forms.ModelChoiceField(label=_("Section"), queryset=None)
    text = forms.CharField(
        label=_("Contribution"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=PERSONAL_DATA_WARNING,
        max_length=LONG_TEXT,
    )

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = report.template.sections.all()


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
