"""The pages of the workspaces. Groups are found among the user's own (a non-member is told
the group does not exist); shared items are read through `visible_to` and `can`."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from iconet.audit.services import access_log_write
from iconet.calendar import calendar_events
from iconet.files.marks import file_marked
from iconet.files.pipeline import file_response
from iconet.models import AccessLog, Action, Area
from iconet.sharing.access import can, get_item_for_action, get_visible_or_404
from iconet.sharing.views.items import ItemDetailView, ItemListView

from . import selectors, services
from .forms import (
    ContributorForm,
    DocumentForm,
    FolderForm,
    MeetingForm,
    MinutesForm,
    ReplyForm,
    VersionForm,
)
from .ics import calendar_file
from .models import CalendarFeed, Contributor, Invitation, LibraryDocument, Meeting, may_add


def _errors(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def home(request):
    """The user's groups, with the calendar's next weeks."""
    if not request.user.has_area(Area.WORKSPACES):
        raise Http404
    groups = selectors.groups_of(request.user).select_related("managing_organisation")
    today = timezone.localdate()
    upcoming = selectors.meetings_visible(request.user, today, today + datetime.timedelta(days=60))
    return render(request, "workspaces/home.html", {"groups": groups, "upcoming": upcoming[:10]})


def group_page(request, group_pk):
    """A group's page: its members, library, meetings and the items shared with it."""
    group = selectors.group_for_member_or_404(request.user, group_pk)
    return _group_page(request, group)


def _group_page(request, group, *, document_form=None, folder_form=None, status=200):
    """The group's page; a form refused is shown again with what was typed and why."""
    user = request.user
    adder = may_add(user, group)
    members = selectors.member_candidates(group)
    contributors = set(Contributor.objects.filter(group=group).values_list("user_id", flat=True))
    return render(
        request,
        "workspaces/group.html",
        {
            "group": group,
            "members": members,
            "contributors": contributors,
            "organisations": group.organisations.all(),
            "folders": selectors.folders_of(group),
            "documents": selectors.library_documents(user, group),
            "meetings": selectors.group_meetings(user, group)[:20],
            "shared": selectors.items_shared_with(user, group),
            "may_add": adder,
            "is_manager": services.is_group_manager(user, group),
            "folder_form": folder_form or FolderForm(),
            "document_form": document_form or (DocumentForm(group=group) if adder else None),
        },
        status=status,
    )


def folder_page(request, group_pk, folder_pk):
    group = selectors.group_for_member_or_404(request.user, group_pk)
    folder = selectors.folder_for_member_or_404(request.user, group, folder_pk)
    return _folder_page(request, group, folder)


def _folder_page(request, group, folder, *, folder_form=None, status=200):
    adder = may_add(request.user, group)
    return render(
        request,
        "workspaces/folder.html",
        {
            "group": group,
            "folder": folder,
            "folders": selectors.folders_of(group, folder),
            "documents": selectors.library_documents(request.user, group, folder),
            "may_add": adder,
            "folder_form": folder_form or FolderForm(),
            "subscribed": folder.subscriptions.filter(user=request.user).exists(),
            "document_form": DocumentForm(group=group, initial={"folder": folder})
            if adder
            else None,
        },
        status=status,
    )


@require_POST
def folder_subscribe(request, group_pk, folder_pk):
    """Be told, or no longer, of new documents and versions in the folder."""
    group = selectors.group_for_member_or_404(request.user, group_pk)
    folder = selectors.folder_for_member_or_404(request.user, group, folder_pk)
    subscribed = request.POST.get("subscribed") != "0"
    services.folder_subscribe(actor=request.user, folder=folder, subscribed=subscribed)
    messages.success(
        request,
        _("You will be told of new documents and versions in this folder.")
        if subscribed
        else _("You will no longer be told of this folder's documents."),
    )
    return redirect(reverse("workspaces:folder", args=[group.pk, folder.pk]))


@require_POST
def folder_create(request, group_pk):
    group = selectors.group_for_member_or_404(request.user, group_pk)
    parent = None
    if request.POST.get("parent"):
        try:
            parent = selectors.folder_for_member_or_404(
                request.user, group, int(request.POST["parent"])
            )
        except ValueError as exc:
            raise Http404 from exc
    form = FolderForm(request.POST)
    back = (
        reverse("workspaces:folder", args=[group.pk, parent.pk])
        if parent
        else reverse("workspaces:group", args=[group.pk]) + "#library"
    )
    if not form.is_valid():
        if parent:
            return _folder_page(request, group, parent, folder_form=form, status=400)
        return _group_page(request, group, folder_form=form, status=400)
    try:
        services.folder_create(
            actor=request.user, group=group, name=form.cleaned_data["name"], parent=parent
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Folder created."))
    return redirect(back)


@require_POST
def document_create(request, group_pk):
    group = selectors.group_for_member_or_404(request.user, group_pk)
    if not may_add(request.user, group):
        raise PermissionDenied
    form = DocumentForm(request.POST, request.FILES, group=group)
    if not form.is_valid():
        return _group_page(request, group, document_form=form, status=400)
    data = form.cleaned_data
    try:
        document = services.document_add(
            actor=request.user,
            group=group,
            folder=data["folder"],
            title=data["title"],
            description=data["description"],
            marking=data["marking"],
            upload=data["file"],
            note=data["note"],
            language=data["language"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _group_page(request, group, document_form=form, status=400)
    messages.success(request, _("%(title)s added to the library.") % {"title": document.title})
    return redirect(document.get_absolute_url())


class DocumentDetailView(ItemDetailView):
    model = LibraryDocument
    template_name = "workspaces/document.html"

    def get_queryset(self):
        return super().get_queryset().select_related("group", "folder", "owner", "author")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["versions"] = self.object.versions.select_related("uploaded_by", "attachment")
        context["version_form"] = VersionForm() if context["actions"]["change"] else None
        return context


@require_POST
def version_create(request, pk):
    document = get_item_for_action(LibraryDocument, request.user, pk, Action.CHANGE)
    form = VersionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(document.get_absolute_url())
    try:
        version = services.version_add(
            actor=request.user,
            document=document,
            upload=form.cleaned_data["file"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Version %(number)s added.") % {"number": version.number})
    return redirect(document.get_absolute_url())


def version_download(request, pk, number):
    """A version's file, marked for the reader (organisation, name, time, reference); the
    download is in the document's access log."""
    document = get_item_for_action(LibraryDocument, request.user, pk, Action.DOWNLOAD)
    version = document.versions.select_related("attachment").filter(number=number).first()
    if version is None:
        raise Http404
    attachment = version.attachment
    from iconet.dates import moment_shown

    user = request.user
    text = (
        f"{document.get_marking_display()} {user.organisation} "
        f"{user.get_full_name() or user.username} {moment_shown(timezone.now())} "
        f"{document.reference} v{version.number}"
    )
    with attachment.file.open("rb") as handle:
        try:
            data, content_type = file_marked(handle.read(), attachment.kind, text)
        except ValueError as exc:
            raise PermissionDenied from exc  # a file that cannot carry the mark is not handed out
    access_log_write(
        event=AccessLog.Event.DOWNLOAD,
        request=request,
        item=document,
        detail=f"version {version.number} marked for {user.organisation}",
    )
    name = attachment.original_name
    if content_type == "image/jpeg" and not name.lower().endswith((".jpg", ".jpeg")):
        name = name.rsplit(".", 1)[0] + ".jpg"
    return file_response(data, name=name, content_type=content_type)


def _meeting_form(request, group, instance=None):
    documents = LibraryDocument.objects.visible_to(request.user).filter(group=group)
    return MeetingForm(
        request.POST or None, instance=instance or Meeting(group=group), documents=documents
    )


def meeting_create(request, group_pk):
    group = selectors.group_for_member_or_404(request.user, group_pk)
    if not may_add(request.user, group):
        raise PermissionDenied
    form = _meeting_form(request, group)
    if request.method == "POST" and form.is_valid():
        try:
            meeting, invited = services.meeting_create(
                actor=request.user,
                group=group,
                meeting=form.save(commit=False),
                agenda=form.cleaned_data["agenda_items"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Meeting called; %(count)s members invited.") % {"count": len(invited)},
            )
            return redirect(meeting.get_absolute_url())
    return render(request, "workspaces/meeting_form.html", {"group": group, "form": form})


def meeting_edit(request, pk):
    meeting = get_item_for_action(Meeting, request.user, pk, Action.CHANGE)
    form = _meeting_form(request, meeting.group, instance=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(
                actor=request.user,
                meeting=form.save(commit=False),
                agenda=form.cleaned_data["agenda_items"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Meeting changed; the members were told."))
            return redirect(meeting.get_absolute_url())
    return render(
        request,
        "workspaces/meeting_form.html",
        {"group": meeting.group, "form": form, "meeting": meeting},
    )


class MeetingDetailView(ItemDetailView):
    model = Meeting
    template_name = "workspaces/meeting.html"

    def get_queryset(self):
        return super().get_queryset().select_related("group", "owner", "author")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = self.object
        user = self.request.user
        context["agenda"] = [
            (
                row,
                row.document if row.document_id and can(user, Action.READ, row.document) else None,
            )
            for row in meeting.agenda.select_related("document")
        ]
        context["invitations"] = meeting.invitations.select_related("user__organisation")
        mine = meeting.invitations.filter(user=user).first()
        context["invitation"] = mine
        context["reply_form"] = (
            ReplyForm(initial={"reply": mine.reply, "delegate": mine.delegate}) if mine else None
        )
        context["minutes_form"] = (
            MinutesForm(initial={"minutes": meeting.minutes})
            if context["actions"]["change"] and meeting.is_past
            else None
        )
        return context


@require_POST
def meeting_reply(request, pk):
    meeting = get_visible_or_404(Meeting, request.user, pk=pk)
    if not Invitation.objects.filter(meeting=meeting, user=request.user).exists():
        raise PermissionDenied
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(meeting.get_absolute_url())
    try:
        services.invitation_reply(
            actor=request.user,
            meeting=meeting,
            reply=form.cleaned_data["reply"],
            delegate=form.cleaned_data["delegate"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your reply is recorded."))
    return redirect(meeting.get_absolute_url())


@require_POST
def meeting_minutes(request, pk):
    meeting = get_item_for_action(Meeting, request.user, pk, Action.CHANGE)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(meeting.get_absolute_url())
    try:
        services.minutes_record(
            actor=request.user, meeting=meeting, minutes=form.cleaned_data["minutes"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Minutes recorded."))
    return redirect(meeting.get_absolute_url() + "#minutes")


def _ics_response(data: bytes, name: str) -> HttpResponseBase:
    return file_response(data, name=name, content_type="text/calendar; charset=utf-8")


def meeting_ics(request, pk):
    meeting = get_item_for_action(Meeting, request.user, pk, Action.DOWNLOAD)
    return _ics_response(calendar_file([meeting]), f"{meeting.reference}.ics")


def contributors(request, group_pk):
    """Who adds to the group's library and calls its meetings: named here by the group's
    managers (who need not be members: naming lets nobody read anything)."""
    from iconet.models import AccessGroup

    group = AccessGroup.objects.filter(pk=group_pk, is_active=True).first()
    manager = group is not None and services.is_group_manager(request.user, group)
    if group is None or not (manager or selectors.is_member(request.user, group)):
        raise Http404
    members = selectors.member_candidates(group)
    back = reverse("workspaces:contributors", args=[group.pk])
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        form = ContributorForm(request.POST, members=members)
        if form.is_valid():
            user = form.cleaned_data["user"]
            try:
                if request.POST.get("remove"):
                    services.contributor_remove(actor=request.user, group=group, user=user)
                    messages.success(request, _("The member no longer adds to the group."))
                else:
                    services.contributor_name(actor=request.user, group=group, user=user)
                    messages.success(
                        request, _("The member may now add to the library and call meetings.")
                    )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        else:
            messages.error(request, _errors(form))
        return redirect(back)
    named = Contributor.objects.filter(group=group).select_related("user__organisation", "named_by")
    return render(
        request,
        "workspaces/contributors.html",
        {
            "group": group,
            "named": named,
            "is_manager": manager,
            "is_member": selectors.is_member(request.user, group),
            "form": ContributorForm(members=members) if manager else None,
        },
    )


def calendar(request):
    """The user's calendar: their groups' meetings and what the other areas date (the ILO
    networks' meetings, the joint return operations), each as its own rule lets them see."""
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = today.replace(day=1)
    # A period the calendar can page through without leaving the dates Python knows.
    start = min(max(start, datetime.date(2000, 1, 1)), datetime.date(9000, 1, 1))
    end = start + datetime.timedelta(days=92)
    events = calendar_events(request.user, start, end)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "workspaces/calendar.html",
        {
            "events": events,
            "start": start,
            "end": end,
            "previous": start - datetime.timedelta(days=92),
            "next": end + datetime.timedelta(days=1),
            "feed": feed,
            "feed_url": request.build_absolute_uri(reverse("workspaces:feed", args=[feed.token]))
            if feed
            else "",
        },
    )


@require_POST
def feed_create(request):
    services.calendar_feed_create(actor=request.user)
    messages.success(
        request, _("A new calendar address was made; any earlier one stopped working.")
    )
    return redirect(reverse("workspaces:calendar") + "#feed")


@require_POST
def feed_revoke(request):
    services.calendar_feed_revoke(actor=request.user)
    messages.success(request, _("Your calendar address no longer works."))
    return redirect(reverse("workspaces:calendar") + "#feed")


def feed(request, token):
    """A calendar program's read of a user's meetings by the secret address: the meetings that
    user may see now, through the same visibility rule. Unknown or revoked: 404."""
    row = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if row is None or not row.user.is_active:
        raise Http404
    CalendarFeed.objects.filter(pk=row.pk).update(last_read_at=timezone.now())
    since = timezone.localdate() - datetime.timedelta(days=92)
    meetings = selectors.meetings_visible(row.user, since).prefetch_related("agenda")
    return _ics_response(calendar_file(meetings, name="ICONet"), "iconet.ics")


class DocumentListView(ItemListView):
    """Every library document of the user's groups (exportable, like every item list)."""

    model = LibraryDocument
    template_name = "workspaces/document_list.html"
    context_object_name = "documents"
    export_fields = ("group", "folder")

    def get_queryset(self):
        return super().get_queryset().select_related("owner", "group", "folder")


class MeetingListView(ItemListView):
    """Every meeting of the user's groups, the latest first (exportable)."""

    model = Meeting
    template_name = "workspaces/meeting_list.html"
    context_object_name = "meetings"
    export_fields = ("group", "starts_at", "place")

    def get_queryset(self):
        return super().get_queryset().select_related("owner", "group")
