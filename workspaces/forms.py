import copy

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iconet.attachments.forms import AttachmentForm
from iconet.sharing.forms import ItemLanguageMixin

from .models import Folder, LibraryDocument, Meeting, Reply, time_zone_choices
from .services import WORKSPACE_MARKINGS

MARKING_CHOICES = [(m.value, m.label) for m in WORKSPACE_MARKINGS]


class FolderForm(forms.Form):
    name = forms.CharField(label=_("Name of the new folder"), max_length=150)


class VersionForm(AttachmentForm):
    """A file through the core's pipeline, with the note of the version."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["description"]
        self.fields["note"] = forms.CharField(
            label=_("Note on this version"),
            max_length=300,
            required=False,
            help_text=_("What changed, for the other members."),
        )


class DocumentForm(ItemLanguageMixin, VersionForm):
    """A new library document with its first version. Not a ModelForm (the document is written
    with its first file); `instance` is the unsaved document, for the language's default."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=LibraryDocument._meta.get_field("description").help_text,
    )
    marking = forms.ChoiceField(
        label=_("Handling marking"), choices=MARKING_CHOICES, initial="AMBER"
    )
    folder = forms.ModelChoiceField(
        label=_("Folder"), queryset=Folder.objects.none(), required=False
    )
    language = forms.ChoiceField(label=_("Language"))

    field_order = ["title", "description", "language", "folder", "marking", "file", "note"]

    def __init__(self, *args, group=None, **kwargs):
        self.instance = LibraryDocument()
        super().__init__(*args, **kwargs)
        # The document's own description, which the version's form leaves out.
        self.fields["description"] = copy.deepcopy(self.base_fields["description"])
        self.fields["folder"].queryset = Folder.objects.filter(group=group)
        self.order_fields(self.field_order)


class MeetingForm(ItemLanguageMixin, forms.ModelForm):
    marking = forms.ChoiceField(
        label=_("Handling marking"), choices=MARKING_CHOICES, initial="AMBER"
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), initial="Europe/Brussels")
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In the meeting's time zone."),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One item a line. To attach a document of the library, end the line with "
            "its reference in brackets, e.g. “Budget [LIB-12]”."
        ),
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            "language",
            "starts_at",
            "ends_at",
            "time_zone",
            "place",
            "video_link",
            "marking",
        ]

    def __init__(self, *args, documents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = {d.reference: d for d in (documents or [])}
        self.fields["time_zone"].choices = time_zone_choices()
        # IANA names (Europe/Brussels) are identifiers: no language translates them.
        self.fields["time_zone"].widget.attrs["translate"] = "no"
        if self.instance.pk:
            zone = self.instance.zone
            self.initial["starts_at"] = timezone.localtime(self.instance.starts_at, zone)
            self.initial["ends_at"] = timezone.localtime(self.instance.ends_at, zone)
            self.initial["agenda"] = "\n".join(
                f"{row.title} [{row.document.reference}]" if row.document_id else row.title
                for row in self.instance.agenda.select_related("document")
            )

    def _in_zone(self, value):
        import zoneinfo

        zone = zoneinfo.ZoneInfo(self.cleaned_data.get("time_zone") or "Europe/Brussels")
        return timezone.make_aware(timezone.make_naive(value), zone) if value else value

    def clean(self):
        cleaned = super().clean()
        # The times are entered in the meeting's own zone, not the reader's.
        for name in ("starts_at", "ends_at"):
            if cleaned.get(name):
                cleaned[name] = self._in_zone(cleaned[name])
                setattr(self.instance, name, cleaned[name])
        lines = []
        for line in (cleaned.get("agenda") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            document = None
            if line.endswith("]") and "[" in line:
                title, _sep, reference = line[:-1].rpartition("[")
                document = self.documents.get(reference.strip())
                if document is None:
                    self.add_error(
                        "agenda",
                        _("No document %(ref)s in this group's library.")
                        % {"ref": reference.strip()},
                    )
                    continue
                line = title.strip() or document.title
            lines.append((line[:300], document))
        cleaned["agenda_items"] = lines
        return cleaned


class ReplyForm(forms.Form):
    reply = forms.ChoiceField(
        label=_("Your reply"),
        choices=[c for c in Reply.choices if c[0] != Reply.PENDING],
        widget=forms.RadioSelect,
    )
    delegate = forms.CharField(
        label=_("Delegate"),
        max_length=200,
        required=False,
        help_text=_("Who comes in your place (name and service)."),
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=Meeting._meta.get_field("minutes").help_text,
    )


class ContributorForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Member"), queryset=None)

    def __init__(self, *args, members=(), **kwargs):
        from iconet.models import User

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(pk__in=[m.pk for m in members])
