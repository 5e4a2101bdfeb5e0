"""Retention, for every registered item type: a review falls due after the type's period, the
owner's contact points are asked (in the portal and by mail, by reference only), an unanswered
review escalates to the national administrators and then archives the item, which stays
readable to its audience; the Commission sets the periods and holds an item for an inquiry."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from iconet.models import Action, EmailDelivery, ItemRetention, Notification, State
from iconet.retention import services as retention
from iconet.sharing.registry import shared_item_models
from tests.items import item_make

TYPES = sorted(shared_item_models())


def item_due(cast, type_slug, **kwargs):
    """A French item published one day more than its type's period ago."""
    model = shared_item_models()[type_slug]
    item = item_make(type_slug, author=cast.fr_ncp, audience="network", **kwargs)
    start = retention.months_later(timezone.localdate(), -retention.retention_months(model))
    published = timezone.now() - (timezone.localdate() - start) - timedelta(days=1)
    model.objects.filter(pk=item.pk).update(published_at=published, created_at=published)
    item.refresh_from_db()
    return item


def notified(user, item) -> list[Notification]:
    return [n for n in Notification.objects.filter(recipient=user) if item.reference in n.title]


@pytest.mark.parametrize("type_slug", TYPES)
def test_a_due_review_asks_the_owners_contact_points_once(cast, type_slug):
    item = item_due(cast, type_slug)
    recent = item_make(type_slug, author=cast.fr_ncp, audience="network")
    assert retention.reviews_ask() == 1
    record = ItemRetention.objects.get(object_id=item.pk, content_type__model=item._meta.model_name)
    assert record.status == ItemRetention.Status.ASKED and record.owner_id == item.owner_id
    assert not ItemRetention.objects.filter(object_id=recent.pk).exclude(pk=record.pk).exists()
    [asked] = notified(cast.fr_ncp, item)
    assert asked.url == reverse("sharing:retention", args=[type_slug, item.pk])
    mail = EmailDelivery.objects.get(recipient=cast.fr_ncp, key__startswith="retention:ask:")
    assert item.reference in mail.subject
    assert not notified(cast.de_ncp, item)  # another state reads the item but is not asked
    assert retention.reviews_ask() == 0  # asked once
    assert len(notified(cast.fr_ncp, item)) == 1


@pytest.mark.parametrize("type_slug", TYPES)
def test_an_unanswered_review_escalates_then_archives_and_the_audience_still_reads(
    cast, client_for, type_slug
):
    item = item_due(cast, type_slug)
    retention.reviews_ask()
    record = ItemRetention.objects.get(object_id=item.pk)
    assert retention.reviews_escalate() == 0  # not yet
    ItemRetention.objects.filter(pk=record.pk).update(asked_at=timezone.now() - timedelta(days=31))
    assert retention.reviews_escalate() == 1
    assert retention.reviews_escalate() == 0
    record.refresh_from_db()
    assert record.status == ItemRetention.Status.ESCALATED
    assert notified(cast.fr_admin, item)
    assert retention.reviews_archive_unanswered() == 0  # not yet
    ItemRetention.objects.filter(pk=record.pk).update(
        escalated_at=timezone.now() - timedelta(days=31)
    )
    assert retention.reviews_archive_unanswered() == 1
    item.refresh_from_db()
    record.refresh_from_db()
    assert item.state == State.ARCHIVED and record.status == ItemRetention.Status.ARCHIVED
    reader = cast.de_ncp if item.allows(cast.de_ncp, Action.READ) else cast.fr_ncp
    assert type(item).objects.visible_to(reader).filter(pk=item.pk).exists()


@pytest.mark.parametrize("type_slug", TYPES)
def test_the_owner_keeps_or_archives_from_the_review_page(cast, client_for, type_slug):
    item = item_due(cast, type_slug)
    retention.reviews_ask()
    url = reverse("sharing:retention", args=[type_slug, item.pk])
    owner = client_for(cast.fr_ncp)
    if not item.allows(cast.fr_ncp, Action.WITHDRAW):
        pytest.skip("this type's items are withdrawn by its reviewers")
    page = owner.get(url).content.decode()
    assert 'name="decision"' in page
    # Keeping needs a reason; the refusal keeps what was chosen.
    refused = owner.post(url, {"decision": "keep", "reason": ""})
    assert refused.status_code == 200
    assert "Say why the item is kept" in refused.content.decode()
    assert ItemRetention.objects.get(object_id=item.pk).status == ItemRetention.Status.ASKED
    assert owner.post(url, {"decision": "keep", "reason": "Inquiry ongoing"}).status_code == 302
    record = ItemRetention.objects.get(object_id=item.pk)
    assert record.status == ItemRetention.Status.KEPT and record.decided_by == cast.fr_ncp
    assert record.review_on > timezone.localdate()
    # Others never decide: a reader of another state, and the Commission.
    # a reader who is not of the owner organisation is refused; anybody else finds nothing
    expected = 403 if type(item).objects.visible_to(cast.de_ncp).filter(pk=item.pk) else 404
    assert client_for(cast.de_ncp).post(url, {"decision": "archive"}).status_code == expected
    assert client_for(cast.commission_admin).post(url, {"decision": "archive"}).status_code == 403
    item.refresh_from_db()
    assert item.state != State.ARCHIVED


@pytest.mark.parametrize("type_slug", TYPES)
def test_a_hold_stops_the_clock(cast, client_for, type_slug):
    item = item_due(cast, type_slug)
    url = reverse("sharing:retention", args=[type_slug, item.pk])
    commission = client_for(cast.commission_admin)
    assert commission.post(url, {"held": "1", "reason": ""}).status_code == 200  # needs a reason
    assert commission.post(url, {"held": "1", "reason": "Leak inquiry"}).status_code == 302
    assert retention.reviews_ask() == 0
    assert not notified(cast.fr_ncp, item)
    record = ItemRetention.objects.get(object_id=item.pk)
    assert record.held and record.held_by == cast.commission_admin
    # The owner may not hold or lift a hold.
    assert client_for(cast.fr_ncp).post(url, {"held": "0", "reason": "x"}).status_code == 403
    assert commission.post(url, {"held": "0", "reason": "Inquiry closed"}).status_code == 302
    record.refresh_from_db()
    assert not record.held


def test_the_commission_sets_a_period_and_sees_counts_only(cast, client_for):
    old = item_due(cast, "alerts.alert", headline="Retention canary headline")
    retention.reviews_ask()
    commission = client_for(cast.commission_admin)
    page = commission.get(reverse("sharing:retention_overview")).content.decode()
    assert "Retention canary headline" not in page and old.reference not in page
    assert client_for(cast.fr_admin).get(reverse("sharing:retention_overview")).status_code == 403
    assert client_for(cast.fr_ncp).get(reverse("sharing:retention_overview")).status_code == 403
    response = commission.post(
        reverse("sharing:retention_overview"),
        {
            "row": "returns-returnproblem",
            "returns-returnproblem-type_slug": "returns.returnproblem",
            "returns-returnproblem-months": "500",
        },
    )
    assert response.status_code == 200  # refused: more than 240 months
    response = commission.post(
        reverse("sharing:retention_overview"),
        {
            "row": "returns-returnproblem",
            "returns-returnproblem-type_slug": "returns.returnproblem",
            "returns-returnproblem-months": "6",
        },
    )
    assert response.status_code == 302
    model = shared_item_models()["returns.returnproblem"]
    assert retention.retention_months(model) == 6
    problem = item_make("returns.returnproblem", author=cast.fr_ncp, audience="network")
    seven_months = timezone.now() - timedelta(days=214)
    model.objects.filter(pk=problem.pk).update(published_at=seven_months, created_at=seven_months)
    assert retention.reviews_ask() == 1
