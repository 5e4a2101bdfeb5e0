"""Access groups: dated memberships that end by themselves (beat task), reminders to the
managers, counts of what is shared with a group, and no item content on any administration page."""

import time
from datetime import timedelta

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from iconet.dates import date_shown
from iconet.directory.services import directory
from iconet.directory.tasks import memberships_expire, memberships_remind
from iconet.models import AccessGroupMember, Notification
from iconet.sharing.registry import shared_item_models
from tests.items import item_make

from .conftest import REASON, approved
from .test_policy import administration_patterns, url_kwargs

CANARY = "CANARY-7f3e"


def test_a_membership_can_be_given_an_end_date_and_ends_by_itself_through_the_beat_task(
    cast,
    admin_objects,
    client_for,
    celery_worker,
):
    group = admin_objects.fr_group
    alert = item_make(
        "alerts.alert", author=cast.nl_ncp, audience="groups", groups=[group], marking="AMBER"
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    client_for(cast.fr_admin).post(
        reverse("administration:group_member_add", args=[group.pk]),
        {
            "user": cast.it_ncp.pk,
            "ends_on": tomorrow.isoformat(),
            "reason": REASON,
        },
    )
    approved(cast.commission_admin, kind="group_member", user=cast.it_ncp)
    membership = AccessGroupMember.objects.get(accessgroup=group, user=cast.it_ncp)
    assert membership.ends_on == tomorrow
    assert type(alert).objects.visible_to(cast.it_ncp).filter(pk=alert.pk).exists()
    # The day has come: the membership is no longer current...
    AccessGroupMember.objects.filter(pk=membership.pk).update(ends_on=timezone.localdate())
    assert not AccessGroupMember.objects.current().filter(pk=membership.pk).exists()
    # ...and beat's job, run by the worker, ends it: the user loses access.
    memberships_expire.delay()
    deadline = time.monotonic() + 20
    while (
        AccessGroupMember.objects.filter(pk=membership.pk).exists() and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert not AccessGroupMember.objects.filter(pk=membership.pk).exists()
    it_ncp = type(cast.it_ncp).objects.get(pk=cast.it_ncp.pk)
    assert not type(alert).objects.visible_to(it_ncp).filter(pk=alert.pk).exists()
    # The end is in the change log with its reason.
    from auditlog.models import LogEntry

    entry = LogEntry.objects.filter(
        object_pk=str(membership.pk), action=LogEntry.Action.DELETE
    ).get()
    assert entry.additional_data == {"reason": "The membership's end date was reached."}


def test_an_end_date_in_the_past_is_refused(cast, admin_objects, client_for):
    response = client_for(cast.fr_admin).post(
        reverse(
            "administration:membership",
            args=[admin_objects.fr_group.pk, "users", admin_objects.member.pk],
        ),
        {"action": "end", "ends_on": timezone.localdate().isoformat(), "reason": REASON},
    )
    assert "The end date must be in the future." in response.content.decode()


def test_managers_are_reminded_once_before_a_membership_ends(cast, admin_objects, settings):
    soon = timezone.localdate() + timedelta(days=settings.ICONET_MEMBERSHIP_REMINDER_DAYS - 1)
    directory.membership_end_set(
        actor=cast.fr_admin, membership=admin_objects.member, ends_on=soon, reason=REASON
    )
    later = timezone.localdate() + timedelta(days=settings.ICONET_MEMBERSHIP_REMINDER_DAYS + 5)
    directory.membership_end_set(
        actor=cast.fr_admin, membership=admin_objects.org_member, ends_on=later, reason=REASON
    )
    assert memberships_remind.apply().get() == 1
    assert memberships_remind.apply().get() == 0  # once only
    for manager in (cast.fr_admin, cast.commission_admin):
        titles = list(
            Notification.objects.filter(recipient=manager).values_list("title", flat=True)
        )
        assert any(str(cast.de_officer) in t and date_shown(soon) in t for t in titles), titles
    assert not Notification.objects.filter(
        recipient=cast.de_ncp, title__contains="ends on"
    ).exists()


def test_removing_a_member_ends_his_access_and_tells_his_national_administrator(
    cast, admin_objects, client_for
):
    group = admin_objects.fr_group
    alert = item_make("alerts.alert", author=cast.nl_ncp, audience="groups", groups=[group])
    assert type(alert).objects.visible_to(cast.de_officer).filter(pk=alert.pk).exists()
    de_admin = type(cast.de_officer).objects.create(
        username="de_admin",
        organisation=admin_objects.de,
        role="national_admin",
        email="de_admin@example.test",
    )
    client_for(cast.fr_admin).post(
        reverse("administration:membership", args=[group.pk, "users", admin_objects.member.pk]),
        {"action": "remove", "reason": REASON},
    )
    de_officer = type(cast.de_officer).objects.get(pk=cast.de_officer.pk)
    assert not type(alert).objects.visible_to(de_officer).filter(pk=alert.pk).exists()
    assert Notification.objects.filter(
        recipient=de_admin, title__contains="left access group"
    ).exists()


def test_a_deactivated_group_gives_no_access(cast, admin_objects, client_for):
    group = admin_objects.fr_group
    alert = item_make("alerts.alert", author=cast.nl_ncp, audience="groups", groups=[group])
    client_for(cast.commission_admin).post(
        reverse("administration:group_deactivate", args=[group.pk]), {"reason": REASON}
    )
    group.refresh_from_db()
    assert not group.is_active
    de_officer = type(cast.de_officer).objects.get(pk=cast.de_officer.pk)
    assert not type(alert).objects.visible_to(de_officer).filter(pk=alert.pk).exists()


def test_the_group_page_counts_what_is_shared_per_area_and_marking(cast, admin_objects, client_for):
    group = admin_objects.fr_group
    for marking in ("RED", "AMBER", "AMBER"):
        item_make(
            "alerts.alert", author=cast.nl_ncp, audience="groups", groups=[group], marking=marking
        )
    item_make(
        "alerts.alert", author=cast.nl_ncp, audience="network", marking="GREEN"
    )  # not with the group
    rows = {(r["area"], r["marking"]): r["count"] for r in directory.group_shared_counts(group)}
    assert rows == {("alerts", "AMBER"): 2, ("alerts", "RED"): 1}
    page = (
        client_for(cast.fr_admin)
        .get(reverse("administration:group", args=[group.pk]))
        .content.decode()
    )
    assert "TLP:RED" in page and "TLP:GREEN" not in page


def canary_fields(model) -> dict:
    values = {}
    for field in model._meta.concrete_fields:
        if (
            isinstance(field, (models.CharField, models.TextField))
            and not field.choices
            and field.editable
        ):
            if field.name in ("reference",):
                continue
            values[field.name] = f"{CANARY} {field.name}"[: field.max_length or 200]
    return values


@pytest.mark.parametrize("admin", ["fr_admin", "commission_admin"])
def test_no_administration_page_shows_item_content(admin, cast, admin_objects, client_for):
    """A canary in every text field of items of every type shared with the group (and owned by
    the administrator's organisation): absent from every page of the administration."""
    for slug, model in shared_item_models().items():
        fields = canary_fields(model)
        for author in (cast.nl_ncp, cast.fr_ncp, cast.ilo_fr_tr):
            if author.has_area(model.area):
                item_make(
                    slug,
                    author=author,
                    audience="groups",
                    groups=[admin_objects.fr_group],
                    marking="AMBER",
                    **fields,
                )
    client = client_for(getattr(cast, admin))
    seen = 0
    for pattern in administration_patterns():
        kwargs = url_kwargs(pattern, admin_objects, cast)
        response = client.get(reverse(f"administration:{pattern.name}", kwargs=kwargs))
        if response.status_code == 200:
            seen += 1
            assert CANARY not in response.content.decode(), pattern.name
    assert seen >= 15
    group_page = client.get(
        reverse("administration:group", args=[admin_objects.fr_group.pk])
    ).content.decode()
    assert "TLP:AMBER" in group_page  # the items are there, counted, not shown
