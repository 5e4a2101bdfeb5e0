"""What a reader may not see stays hidden around an item too: in another item's history and
links, in notifications, and after its author left; and what may be typed is bounded."""

import pytest
from django.urls import reverse

from alerts.models import Alert
from alerts.services import alert_email
from iconet.models import Action, Notification
from iconet.sharing.services import item_publish
from iconet.sharing.views.sharing import EXPORT_MAX_CHARS

from .conftest import alert_draft, alert_published
from .test_alerts import form_data

pytestmark = pytest.mark.django_db

HIDDEN = "An item you cannot see"


def history(client, alert) -> str:
    response = client.get(reverse("sharing:history", args=["alerts.alert", alert.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_history_does_not_show_a_related_alert_the_reader_may_not_see(cast, client_for):
    secret = alert_published(
        cast.de_ncp, audience="owner", marking="RED", headline="Tunnel under the border"
    )
    shared = alert_published(cast.de_ncp, headline="Vans on the A3")
    response = client_for(cast.de_ncp).post(
        reverse("alerts:edit", args=[shared.pk]),
        form_data(
            headline="Vans on the A3",
            related_alerts=[secret.pk],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(shared.related_alerts.all()) == [secret]

    france = client_for(cast.fr_ncp)
    assert france.get(secret.get_absolute_url()).status_code == 404
    page = history(france, shared)
    assert "Tunnel under the border" not in page and secret.reference not in page
    assert HIDDEN in page
    # The owner, who may see both, reads the link in full.
    own = history(client_for(cast.de_officer), shared)
    assert f"{secret.reference} Tunnel under the border" in own


def test_history_written_before_links_were_kept_by_key_hides_them_too(cast, client_for):
    """Entries that hold the other alert's text (as recorded until now) are shown only when
    that text is of an alert the reader may see."""
    from auditlog.models import LogEntry

    secret = alert_published(cast.de_ncp, audience="owner", headline="Tunnel under the border")
    shared = alert_published(cast.de_ncp, headline="Vans on the A3")
    shared.related_alerts.add(secret)
    LogEntry.objects.log_m2m_changes([str(secret)], shared, "add", "related_alerts")
    page = history(client_for(cast.fr_ncp), shared)
    assert "Tunnel under the border" not in page and secret.reference not in page
    assert f"{secret.reference} Tunnel under the border" in history(
        client_for(cast.de_officer), shared
    )


def test_notification_hides_the_alert_once_its_audience_narrows(cast, client_for):
    alert = alert_published(cast.de_ncp, destinations=["FR"], headline="Boats at Calais")
    france = client_for(cast.fr_ncp)
    page = france.get(reverse("home")).content.decode()
    assert f"{alert.reference}: Boats at Calais" in page and "Notifications (1 unread)" in page

    item_publish(actor=cast.de_ncp, item=alert, audience="owner", marking="RED")
    assert france.get(alert.get_absolute_url()).status_code == 404
    for url in (reverse("notifications"), reverse("home")):
        page = france.get(url).content.decode()
        assert "Boats at Calais" not in page and alert.reference not in page, url
        assert HIDDEN in page
    # The count of unread notifications counts only what the reader may still see.
    assert "Notifications (1 unread)" not in france.get(reverse("home")).content.decode()
    notification = Notification.objects.get(recipient=cast.fr_ncp)
    opened = france.post(reverse("notification_open", args=[notification.pk]))
    assert opened.status_code == 302 and opened["Location"] == reverse("notifications")


def test_an_author_who_moved_to_another_organisation_no_longer_changes_its_alerts(cast, client_for):
    alert = alert_draft(cast.fr_officer, headline="Boats at Calais")
    item_publish(actor=cast.fr_ncp, item=alert, audience="network", marking="AMBER")
    assert alert.allows(cast.fr_officer, Action.CHANGE)
    cast.fr_officer.organisation = cast.de_ncp.organisation
    cast.fr_officer.save()
    moved = client_for(cast.fr_officer)
    assert moved.get(alert.get_absolute_url()).status_code == 200  # the network still reads it
    assert moved.get(reverse("alerts:edit", args=[alert.pk])).status_code == 403
    from tests.files import attachment_upload, png_bytes

    assert attachment_upload(moved, alert, "note.png", png_bytes()).status_code == 403
    assert not alert.attachments.exists()


def test_linking_to_another_organisations_alert_changes_only_my_alert(cast, client_for):
    german = alert_published(cast.de_ncp, headline="Vans on the A3")
    response = client_for(cast.fr_officer).post(
        reverse("alerts:create"),
        form_data(
            headline="Vans seen at Strasbourg",
            related_alerts=[german.pk],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    french = Alert.objects.get(headline="Vans seen at Strasbourg")
    assert list(french.related_alerts.all()) == [german]
    assert not german.related_alerts.exists()
    assert list(german.linked_from.all()) == [french]

    germany = client_for(cast.de_ncp)
    # A draft of France: Germany does not see it, not even as "linked from".
    page = germany.get(german.get_absolute_url()).content.decode()
    assert "Vans seen at Strasbourg" not in page and "Linked from" not in page
    assert "Vans seen at Strasbourg" not in history(germany, german)
    item_publish(actor=cast.fr_ncp, item=french, audience="network", marking="AMBER")
    page = germany.get(german.get_absolute_url()).content.decode()
    assert "Linked from" in page and "Vans seen at Strasbourg" in page


def test_a_nine_megabyte_summary_is_refused_and_nothing_is_stored(cast, client_for):
    response = client_for(cast.fr_officer).post(
        reverse("alerts:create"), form_data(summary="x" * 9_000_000)
    )
    assert response.status_code == 200
    assert "summary" in response.context["form"].errors
    assert "at most 10000 characters" in response.content.decode()
    assert (
        'value="Boats from Libya to Lampedusa"' in response.content.decode()
    )  # what was typed stays
    assert not Alert.objects.exists()


def test_a_headline_with_a_line_break_is_refused(cast, client_for):
    response = client_for(cast.fr_officer).post(
        reverse("alerts:create"),
        form_data(
            headline="Boats at Calais\nBcc: x@y.example",
        ),
    )
    assert response.status_code == 200
    assert "Write this on one line" in str(response.context["form"].errors["headline"])
    assert not Alert.objects.exists()


def test_subject_of_an_alert_saved_with_a_line_break_is_one_line(cast):
    alert = alert_published(cast.fr_ncp)
    Alert.objects.filter(pk=alert.pk).update(headline="Boats at Calais\r\nBcc: x@y.example")
    alert.refresh_from_db()
    subject, _body = alert_email(alert)
    assert (
        "\n" not in subject
        and "\r" not in subject
        and "Boats at Calais Bcc: x@y.example" in subject
    )


def test_a_pdf_of_an_over_long_alert_is_refused_with_a_message(cast, client_for):
    alert = alert_published(cast.fr_ncp)
    Alert.objects.filter(pk=alert.pk).update(summary="y" * (EXPORT_MAX_CHARS + 1))
    client = client_for(cast.fr_ncp)
    response = client.get(
        reverse("sharing:export_pdf", args=["alerts.alert", alert.pk]), follow=True
    )
    assert response.redirect_chain and response["Content-Type"].startswith("text/html")
    assert "too long to export as a PDF" in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "1.5", "²"])
def test_a_bad_disclosure_parameter_of_the_export_answers_404(cast, client_for, value):
    alert = alert_published(cast.fr_ncp)
    url = reverse("sharing:export_pdf", args=["alerts.alert", alert.pk])
    response = client_for(cast.fr_ncp).get(url, {"disclosure": value})
    assert response.status_code == 404


def test_draft_link_is_recorded_by_key_not_by_text(cast):
    from auditlog.models import LogEntry

    target = alert_published(cast.fr_ncp, headline="Tunnel under the border")
    draft = alert_draft(cast.fr_ncp)
    draft.related_alerts.add(target)
    entry = LogEntry.objects.get_for_object(draft).filter(changes__has_key="related_alerts").get()
    assert entry.changes["related_alerts"]["objects"] == [str(target.pk)]
    assert "Tunnel" not in str(entry.changes)


def test_migration_keeps_each_existing_link_in_the_direction_it_was_made(cast):
    """Links stored both ways by the former symmetrical relation keep the direction the
    change log tells; a link the log does not tell about stays both ways."""
    import importlib

    from auditlog.models import LogEntry
    from django.apps import apps

    migration = importlib.import_module(
        "alerts.migrations.0003_related_alerts_directed_and_text_limits"
    )
    german = alert_published(cast.de_ncp, headline="Vans on the A3")
    french = alert_published(cast.fr_ncp, headline="Vans seen at Strasbourg")
    other = alert_published(cast.fr_ncp, headline="Vans seen at Metz")
    Link = Alert.related_alerts.through
    Link.objects.bulk_create(
        [
            Link(from_alert=french, to_alert=german),
            Link(from_alert=german, to_alert=french),
            Link(from_alert=other, to_alert=german),
            Link(from_alert=german, to_alert=other),
        ]
    )
    LogEntry.objects.log_m2m_changes([str(german)], french, "add", "related_alerts")
    migration.links_keep_their_direction(apps, None)
    assert set(german.related_alerts.all()) == {other}
    assert set(french.related_alerts.all()) == {german}
    assert set(other.related_alerts.all()) == {german}
