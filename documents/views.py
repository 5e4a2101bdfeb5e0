"""Pages of the document-fraud area; notes come from `DocumentNote.objects.visible_to(user)`
only, and images are served through the note's visibility: the redacted copy to everyone,
the original to the owner organisation alone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from iconet.audit.services import access_log_write
from iconet.dashboard.charts import bar_chart_horizontal
from iconet.files.pipeline import CONTENT_TYPES, EXTENSIONS, FileKind, file_response
from iconet.models import AccessLog, Action
from iconet.sharing.access import get_item_for_action
from iconet.sharing.views.items import ItemCreateView, ItemDetailView, ItemListView, ItemUpdateView

from . import selectors, services
from .forms import (
    DocumentNoteFilterForm,
    DocumentNoteForm,
    NoteImageForm,
    RedactionForm,
    boxes_text,
)
from .models import DocumentNote, NoteAction, NoteImage


def _note(request, pk: int, action: Action | NoteAction = Action.READ) -> DocumentNote:
    return get_item_for_action(DocumentNote, request.user, pk, action)


def _image(
    request, pk: int, image_pk: int, action: Action | NoteAction = Action.READ
) -> tuple[DocumentNote, NoteImage]:
    note = _note(request, pk, action)
    image = get_object_or_404(selectors.images_for_reader(note, request.user), pk=image_pk)
    return note, image


class NoteListView(ItemListView):
    model = DocumentNote
    filter_form_class = DocumentNoteFilterForm
    template_name = "documents/note_list.html"
    context_object_name = "notes"
    export_fields = ("category", "issuing_country", "fraud_type", "detected_on")

    def get_queryset(self):
        return super().get_queryset().with_list_columns()


def note_gallery(request):
    """The reviewed (redacted) images of the notes the user may see, with the same filters."""
    form = DocumentNoteFilterForm(request.GET or None, user=request.user)
    notes = selectors.notes_visible_to(request.user)
    if form.is_valid():
        notes = form.filter(notes)
    page = Paginator(selectors.gallery_images(request.user, notes), 24).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "documents/note_gallery.html",
        {
            "filter_form": form,
            "page_obj": page,
            "images": page.object_list,
        },
    )


class NoteCreateView(ItemCreateView):
    model = DocumentNote
    form_class = DocumentNoteForm
    template_name = "documents/note_form.html"


class NoteUpdateView(ItemUpdateView):
    model = DocumentNote
    form_class = DocumentNoteForm
    template_name = "documents/note_form.html"


class NoteDetailView(ItemDetailView):
    model = DocumentNote
    template_name = "documents/note_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "owner__country",
                "author",
                "category",
                "fraud_type",
                "production_method",
            )
            .prefetch_related("altered_elements", "security_features", "attachments")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        note, user = self.object, self.request.user
        images = list(selectors.images_for_reader(note, user))
        context.update(
            {
                "note": note,
                "images": images,
                "is_owner": note.is_owner_member(user),
                "unreviewed": [image for image in images if not image.reviewed],
                "image_form": NoteImageForm(),
                "related_alerts": note.related_alerts_visible_to(user).select_related("owner"),
            }
        )
        return context


@require_POST
def image_add(request, pk):
    note = _note(request, pk, Action.CHANGE)
    form = NoteImageForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            image = services.image_add(
                actor=request.user,
                note=note,
                upload=data["file"],
                caption=data["caption"],
                side=data["side"],
                light_source=data["light_source"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Image added. Black out any personal data, then review it.")
            )
            return redirect("documents:image_redact", pk=note.pk, image_pk=image.pk)
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect(note.get_absolute_url() + "#images")


@require_http_methods(["GET", "POST"])
def image_redact(request, pk, image_pk):
    """The author marks rectangles to black out and sees the redacted preview."""
    note, image = _image(request, pk, image_pk, Action.CHANGE)
    form = RedactionForm(request.POST or None, initial={"boxes": boxes_text(image.redaction_boxes)})
    # The areas drawn over the original: those typed, else those burnt in.
    boxes = image.redaction_boxes
    if request.method == "POST" and form.is_valid():
        boxes = form.cleaned_data["boxes"]
        try:
            services.image_redact(actor=request.user, image=image, boxes=form.cleaned_data["boxes"])
        except ValidationError as exc:
            form.add_error("boxes", exc)
        else:
            messages.success(request, _("Redacted copy made. Check the preview, then confirm it."))
            return redirect("documents:image_redact", pk=note.pk, image_pk=image.pk)
    return render(
        request,
        "documents/image_redact.html",
        {
            "item": note,
            "note": note,
            "image": image,
            "form": form,
            "boxes": boxes,
        },
    )


@require_POST
def image_review(request, pk, image_pk):
    note, image = _image(request, pk, image_pk, Action.CHANGE)
    try:
        services.image_review(
            actor=request.user,
            image=image,
            no_personal_data=request.POST.get("no_personal_data") == "1",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("documents:image_redact", pk=note.pk, image_pk=image.pk)
    messages.success(
        request, _("Redaction of “%(caption)s” reviewed.") % {"caption": image.caption}
    )
    return redirect(note.get_absolute_url() + "#images")


@require_POST
def image_delete(request, pk, image_pk):
    note, image = _image(request, pk, image_pk, Action.CHANGE)
    services.image_delete(actor=request.user, image=image)
    messages.success(request, _("Image removed."))
    return redirect(note.get_absolute_url() + "#images")


def _file_response(file, *, filename: str, inline: bool = True):
    return file_response(file, name=filename, content_type="image/jpeg", inline=inline)


def image_redacted(request, pk, image_pk):
    """The redacted copy: what every reader of the note sees."""
    _note_obj, image = _image(request, pk, image_pk)
    return _file_response(image.redacted, filename=f"image-{image.pk}.jpg")


def image_thumbnail(request, pk, image_pk):
    _note_obj, image = _image(request, pk, image_pk)
    return _file_response(image.thumbnail, filename=f"image-{image.pk}-thumbnail.jpg")


def image_original(request, pk, image_pk):
    """The unredacted upload, for the owner organisation alone."""
    note, image = _image(request, pk, image_pk, NoteAction.ORIGINAL)
    access_log_write(
        event=AccessLog.Event.READ, request=request, item=note, detail=f"original image {image.pk}"
    )
    extension = image.original.name.rpartition(".")[2].lower()
    kind = next((k for k, names in EXTENSIONS.items() if f".{extension}" in names), FileKind.JPEG)
    return file_response(
        image.original,
        name=f"original-{image.pk}.{extension}",
        content_type=CONTENT_TYPES[kind],
        inline=True,
    )


def image_download(request, pk, image_pk):
    """The redacted copy with a visible mark of the downloading organisation and the time;
    the download is in the note's access log, which its owner sees."""
    note, image = _image(request, pk, image_pk, Action.DOWNLOAD)
    data, _content_type, _name = selectors.image_served(note, image, request.user)
    access_log_write(
        event=AccessLog.Event.DOWNLOAD,
        request=request,
        item=note,
        detail=f"image {image.pk} marked for {request.user.organisation}",
    )
    return file_response(data, name=f"{note.reference}-{image.pk}.jpg", content_type="image/jpeg")


def note_statistics(request):
    """Detections per category, issuing country and fraud type by year, from visible notes."""
    if not request.user.has_area(DocumentNote.area):
        raise Http404
    tables = selectors.detection_statistics(request.user)
    charts = {
        key: bar_chart_horizontal([(label, total) for label, _counts, total in table["rows"]])
        for key, table in tables.items()
    }
    headings = {
        "category": _("Document category"),
        "country": _("Issuing country"),
        "fraud_type": _("Fraud type"),
    }
    sections = [
        {"key": key, "heading": headings[key], "table": tables[key], "chart": charts[key]}
        for key in ("category", "country", "fraud_type")
    ]
    return render(request, "documents/note_statistics.html", {"sections": sections})
