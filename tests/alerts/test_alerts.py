"""The alerts area: publication and recipients, visibility, forms, acknowledgement, list."""

import datetime
import re

import pytest
from django.urls import reverse

from alerts.models import Alert
from iconet.models import EmailDelivery, Notification, ReferenceSequence
from iconet.sharing.services import item_publish
from tests.factories import AccessGroupFactory, UserFactory

from .conftest import alert_draft, alert_published

pytestmark = pytest.mark.django_db

# "acknowledged 2 Dec 2026, 09:15 CET": a time in Brussels, labelled with its zone.
ACKNOWLEDGED_AT = re.compile(r"acknowledged \d{1,2} \w{3} \d{4}, \d{2}:\d{2} CES?T")


def test_reference_is_allocated_per_owner_country_and_year(cast):
    first = alert_draft(cast.fr_ncp)
    second = alert_draft(cast.fr_officer)
    german = alert_draft(cast.de_ncp)
    year = datetime.date.today().year
    assert first.reference == f"EWS-{year}-FR-0001"
    assert second.reference == f"EWS-{year}-FR-0002"
    assert german.reference == f"EWS-{year}-DE-0001"


def test_reference_continues_from_the_core_counter_of_its_prefix(cast):
    year = datetime.date.today().year
    ReferenceSequence.objects.create(prefix="EWS", year=year, country_code="FR", last_number=41)
    assert alert_draft(cast.fr_ncp).reference == f"EWS-{year}-FR-0042"


def test_publication_tells_destination_and_transit_ncps_only(cast, published):
    told = set(published.recipients.values_list("user__username", "reason"))
    assert told == {("de_ncp", "destination"), ("it_ncp", "transit")}
    assert Notification.objects.filter(
        recipient=cast.de_ncp, url=published.get_absolute_url()
    ).exists()
    emails = EmailDelivery.objects.filter(key__startswith=f"alert:{published.pk}:")
    assert sorted(e.recipient.username for e in emails) == ["de_ncp", "it_ncp"]
    assert all(r.email_id for r in published.recipients.all())


def test_publishing_again_does_not_tell_anyone_twice(cast, published):
    item_publish(actor=cast.fr_ncp, item=published, audience="network", marking="GREEN")
    assert published.recipients.count() == 2
    assert EmailDelivery.objects.filter(key__startswith=f"alert:{published.pk}:").count() == 2


def test_nobody_is_told_who_may_not_read_it(cast):
    # Owner-only audience: Germany is the destination but may not read it, so is not told.
    alert = alert_published(cast.fr_ncp, audience="owner", destinations=["DE"])
    assert alert.recipients.count() == 0
    assert not EmailDelivery.objects.filter(key__startswith=f"alert:{alert.pk}:").exists()


def test_access_group_audience_adds_its_ncps(cast):
    group = AccessGroupFactory(name="Western Balkans", organisations=[cast.be_ncp.organisation])
    alert = alert_published(cast.fr_ncp, audience="groups", groups=[group], destinations=["DE"])
    # Germany is the destination but not in the audience: not told (could not read it).
    assert set(alert.recipients.values_list("user__username", "reason")) == {("be_ncp", "audience")}


def test_red_email_carries_no_content(cast):
    # RED goes to named organisations only, released by a second person.
    germany = AccessGroupFactory(name="German desk", organisations=[cast.de_ncp.organisation])
    alert = alert_published(
        cast.fr_ncp,
        marking="RED",
        audience="groups",
        groups=[germany],
        publisher=cast.fr_admin,
        headline="Secret route via the port of Bari",
    )
    email = EmailDelivery.objects.get(key=f"alert:{alert.pk}:user:{cast.de_ncp.pk}")
    assert "TLP:RED" in email.subject and email.body.splitlines()[0] == "TLP:RED"
    assert "Bari" not in email.subject and "Bari" not in email.body and "cargo" not in email.body
    assert alert.reference in email.body and alert.get_absolute_url() in email.body
    assert "Bari" not in Notification.objects.get(recipient=cast.de_ncp).title


def test_amber_email_carries_content_and_marking(cast, published):
    email = EmailDelivery.objects.get(key=f"alert:{published.pk}:user:{cast.de_ncp.pk}")
    assert "TLP:AMBER" in email.subject and email.body.splitlines()[0] == "TLP:AMBER"
    assert "Refrigerated lorries" in email.subject and "hidden in cargo" in email.body


def test_routine_alert_waits_for_the_digest_when_chosen(cast):
    cast.de_ncp.preferences = {"alerts": {"digest_routine": True}}
    cast.de_ncp.save()
    alert = alert_published(cast.fr_ncp, urgency="routine", destinations=["DE", "NL"])
    de = alert.recipients.get(user=cast.de_ncp)
    assert de.in_digest and de.email_id is None
    assert alert.recipients.get(user=cast.nl_ncp).email_id is not None
    from alerts.tasks import alerts_digest_send

    assert alerts_digest_send() == 1
    de.refresh_from_db()
    assert de.email.subject.startswith("[TLP:AMBER] ICONet daily digest")
    assert alert.reference in de.email.body
    assert alerts_digest_send() == 0


def test_immediate_alert_ignores_the_digest_choice(cast):
    cast.de_ncp.preferences = {"alerts": {"digest_routine": True}}
    cast.de_ncp.save()
    alert = alert_published(cast.fr_ncp, urgency="immediate")
    assert alert.recipients.get(user=cast.de_ncp).email_id is not None


# --- pages --------------------------------------------------------------------------------


def test_other_member_state_outside_audience_gets_404(cast, client_for):
    alert = alert_published(cast.fr_ncp, audience="owner")
    for user in (cast.de_ncp, cast.nl_ncp, cast.fr_no_area):
        assert client_for(user).get(alert.get_absolute_url()).status_code == 404
    assert client_for(cast.fr_officer).get(alert.get_absolute_url()).status_code == 200


def test_draft_is_the_owners_only(cast, client_for):
    alert = alert_draft(cast.fr_officer)
    assert client_for(cast.fr_ncp).get(alert.get_absolute_url()).status_code == 200
    assert client_for(cast.de_ncp).get(alert.get_absolute_url()).status_code == 404


def test_recipient_acknowledges_from_the_email_link(cast, client_for, published):
    client = client_for(cast.de_ncp)
    # A link opened from the mail client: the browser says Sec-Fetch-Site "none".
    page = client.get(published.get_absolute_url() + "?acknowledge=1", HTTP_SEC_FETCH_SITE="none")
    assert page.status_code == 200
    assert "Confirm that you received this alert." in page.content.decode()
    assert published.recipients.get(user=cast.de_ncp).read_at is not None
    response = client.post(reverse("alerts:acknowledge", args=[published.pk]))
    assert response.status_code == 302
    first = published.recipients.get(user=cast.de_ncp).acknowledged_at
    assert first is not None
    client.post(reverse("alerts:acknowledge", args=[published.pk]))
    assert published.recipients.get(user=cast.de_ncp).acknowledged_at == first


def test_the_owner_list_counts_acknowledgements_others_do_not_see_them(cast, client_for, published):
    client_for(cast.de_ncp).post(reverse("alerts:acknowledge", args=[published.pk]))
    owner_page = client_for(cast.fr_officer).get(reverse("alerts:list")).content.decode()
    assert "1 of 2 acknowledged" in owner_page
    # A recipient sees their own acknowledgement, never how the others answered.
    recipient_page = client_for(cast.it_ncp).get(reverse("alerts:list")).content.decode()
    assert "of 2 acknowledged" not in recipient_page
    assert f'id="acknowledge-{published.pk}"' in recipient_page


def test_acknowledge_is_for_recipients(cast, client_for, published):
    # Visible (network audience) but not a recipient: 403; outside the audience: 404.
    assert (
        client_for(cast.nl_ncp).post(reverse("alerts:acknowledge", args=[published.pk])).status_code
        == 403
    )
    hidden = alert_published(cast.fr_ncp, audience="owner")
    assert (
        client_for(cast.de_ncp).post(reverse("alerts:acknowledge", args=[hidden.pk])).status_code
        == 404
    )


def test_email_link_asks_to_sign_in_first(client, published):
    response = client.get(published.get_absolute_url() + "?acknowledge=1")
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


def test_owner_sees_the_delivery_table(cast, client_for, published):
    EmailDelivery.objects.filter(key=f"alert:{published.pk}:user:{cast.it_ncp.pk}").update(
        status="failed",
        last_error="550 mailbox unavailable",
    )
    client_for(cast.de_ncp).post(reverse("alerts:acknowledge", args=[published.pk]))
    page = client_for(cast.fr_officer).get(reverse("alerts:deliveries", args=[published.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "BP-DE" in html
        and "BP-IT" in html
        and "Failed" in html
        and "550 mailbox unavailable" in html
    )
    assert "not acknowledged" in html and ACKNOWLEDGED_AT.search(html)


def test_others_cannot_see_deliveries(cast, client_for, published):
    url = reverse("alerts:deliveries", args=[published.pk])
    assert client_for(cast.de_ncp).get(url).status_code == 403
    hidden = alert_published(cast.fr_ncp, audience="owner")
    assert (
        client_for(cast.de_ncp).get(reverse("alerts:deliveries", args=[hidden.pk])).status_code
        == 404
    )


def form_data(**overrides):
    data = {
        "alert_type": "route_change",
        "urgency": "immediate",
        "headline": "Boats from Libya to Lampedusa",
        "summary": "Larger boats, 300 persons each.",
        "period_from": "2026-03-01",
        "period_to": "",
        "origin_country": "LY",
        "transit_countries_0": "TN",
        "transit_countries_1": "MT",
        "transit_countries_2": "",
        "transit_countries_3": "",
        "transit_countries_4": "",
        "transit_countries_5": "",
        "destination_states": ["IT", "FR"],
        "border_type": "sea",
        "persons_count": "300",
        "minors_count": "40",
        "transport_means": ["boat"],
        "source_reliability": "B",
        "information_credibility": "2",
        "nationalities-TOTAL_FORMS": "3",
        "nationalities-INITIAL_FORMS": "0",
        "nationalities-MIN_NUM_FORMS": "0",
        "nationalities-MAX_NUM_FORMS": "40",
        "nationalities-0-nationality": "SD",
        "nationalities-0-count": "120",
        "nationalities-1-nationality": "ER",
        "nationalities-1-count": "80",
    }
    data.update(overrides)
    return data


def test_create_saves_a_draft_with_ordered_transit_and_nationalities(cast, client_for):
    client = client_for(cast.fr_officer)
    assert client.get(reverse("alerts:create")).status_code == 200
    response = client.post(reverse("alerts:create"), form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    alert = Alert.objects.get(headline="Boats from Libya to Lampedusa")
    assert alert.state == "draft" and alert.owner == cast.fr_officer.organisation
    assert alert.transit_countries == ["TN", "MT"]
    assert set(alert.destination_states.values_list("code", flat=True)) == {"IT", "FR"}
    assert {(str(n.nationality), n.count) for n in alert.nationalities.all()} == {
        ("SD", 120),
        ("ER", 80),
    }
    assert alert.reporting_contact == cast.fr_officer
    assert alert.reference.startswith("EWS-")
    page = client.get(alert.get_absolute_url()).content.decode()
    assert "Tunisia → Malta" in page and "Sudan: 120" in page


def test_bad_input_keeps_what_was_typed(cast, client_for):
    client = client_for(cast.fr_officer)
    response = client.post(
        reverse("alerts:create"),
        form_data(
            headline="",
            period_to="2026-02-01",
            minors_count="400",
            **{"nationalities-0-count": "-3"},
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"headline", "period_to", "minors_count"}
    html = response.content.decode()
    assert "Larger boats, 300 persons each." in html and 'value="2026-03-01"' in html
    assert response.context["formset"].errors[0]
    assert not Alert.objects.exists()


def test_transit_countries_must_not_repeat(cast, client_for):
    response = client_for(cast.fr_officer).post(
        reverse("alerts:create"), form_data(transit_countries_1="TN")
    )
    assert "transit_countries" in response.context["form"].errors


def test_edit_and_publish_through_the_alerts_page(cast, client_for):
    alert = alert_draft(cast.fr_officer, destinations=["DE"])
    client = client_for(cast.fr_ncp)
    page = client.get(reverse("alerts:publish", args=[alert.pk]))
    assert page.status_code == 200 and page.context["preview"] == [cast.de_ncp]
    response = client.post(
        reverse("alerts:publish", args=[alert.pk]), {"audience": "network", "marking": "GREEN"}
    )
    assert response.status_code == 302
    assert alert.recipients.filter(user=cast.de_ncp).exists()
    # An officer may change the draft but not publish it.
    other = alert_draft(cast.fr_officer)
    assert (
        client_for(cast.fr_officer).get(reverse("alerts:publish", args=[other.pk])).status_code
        == 403
    )
    assert (
        client_for(cast.fr_officer).get(reverse("alerts:edit", args=[other.pk])).status_code == 200
    )


def test_related_alerts_show_only_visible_ones(cast, client_for, published):
    secret = alert_published(cast.fr_ncp, audience="owner", headline="Only for France")
    published.related_alerts.add(secret)
    assert (
        "Only for France"
        in client_for(cast.fr_officer).get(published.get_absolute_url()).content.decode()
    )
    assert (
        "Only for France"
        not in client_for(cast.de_ncp).get(published.get_absolute_url()).content.decode()
    )


def test_list_filters(cast, client_for, published):
    other = alert_published(
        cast.de_ncp,
        destinations=["FR"],
        urgency="routine",
        alert_type="incident",
        origin_country="SY",
    )
    client = client_for(cast.fr_ncp)
    listed = lambda **q: {a.pk for a in client.get(reverse("alerts:list"), q).context["alerts"]}  # noqa: E731
    assert listed() == {published.pk, other.pk}
    assert listed(urgency="routine") == {other.pk}
    assert listed(alert_type="route_change") == {published.pk}
    assert listed(origin_country="SY") == {other.pk}
    assert listed(route_country="IT") == {published.pk}
    assert listed(route_country="FR") == {other.pk}
    assert listed(owner_country="DE") == {other.pk}
    assert listed(marking="RED") == set()
    assert listed(acknowledged="no") == {other.pk, published.pk}
    client.post(reverse("alerts:acknowledge", args=[other.pk]))
    assert listed(acknowledged="yes") == {other.pk}
    assert listed(period_from="2025-01-01", period_to="2025-12-31") == set()


def test_list_query_count_does_not_grow_with_rows(cast, client_for, django_assert_max_num_queries):
    client = client_for(cast.de_ncp)
    for _ in range(3):
        alert_published(cast.fr_ncp)
    # The first page of a session: its principals, the content types' first reads, the grant
    # table's token and the count kept under it, the page's keys and rows.
    with django_assert_max_num_queries(26) as few:
        client.get(reverse("alerts:list"))
    for _ in range(12):
        alert_published(cast.fr_ncp)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("alerts:list")).context["alerts"]) == 15


def test_list_shows_nothing_to_users_without_the_area(cast, client_for, published):
    assert list(client_for(cast.fr_no_area).get(reverse("alerts:list")).context["alerts"]) == []
    outsider = UserFactory(
        username="nl_officer_no_alerts", organisation=cast.nl_ncp.organisation, areas=["ilo"]
    )
    assert list(client_for(outsider).get(reverse("alerts:list")).context["alerts"]) == []


def test_publishing_through_the_shared_publish_page_also_tells_the_recipients(cast, client_for):
    alert = alert_draft(cast.fr_ncp, destinations=["NL"])
    url = reverse("sharing:publish", args=[alert.type_slug(), alert.pk])
    assert (
        client_for(cast.fr_ncp).post(url, {"audience": "network", "marking": "GREEN"}).status_code
        == 302
    )
    assert list(alert.recipients.values_list("user__username", flat=True)) == ["nl_ncp"]


def test_the_publish_page_previews_who_will_be_told(cast, client_for):
    alert = alert_draft(cast.fr_ncp, destinations=["NL", "BE"])
    page = client_for(cast.fr_ncp).get(reverse("alerts:publish", args=[alert.pk])).content.decode()
    assert str(cast.nl_ncp) in page and str(cast.be_ncp) in page
    assert str(cast.de_ncp) not in page
    assert not alert.recipients.exists()


def test_the_owner_withdraws_and_recipients_see_it_withdrawn(cast, client_for, published):
    url = reverse("sharing:state", args=[published.type_slug(), published.pk])
    assert client_for(cast.de_ncp).post(url, {"state": "withdrawn"}).status_code == 403
    assert client_for(cast.fr_ncp).post(url, {"state": "withdrawn"}).status_code == 302
    page = client_for(cast.de_ncp).get(published.get_absolute_url())
    assert page.status_code == 200 and "Withdrawn" in page.content.decode()


def test_a_new_alert_form_chooses_nothing_for_the_author_and_says_what_is_missing(cast, client_for):
    client = client_for(cast.fr_officer)
    page = client.get(reverse("alerts:create"))
    form = page.context["form"]
    assert form["urgency"].value() is None
    html = page.content.decode()
    assert "---------" not in html and "— Choose —" in html
    response = client.post(reverse("alerts:create"), form_data(urgency="", headline=""))
    errors = response.context["form"].errors
    assert errors["urgency"] == ["Choose the urgency."]
    assert errors["headline"] == ["Enter the headline."]
    assert "This field is required." not in response.content.decode()
    # What was typed stays.
    assert response.context["form"]["summary"].value() == "Larger boats, 300 persons each."


def test_a_field_required_in_some_cases_says_when_instead_of_optional(cast, client_for, published):
    page = client_for(cast.de_ncp).get(
        reverse("sharing:disclosure_create", args=[published.type_slug(), published.pk])
    )
    html = page.content.decode()
    assert "required when disclosing to an organisation" in html
    assert "required when disclosing to a third party" in html


def test_a_saved_draft_offers_publication_at_the_top_to_who_may_publish(cast, client_for):
    draft = alert_draft(cast.fr_officer)
    ncp_page = client_for(cast.fr_ncp).get(draft.get_absolute_url()).content.decode()
    publish = reverse("alerts:publish", args=[draft.pk])
    # Before the first section of the alert's content.
    assert ncp_page.index(f'href="{publish}"') < ncp_page.index('aria-labelledby="section-1"')
    officer_page = client_for(cast.fr_officer).get(draft.get_absolute_url()).content.decode()
    assert f'href="{publish}"' not in officer_page
    assert "Your organisation's alerts contact points publish it." in officer_page


def test_the_alert_form_lists_its_sections(cast, client_for):
    page = client_for(cast.fr_officer).get(reverse("alerts:create")).content.decode()
    assert page.count('href="#section-') == 6
    assert 'id="section-6"' in page
