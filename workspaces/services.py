"""Writes of the workspaces: naming contributors, the library (folders, documents, versions)
and meetings (invitations, replies, minutes, calendar feeds). Each takes its actor, owns its
transaction, validates and leaves the change log to django-auditlog; e-mails leave through
the outbox after commit."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from iconet.attachments.services import attachment_store
from iconet.audit.services import audited
from iconet.files.pipeline import file_text
from iconet.limits import one_line_text
from iconet.models import (
    CONTENT_FREE_MARKINGS,
    AccessGroup,
    Action,
    Audience,
    Language,
    Marking,
    User,
)
from iconet.outbox.services.notify import InLanguage, site_url, users_tell
from iconet.sharing.access import can, readers_among, require
from iconet.sharing.services import item_create, item_publish

from . import selectors
from .ics import calendar_file
from .models import (
    AgendaItem,
    CalendarFeed,
    Contributor,
    DocumentVersion,
    Folder,
    FolderSubscription,
    Invitation,
    LibraryDocument,
    Meeting,
    Reply,
    is_group_manager,
    may_add,
)

# A library document or a meeting is placed in its group at once: the markings whose
# publication needs a second person (iconet.models.FOUR_EYES_MARKINGS) are not offered.
WORKSPACE_MARKINGS = [m for m in Marking if m != Marking.RED]


def _require_member(actor: User, group: AccessGroup) -> None:
    if not selectors.is_member(actor, group):
        raise PermissionDenied


def _require_adder(actor: User, group: AccessGroup) -> None:
    _require_member(actor, group)
    if not may_add(actor, group):
        raise PermissionDenied


# --- who adds -------------------------------------------------------------------------------


@audited
@transaction.atomic
def contributor_name(*, actor: User, group: AccessGroup, user: User) -> Contributor:
    """A manager of the group names a member who may add to its library and call meetings.
    Naming lets nobody read anything new: the person is a member already."""
    if not is_group_manager(actor, group):
        raise PermissionDenied
    if not selectors.is_member(user, group):
        raise ValidationError(_("Only a member of the group can be named."))
    contributor, _created = Contributor.objects.get_or_create(
        group=group, user=user, defaults={"named_by": actor}
    )
    return contributor


@audited
@transaction.atomic
def contributor_remove(*, actor: User, group: AccessGroup, user: User) -> None:
    if not is_group_manager(actor, group):
        raise PermissionDenied
    for contributor in Contributor.objects.filter(group=group, user=user):
        contributor.delete()


# --- the library ----------------------------------------------------------------------------


@audited
@transaction.atomic
def folder_create(*, actor: User, group: AccessGroup, name: str, parent: Folder | None) -> Folder:
    _require_adder(actor, group)
    if parent is not None and parent.group_id != group.pk:
        raise PermissionDenied
    folder = Folder(group=group, parent=parent, name=name.strip(), created_by=actor)
    folder.full_clean()
    folder.save()
    return folder


@audited
@transaction.atomic
def document_add(
    *,
    actor: User,
    group: AccessGroup,
    folder: Folder | None,
    title: str,
    description: str,
    marking: str,
    upload,
    note: str = "",
    language: str = Language.ENGLISH,
) -> LibraryDocument:
    """A new document in the group's library with its first version, read by the group."""
    _require_adder(actor, group)
    if folder is not None and folder.group_id != group.pk:
        raise PermissionDenied
    document = LibraryDocument(
        group=group,
        folder=folder,
        title=title,
        description=description,
        marking=marking,
        language=language,
    )
    item_create(actor=actor, item=document)
    version_add(actor=actor, document=document, upload=upload, note=note)
    item_publish(
        actor=actor, item=document, audience=Audience.GROUPS, marking=marking, groups=[group]
    )
    return document


@audited
@transaction.atomic
def version_add(
    *, actor: User, document: LibraryDocument, upload, note: str = ""
) -> DocumentVersion:
    """A new version of a document: its file through the safe-file pipeline, numbered after
    the last (the document's row lock serialises two uploads)."""
    require(actor, Action.CHANGE, document)
    LibraryDocument.objects.select_for_update().filter(pk=document.pk).exists()
    last = document.versions.aggregate(last=Max("number"))["last"] or 0
    attachment = attachment_store(actor=actor, item=document, upload=upload)
    version = DocumentVersion(
        document=document,
        number=last + 1,
        attachment=attachment,
        note=note.strip(),
        uploaded_by=actor,
    )
    version.full_clean()
    version.save()
    with attachment.file.open("rb") as handle:
        document.file_text = file_text(handle.read(), attachment.kind)
    document.save(update_fields=["file_text", "updated_at"])
    transaction.on_commit(lambda: _subscribers_tell(version, actor))
    return version


def folder_subscribe(*, actor: User, folder: Folder, subscribed: bool = True) -> None:
    """The member is told (or no longer told) of new documents and versions in the folder."""
    if not selectors.is_member(actor, folder.group):
        raise PermissionDenied
    if subscribed:
        FolderSubscription.objects.get_or_create(folder=folder, user=actor)
    else:
        FolderSubscription.objects.filter(folder=folder, user=actor).delete()


def _subscribers_tell(version: DocumentVersion, actor: User) -> None:
    """Tell the folder's subscribers (but the uploader) of a new document or version, in their
    language; only those who read the document now are told (`users_tell` keeps its readers)."""
    document = version.document
    if document.folder_id is None:
        return
    subscribers = [
        s.user
        for s in FolderSubscription.objects.filter(folder_id=document.folder_id).select_related(
            "user"
        )
        if s.user_id != actor.pk
    ]
    if not subscribers:
        return
    content_free = document.marking in CONTENT_FREE_MARKINGS

    def title() -> str:
        if content_free:
            return _("New version %(number)s of %(ref)s") % {
                "number": version.number,
                "ref": document.reference,
            }
        return _("New version %(number)s of “%(title)s”") % {
            "number": version.number,
            "title": document.title,
        }

    built = InLanguage(title)
    users_tell(
        item=document,
        users=subscribers,
        url=document.get_absolute_url(),
        key=f"workspaces:version:{version.pk}",
        title=built,
        subject=InLanguage(lambda: one_line_text(f"[ICONet] {built.current()}")),
        body=InLanguage(
            lambda: (
                _("%(title)s\n\nOpen it in ICONet: %(url)s")
                % {"title": built.current(), "url": site_url(document.get_absolute_url())}
            )
        ),
    )


# --- meetings -------------------------------------------------------------------------------


def _meeting_message(meeting: Meeting, *, changed: bool):
    """The invitation's title, subject and body in the reader's language."""

    def title() -> str:
        if meeting.marking in CONTENT_FREE_MARKINGS:
            text = _("Meeting %(ref)s of %(group)s") % {
                "ref": meeting.reference,
                "group": meeting.group.name,
            }
        else:
            text = _("Meeting of %(group)s: %(title)s") % {
                "group": meeting.group.name,
                "title": meeting.title,
            }
        if changed:
            return _("Changed: %(title)s") % {"title": text}
        return _("Invitation: %(title)s") % {"title": text}

    def body() -> str:
        return render_to_string(
            "workspaces/email/invitation.txt",
            {
                "meeting": meeting,
                "content_free": meeting.marking in CONTENT_FREE_MARKINGS,
                "agenda": list(meeting.agenda.all()),
                "url": site_url(meeting.get_absolute_url()),
                "changed": changed,
            },
        )

    built = InLanguage(title)
    return {
        "title": built,
        "subject": InLanguage(lambda: one_line_text(f"[ICONet] {built.current()}")),
        "body": InLanguage(body),
    }


def _invite(meeting: Meeting, *, changed: bool = False) -> list[User]:
    """Invite the group's members who read the meeting, in their language, through the outbox,
    each e-mail with the meeting's calendar file."""
    readers = readers_among(meeting, selectors.member_candidates(meeting.group))
    existing = set(Invitation.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    Invitation.objects.bulk_create(
        [Invitation(meeting=meeting, user=user) for user in readers if user.pk not in existing]
    )
    ics = calendar_file([meeting]).decode()

    def attachments(user) -> list[dict]:
        return [
            {
                "name": f"{meeting.reference}.ics",
                "mimetype": "text/calendar; method=PUBLISH",
                "content": ics,
            }
        ]

    message = _meeting_message(meeting, changed=changed)
    told, _emails = users_tell(
        item=meeting,
        users=readers,
        url=meeting.get_absolute_url(),
        key=f"workspaces:meeting:{meeting.pk}:{meeting.sequence}",
        attachments=attachments,
        **message,
    )
    return told


def _validate_times(meeting: Meeting) -> None:
    if meeting.ends_at <= meeting.starts_at:
        raise ValidationError({"ends_at": _("A meeting ends after it starts.")})
    if not meeting.place and not meeting.video_link:
        raise ValidationError({"place": _("Give a place or a video link.")})


@audited
@transaction.atomic
def meeting_create(
    *,
    actor: User,
    group: AccessGroup,
    meeting: Meeting,
    agenda: list[tuple[str, LibraryDocument | None]],
) -> tuple[Meeting, list[User]]:
    """Call a meeting of the group: it is read by the group, and each member is invited.
    Returns the meeting and who was invited."""
    _require_adder(actor, group)
    meeting.group = group
    _validate_times(meeting)
    item_create(actor=actor, item=meeting)
    _agenda_set(actor, meeting, agenda)
    item_publish(
        actor=actor,
        item=meeting,
        audience=Audience.GROUPS,
        marking=meeting.marking,
        groups=[group],
    )
    return meeting, _invite(meeting)


def _agenda_set(actor: User, meeting: Meeting, agenda) -> None:
    meeting.agenda.all().delete()
    rows = []
    for position, (title, document) in enumerate(agenda, start=1):
        if document is not None and (
            document.group_id != meeting.group_id or not can(actor, Action.READ, document)
        ):
            raise PermissionDenied
        row = AgendaItem(meeting=meeting, position=position, title=title, document=document)
        row.full_clean()
        rows.append(row)
    AgendaItem.objects.bulk_create(rows)


@audited
@transaction.atomic
def meeting_update(
    *, actor: User, meeting: Meeting, agenda: list[tuple[str, LibraryDocument | None]]
) -> tuple[Meeting, list[User]]:
    """Change a meeting's time, place or agenda: the members are told again, with the new
    calendar file (a later SEQUENCE, so calendar programs replace the event)."""
    require(actor, Action.CHANGE, meeting)
    Meeting.objects.select_for_update().filter(pk=meeting.pk).exists()
    _validate_times(meeting)
    meeting.sequence += 1
    meeting.full_clean()
    meeting.save()
    _agenda_set(actor, meeting, agenda)
    return meeting, _invite(meeting, changed=True)


@audited
@transaction.atomic
def invitation_reply(
    *, actor: User, meeting: Meeting, reply: str, delegate: str = ""
) -> Invitation:
    """An invited member answers: attending, not attending, or sending a delegate."""
    require(actor, Action.READ, meeting)
    invitation = Invitation.objects.select_for_update().filter(meeting=meeting, user=actor).first()
    if invitation is None:
        raise PermissionDenied
    if reply not in (Reply.ATTENDING, Reply.NOT_ATTENDING, Reply.DELEGATE):
        raise ValidationError({"reply": _("Choose a reply.")})
    if reply == Reply.DELEGATE and not delegate.strip():
        raise ValidationError({"delegate": _("Name who comes in your place.")})
    invitation.reply = reply
    invitation.delegate = delegate.strip() if reply == Reply.DELEGATE else ""
    invitation.replied_at = timezone.now()
    invitation.full_clean()
    invitation.save()
    return invitation


@audited
@transaction.atomic
def minutes_record(*, actor: User, meeting: Meeting, minutes: str) -> Meeting:
    """The minutes, once the meeting has started."""
    require(actor, Action.CHANGE, meeting)
    if not meeting.is_past:
        raise ValidationError({"minutes": _("Minutes are recorded once the meeting has begun.")})
    meeting.minutes = minutes
    meeting.minutes_at = timezone.now()
    meeting.full_clean()
    meeting.save()
    return meeting


# --- the calendar feed ----------------------------------------------------------------------


@audited
@transaction.atomic
def calendar_feed_create(*, actor: User) -> CalendarFeed:
    """A new secret address of the actor's calendar; any earlier one stops working."""
    for old in CalendarFeed.objects.filter(user=actor):
        old.delete()
    return CalendarFeed.objects.create(user=actor)


@audited
@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> None:
    for old in CalendarFeed.objects.filter(user=actor):
        old.delete()
