"""Forms of the document-fraud area: the note in sections, an image, its redaction, filters."""

import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from iconet.files.pipeline import EXTENSIONS, FileKind
from iconet.forms import (
    DateInput,
    ExplainedFormMixin,
    SectionedFormMixin,
    country_choices,
)
from iconet.sharing.forms import ItemLanguageMixin

from .models import DocumentNote, LightSource, NoteImage, Term, Vocabulary


class TermChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class TermMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.label


# The form's fieldsets are the sections the note declares (DocumentNote.declaration.sections).
FIELDSETS = DocumentNote.declaration.form_fieldsets()


class DocumentNoteForm(ExplainedFormMixin, SectionedFormMixin, ItemLanguageMixin, forms.ModelForm):
    fieldsets = FIELDSETS

    category = TermChoiceField(label=_("Document category"), queryset=Term.objects.none())
    fraud_type = TermChoiceField(label=_("Fraud type"), queryset=Term.objects.none())
    production_method = TermChoiceField(
        label=_("Production method"),
        queryset=Term.objects.none(),
        required=False,
    )
    altered_elements = TermMultipleChoiceField(
        label=_("Altered elements"),
        queryset=Term.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    security_features = TermMultipleChoiceField(
        label=_("Security features affected"),
        queryset=Term.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = DocumentNote
        fields = DocumentNote.declaration.form_fields()
        widgets = {
            "detected_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "supporting_documents",
                    "advice_border_guards",
                    "advice_consular",
                    "advice_carriers",
                )
            },
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, vocabulary in (
            ("category", Vocabulary.CATEGORY),
            ("fraud_type", Vocabulary.FRAUD_TYPE),
            ("production_method", Vocabulary.PRODUCTION_METHOD),
            ("altered_elements", Vocabulary.ALTERED_ELEMENT),
            ("security_features", Vocabulary.SECURITY_FEATURE),
        ):
            self.fields[name].queryset = Term.objects.of(vocabulary)
        self.fields["border_type"].choices = [("", _("Not known"))] + list(
            self.fields["border_type"].choices[1:]
        )
        alerts = DocumentNote.related_alerts.field.related_model.objects
        self.fields["related_alerts"].queryset = alerts.visible_to(user).order_by("-created_at")
        self.fields["related_alerts"].help_text = _("Alerts of the network on the same fraud.")

    def clean_related_alerts(self):
        chosen = self.cleaned_data.get("related_alerts")
        if not self.instance.pk:
            return chosen
        # Links to alerts this user cannot see stay: they were set by someone who could.
        visible = self.fields["related_alerts"].queryset.values("pk")
        return list(chosen) + list(self.instance.related_alerts.exclude(pk__in=visible))


IMAGE_ACCEPT = ",".join(
    ext
    for kind in (FileKind.JPEG, FileKind.PNG, FileKind.WEBP, FileKind.TIFF)
    for ext in EXTENSIONS[kind]
)


class NoteImageForm(ExplainedFormMixin, forms.ModelForm):
    file = forms.FileField(
        label=_("Image"),
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("JPEG, PNG, WebP or TIFF. You black out personal data before publishing."),
    )

    class Meta:
        model = NoteImage
        fields = ["file", "caption", "side", "light_source"]


BOX_LINE = re.compile(r"^\s*(\d{1,6})[\s,;]+(\d{1,6})[\s,;]+(\d{1,6})[\s,;]+(\d{1,6})\s*$")


class RedactionForm(forms.Form):
    boxes = forms.CharField(
        label=_("Areas to black out"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One area a line: x y width height, in pixels of the original image, from "
            "its top left corner. For example: 40 120 300 60."
        ),
    )

    def clean_boxes(self):
        boxes = []
        for number, line in enumerate(self.cleaned_data["boxes"].splitlines(), start=1):
            if not line.strip():
                continue
            match = BOX_LINE.match(line)
            if not match:
                raise forms.ValidationError(
                    _("Line %(n)s: write four whole numbers, x y width height.") % {"n": number}
                )
            boxes.append([int(value) for value in match.groups()])
        return boxes


def boxes_text(boxes) -> str:
    return "\n".join(" ".join(str(v) for v in box) for box in boxes)


class DocumentNoteFilterForm(forms.Form):
    category = TermChoiceField(
        label=_("Document category"),
        required=False,
        queryset=Term.objects.none(),
        empty_label=_("Any"),
    )
    issuing_country = forms.ChoiceField(
        label=_("Issuing country"),
        required=False,
        choices=country_choices(_("Any")),
    )
    fraud_type = TermChoiceField(
        label=_("Fraud type"), required=False, queryset=Term.objects.none(), empty_label=_("Any")
    )
    altered_element = TermChoiceField(
        label=_("Altered element"),
        required=False,
        queryset=Term.objects.none(),
        empty_label=_("Any"),
    )
    security_feature = TermChoiceField(
        label=_("Security feature"),
        required=False,
        queryset=Term.objects.none(),
        empty_label=_("Any"),
    )
    light_source = forms.ChoiceField(
        label=_("Light source of an image"),
        required=False,
        choices=[("", _("Any"))] + list(LightSource.choices),
    )
    detected_from = forms.DateField(label=_("Detected from"), required=False, widget=DateInput())
    detected_to = forms.DateField(label=_("Detected until"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, vocabulary in (
            ("category", Vocabulary.CATEGORY),
            ("fraud_type", Vocabulary.FRAUD_TYPE),
            ("altered_element", Vocabulary.ALTERED_ELEMENT),
            ("security_feature", Vocabulary.SECURITY_FEATURE),
        ):
            self.fields[name].queryset = Term.objects.of(vocabulary)

    def filter(self, queryset):
        data = self.cleaned_data
        for name in ("category", "fraud_type", "issuing_country"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        through_alt = DocumentNote.altered_elements.through.objects
        through_sec = DocumentNote.security_features.through.objects
        if data.get("altered_element"):
            queryset = queryset.filter(
                pk__in=through_alt.filter(term=data["altered_element"]).values("documentnote_id")
            )
        if data.get("security_feature"):
            queryset = queryset.filter(
                pk__in=through_sec.filter(term=data["security_feature"]).values("documentnote_id")
            )
        if data.get("light_source"):
            # Only images others may see count (reviewed), unless the note is the reader's.
            images = NoteImage.objects.filter(light_source=data["light_source"]).filter(
                Q(reviewed=True) | Q(note__owner_id=self.user.organisation_id)
            )
            queryset = queryset.filter(pk__in=images.values("note_id"))
        if data.get("detected_from"):
            queryset = queryset.filter(detected_on__gte=data["detected_from"])
        if data.get("detected_to"):
            queryset = queryset.filter(detected_on__lte=data["detected_to"])
        return queryset
