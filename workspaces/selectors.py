"""Reads of the workspaces: which groups a user works in, their members, and what the group
holds; every shared item through `visible_to(user)`."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from iconet.directory.models.administration import AccessGroupMember, AccessGroupOrganisation
from iconet.models import AccessGroup, Area, Audience, State, User
from iconet.sharing.access import principal_group_ids, principals_for
from iconet.sharing.registry import item_types

from .models import Folder, LibraryDocument, Meeting


def groups_of(user):
    """The active access groups (ILO networks' included) the user is a member of, now."""
    if not getattr(user, "is_authenticated", False) or not user.has_area(Area.WORKSPACES):
        return AccessGroup.objects.none()
    return AccessGroup.objects.filter(is_active=True, group_id__in=principal_group_ids(user))


def group_for_member_or_404(user, pk) -> AccessGroup:
    """The group, for one of its members; anyone else is told it does not exist."""
    group = groups_of(user).filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def is_member(user, group: AccessGroup) -> bool:
    """Whether the user is a member of the group now, read afresh (not from the principals a
    request keeps on its user): for a service deciding about someone else."""
    if not getattr(user, "is_authenticated", False) or not user.has_area(Area.WORKSPACES):
        return False
    principals = principals_for([user]).get(user.pk, [])
    return group.is_active and group.group_id in principals


def member_candidates(group: AccessGroup) -> list[User]:
    """The active users who are members of the group now: named, or of a member organisation.
    Who of them reads an item is still decided by the visibility rule (`readers_among`)."""
    named = AccessGroupMember.objects.current().filter(accessgroup=group).values("user_id")
    organisations = (
        AccessGroupOrganisation.objects.current()
        .filter(accessgroup=group)
        .values("organisation_id")
    )
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=named) | Q(organisation_id__in=organisations))
        .select_related("organisation")
        .order_by("last_name", "first_name", "username")
    )


def folders_of(group: AccessGroup, parent=None):
    return Folder.objects.filter(group=group, parent=parent)


def folder_for_member_or_404(user, group: AccessGroup, pk) -> Folder:
    folder = Folder.objects.filter(group=group, pk=pk).first()
    if folder is None:
        raise Http404
    return folder


def library_documents(user, group: AccessGroup, folder=None):
    return (
        LibraryDocument.objects.visible_to(user)
        .filter(group=group, folder=folder)
        .exclude(state=State.WITHDRAWN)
        .select_related("owner", "author")
        .prefetch_related("versions__uploaded_by")
    )


def group_meetings(user, group: AccessGroup):
    return (
        Meeting.objects.visible_to(user)
        .filter(group=group)
        .exclude(state=State.WITHDRAWN)
        .select_related("owner")
    )


def items_shared_with(user, group: AccessGroup, limit: int = 20) -> list:
    """Items of every registered type (the workspaces' own left out) published to the group,
    that the user may see, newest first."""
    found = []
    for _config, item_type in item_types():
        model = item_type.model
        if model in (LibraryDocument, Meeting):
            continue
        rows = (
            model.objects.visible_to(user)
            .filter(state=State.PUBLISHED, audience=Audience.GROUPS, audience_groups=group)
            .select_related("owner")
            .order_by("-published_at")[:limit]
        )
        found.extend(rows)
    found.sort(key=lambda item: item.published_at or timezone.now(), reverse=True)
    return found[:limit]


def meetings_visible(user, start=None, end=None):
    """The group meetings the user may see, in their groups that are active."""
    meetings = (
        Meeting.objects.visible_to(user)
        .filter(group__in=groups_of(user))
        .exclude(state=State.WITHDRAWN)
        .select_related("group")
    )
    if start is not None:
        meetings = meetings.filter(ends_at__date__gte=start)
    if end is not None:
        meetings = meetings.filter(starts_at__date__lte=end)
    return meetings.order_by("starts_at")


def meetings_on_calendar(user, start, end):
    """The portal's calendar (iconet.calendar): the user's groups' meetings."""
    from django.utils.translation import gettext as _

    from iconet.calendar import CalendarEvent

    return [
        CalendarEvent(
            title=meeting.title,
            starts=meeting.starts_at,
            ends=meeting.ends_at,
            url=meeting.get_absolute_url(),
            kind=_("Meeting of %(group)s") % {"group": meeting.group.name},
            place=meeting.place,
        )
        for meeting in meetings_visible(user, start, end)
    ]
