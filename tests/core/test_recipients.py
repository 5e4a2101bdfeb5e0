"""Recipient tracking in the core: any item type tells people once each, follows delivery,
reading and acknowledgement, and shows its owner the delivery table; escalation never reaches
someone who lost access to the item."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert
from alerts.tasks import alerts_digest_send, alerts_escalate_overdue
from iconet.models import EmailDelivery, ItemEscalation, ItemRecipient, Notification
from iconet.outbox.services.recipients import items_overdue, recipient_acknowledge, recipients_tell
from iconet.sharing.services import item_publish
from ilo_reports.models import IloReport
from tests.alerts.conftest import alert_published
from tests.factories import AccessGroupFactory, UserFactory
from tests.items import item_make

pytestmark = pytest.mark.django_db

# "acknowledged 2 Dec 2026, 09:15 CET": a time in Brussels, labelled with its zone.
ACKNOWLEDGED_AT = re.compile(r"acknowledged \d{1,2} \w{3} \d{4}, \d{2}:\d{2} CES?T")


def report_tell(report, users):
    return recipients_tell(
        item=report,
        users_reasons=[(user, "network") for user in users],
        title=f"Report {report.reference}",
        url=report.get_absolute_url(),
        key=f"ilo-report:{report.pk}",
        subject="ICONet: an ILO report was published",
        body="Read it in the portal.",
    )


def test_an_ilo_report_tracks_its_recipients_like_an_alert(cast, client_for):
    report = item_make(
        "ilo_reports.iloreport",
        author=cast.fr_ncp,
        audience="groups",
        groups=[
            AccessGroupFactory(
                name="Report readers",
                organisations=[cast.de_ncp.organisation, cast.nl_ncp.organisation],
            )
        ],
    )
    # Spain is outside the audience: neither told, nor e-mailed, nor a recipient row.
    rows = report_tell(report, [cast.de_ncp, cast.nl_ncp, cast.es_ncp])
    assert sorted(row.user.username for row in rows) == ["de_ncp", "nl_ncp"]
    assert set(report.recipients.values_list("user__username", flat=True)) == {"de_ncp", "nl_ncp"}
    assert sorted(
        EmailDelivery.objects.filter(key__startswith=f"ilo-report:{report.pk}:").values_list(
            "recipient__username", flat=True
        )
    ) == ["de_ncp", "nl_ncp"]
    assert not Notification.objects.filter(recipient=cast.es_ncp).exists()
    # Telling again (a re-share) tells nobody twice.
    assert report_tell(report, [cast.de_ncp, cast.nl_ncp]) == []
    assert Notification.objects.filter(recipient=cast.de_ncp).count() == 1

    recipient_acknowledge(actor=cast.de_ncp, item=report)
    url = reverse("sharing:recipients", args=[report.type_slug(), report.pk])
    page = client_for(cast.fr_officer).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "BP-DE" in html and "BP-NL" in html and "BP-ES" not in html
    assert ACKNOWLEDGED_AT.search(html) and "not acknowledged" in html
    # A recipient sees the report but not who else was told; outside the audience: 404.
    assert client_for(cast.de_ncp).get(url).status_code == 403
    assert client_for(cast.es_ncp).get(url).status_code == 404
    # ILO reports declare no escalation.
    assert items_overdue(IloReport) == []


def test_acknowledging_an_item_one_was_not_told_of_is_refused(cast):
    from django.core.exceptions import PermissionDenied

    report = item_make("ilo_reports.iloreport", author=cast.fr_ncp, audience="network")
    report_tell(report, [cast.de_ncp])
    with pytest.raises(PermissionDenied):
        recipient_acknowledge(actor=cast.nl_ncp, item=report)
    first = recipient_acknowledge(actor=cast.de_ncp, item=report).acknowledged_at
    assert recipient_acknowledge(actor=cast.de_ncp, item=report).acknowledged_at == first


def test_a_recipient_who_lost_access_is_never_escalated_to(cast, client_for, settings):
    settings.ALERTS_ESCALATION_MINUTES = 60
    benelux = AccessGroupFactory(
        name="Benelux and Germany",
        organisations=[cast.be_ncp.organisation, cast.de_ncp.organisation],
    )
    germany = AccessGroupFactory(name="Germany only", organisations=[cast.de_ncp.organisation])
    alert = alert_published(
        cast.fr_ncp,
        audience="groups",
        groups=[benelux],
        destinations=["DE"],
        headline="Speedboats leaving Ostend at night",
    )
    assert set(alert.recipients.values_list("user__username", "reason")) == {
        ("de_ncp", "destination"),
        ("be_ncp", "audience"),
    }
    # France narrows the audience: Belgium no longer reads the alert.
    item_publish(
        actor=cast.fr_ncp, item=alert, audience="groups", marking="AMBER", groups=[germany]
    )
    for deputy in ("be_ncp_deputy", "de_ncp_deputy"):
        organisation = getattr(cast, deputy.removesuffix("_deputy")).organisation
        UserFactory(username=deputy, organisation=organisation, ncp_areas=["alerts"])
    Alert.objects.filter(pk=alert.pk).update(published_at=timezone.now() - timedelta(minutes=61))

    assert alerts_escalate_overdue() == 1
    assert list(ItemEscalation.objects.values_list("organisation_id", flat=True)) == [
        cast.de_ncp.organisation_id,
    ]
    reminded = EmailDelivery.objects.filter(key__startswith=f"alert:{alert.pk}:resend:")
    assert list(reminded.values_list("recipient__username", flat=True)) == ["de_ncp"]
    escalated = alert.recipients.filter(escalated=True)
    assert set(escalated.values_list("user__username", flat=True)) == {"de_ncp_deputy"}
    assert not EmailDelivery.objects.filter(recipient__username="be_ncp_deputy").exists()
    assert EmailDelivery.objects.filter(recipient=cast.be_ncp).count() == 1  # the first one only
    assert alerts_escalate_overdue() == 0

    # Belgium's contact point does not get the delivery table, nor the headline anywhere in it.
    url = reverse("sharing:recipients", args=[alert.type_slug(), alert.pk])
    page = client_for(cast.be_ncp).get(url)
    assert page.status_code == 404 and b"Ostend" not in page.content
    page = client_for(cast.be_ncp).get(reverse("alerts:deliveries", args=[alert.pk]))
    assert page.status_code == 404 and b"Ostend" not in page.content
    # The owner still sees Belgium as told and silent, and Germany escalated.
    page = client_for(cast.fr_officer).get(reverse("alerts:deliveries", args=[alert.pk]))
    html = page.content.decode()
    assert (
        "BP-BE" in html
        and re.search(r"escalated \d{1,2} \w{3} \d{4}, \d{2}:\d{2} CES?T", html)
        and "Escalation" in html
    )


def test_recipient_rows_belong_to_their_item_type(cast):
    alert = alert_published(cast.fr_ncp, destinations=["DE"])
    report = item_make("ilo_reports.iloreport", author=cast.fr_ncp, audience="network")
    report_tell(report, [cast.nl_ncp])
    of_alert = ItemRecipient.objects.of_item(alert)
    assert set(of_alert.values_list("user__username", flat=True)) == {"de_ncp"}
    of_reports = ItemRecipient.objects.of_type(IloReport)
    assert set(of_reports.values_list("user__username", flat=True)) == {"nl_ncp"}


def test_a_digest_never_lists_an_alert_its_reader_lost(cast):
    cast.de_ncp.preferences = {"alerts": {"digest_routine": True}}
    cast.de_ncp.save()
    germany = AccessGroupFactory(name="Germany", organisations=[cast.de_ncp.organisation])
    lost = alert_published(
        cast.fr_ncp,
        urgency="routine",
        audience="groups",
        groups=[germany],
        destinations=["DE"],
        headline="Buses through the Julian Alps",
    )
    kept = alert_published(
        cast.fr_ncp, urgency="routine", destinations=["DE"], headline="Ferries from Patras"
    )
    item_publish(actor=cast.fr_ncp, item=lost, audience="owner", marking="AMBER")

    assert alerts_digest_send() == 1
    digest = EmailDelivery.objects.get(recipient=cast.de_ncp)
    assert kept.reference in digest.body and "Ferries from Patras" in digest.body
    assert lost.reference not in digest.body and "Julian Alps" not in digest.body
