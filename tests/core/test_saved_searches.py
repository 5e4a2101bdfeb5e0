"""Saved searches: a subscriber who may read a newly published item is told of it, once; a
subscriber whose search matches an item they may not read is told nothing at all."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from iconet.models import Audience, EmailDelivery, Notification, SavedSearch, State
from iconet.search import saved_searches
from iconet.sharing.services import item_publish
from tests.core.test_search import SEARCHED, text_field
from tests.items import item_make

pytestmark = pytest.mark.django_db


def told(user):
    return (
        Notification.objects.filter(recipient=user).count(),
        EmailDelivery.objects.filter(recipient=user).count(),
    )


def subscribe(user, frequency, query="zorblatt"):
    return SavedSearch.objects.create(user=user, name="Routes", query=query, frequency=frequency)


@pytest.mark.parametrize("frequency", ["immediate", "daily"])
@pytest.mark.parametrize("slug", [slug for slug, _ in SEARCHED])
def test_only_a_subscriber_who_may_read_the_item_is_told(slug, frequency, cast):
    item_type = dict(SEARCHED)[slug]
    reader, outsider = cast.fr_ncp, cast.de_ncp
    subscribe(reader, frequency)
    subscribe(outsider, frequency)
    subscribe(cast.it_ncp, frequency, query="unrelatedword")
    # Owned by the French service and kept to it: the German contact point may not read it.
    item = item_make(
        slug,
        author=cast.fr_officer,
        audience=Audience.OWNER,
        marking="RED",
        **{text_field(item_type): "Zorblatt route confirmed"},
    )
    assert item in type(item).objects.visible_to(reader)
    assert item not in type(item).objects.visible_to(outsider)
    saved_searches.item_check(type(item), item.pk)
    saved_searches.item_check(type(item), item.pk)  # a second check tells nobody again
    if frequency == "daily":
        assert told(reader) == (0, 0)
        saved_searches.digest_send()
        saved_searches.digest_send()
    assert told(reader) == (1, 1)
    assert told(outsider) == (0, 0) and told(cast.it_ncp) == (0, 0)
    # RED: the title and the e-mail name the item by its reference, never its content.
    notification = Notification.objects.get(recipient=reader)
    mail = EmailDelivery.objects.get(recipient=reader)
    assert item.reference in notification.title + mail.body
    for text in (notification.title, mail.subject, mail.body):
        assert "Zorblatt" not in text and str(item.title) not in text


def test_a_publication_checks_the_saved_searches_once_committed(
    cast, django_capture_on_commit_callbacks, monkeypatch
):
    slug, item_type = SEARCHED[0]
    subscribe(cast.fr_ncp, "immediate")
    checked = []
    monkeypatch.setattr(
        "iconet.celery.app.send_task",
        lambda name, args: (
            checked.append(args)
            if name == "iconet.search_tasks.saved_searches_item_check"
            else None
        ),
    )
    draft = item_make(
        slug,
        author=cast.fr_officer,
        state=State.DRAFT,
        audience=Audience.OWNER,
        marking="GREEN",
        **{text_field(item_type): "Zorblatt route confirmed"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        item_publish(actor=cast.fr_ncp, item=draft, audience=Audience.NETWORK, marking="GREEN")
    assert checked == [(slug, draft.pk)]


def test_the_sweep_finds_a_publication_whose_check_was_lost(cast):
    slug, item_type = SEARCHED[0]
    subscribe(cast.de_ncp, "immediate")
    item = item_make(
        slug, author=cast.fr_officer, marking="GREEN", **{text_field(item_type): "Zorblatt route"}
    )
    item.published_at = SavedSearch.objects.get().created_at
    item.save(update_fields=["published_at"])
    saved_searches.sweep()
    saved_searches.sweep()
    assert told(cast.de_ncp) == (1, 1)
    mail = EmailDelivery.objects.get(recipient=cast.de_ncp)
    assert "Zorblatt" in mail.body  # GREEN: the item is named with its title
    ct = ContentType.objects.get_for_model(type(item))
    assert SavedSearch.objects.get().matches.filter(content_type=ct, object_id=item.pk).count() == 1


def test_a_user_saves_lists_and_deletes_a_search(cast, client_for):
    client = client_for(cast.fr_officer)
    page = client.get(reverse("search"), {"q": "zorblatt", "marking": "GREEN"})
    assert f'action="{reverse("search_save")}?' in page.content.decode()
    refused = client.post(
        reverse("search_save"), {"q": "zorblatt", "name": "", "frequency": "daily"}
    )
    assert refused.status_code == 400 and "zorblatt" in refused.content.decode()
    response = client.post(
        reverse("search_save"),
        {"q": "zorblatt", "marking": "GREEN", "name": "Green routes", "frequency": "immediate"},
    )
    assert response.status_code == 302
    saved = SavedSearch.objects.get(user=cast.fr_officer)
    assert (saved.query, saved.filters, saved.frequency) == (
        "zorblatt",
        {"marking": "GREEN"},
        "immediate",
    )
    listing = client.get(reverse("accounts:saved_searches")).content.decode()
    assert "Green routes" in listing
    # Another user neither sees nor deletes it.
    other = client_for(cast.de_officer)
    assert "Green routes" not in other.get(reverse("accounts:saved_searches")).content.decode()
    delete = reverse("accounts:saved_search_delete", args=[saved.pk])
    assert other.post(delete).status_code == 404
    assert client.post(delete).status_code == 302
    assert not SavedSearch.objects.exists()


def test_a_refused_save_keeps_the_results_and_what_was_typed(cast, client_for):
    slug, item_type = SEARCHED[0]
    item = item_make(
        slug,
        author=cast.fr_officer,
        marking="GREEN",
        **{text_field(item_type): "Zorblatt route confirmed"},
    )
    client = client_for(cast.fr_officer)
    page = client.get(reverse("search"), {"q": "zorblatt"}).content.decode()
    assert item.get_absolute_url() in page
    refused = client.post(
        reverse("search_save") + "?q=zorblatt",
        {"q": "zorblatt", "name": "   ", "frequency": "immediate"},
    )
    body = refused.content.decode()
    assert refused.status_code == 400
    assert "There is a problem" in body and item.get_absolute_url() in body  # results stay
    assert re.search(r'value="immediate"[^>]*checked', body)  # the choice made is kept
    assert not SavedSearch.objects.exists()


def test_the_same_search_is_saved_once_and_a_user_keeps_a_bounded_number(
    cast, client_for, settings
):
    settings.SAVED_SEARCHES_PER_USER = 2
    client = client_for(cast.fr_officer)

    def save(query, name, marking=""):
        return client.post(
            reverse("search_save") + f"?q={query}",
            {"q": query, "marking": marking, "name": name, "frequency": "daily"},
        )

    assert save("zorblatt", "Routes").status_code == 302
    again = save("Zorblatt", "Routes again")
    assert again.status_code == 400
    assert "You saved this search already, as “Routes”." in again.content.decode()
    assert 'value="Routes again"' in again.content.decode()  # what was typed stays
    assert save("zorblatt", "Green routes", marking="GREEN").status_code == 302  # another one
    over = save("lorries", "Lorries")
    assert over.status_code == 400
    assert "You keep 2 saved searches, the most one may keep" in over.content.decode()
    assert sorted(SavedSearch.objects.values_list("name", flat=True)) == ["Green routes", "Routes"]
    # Another user's searches do not count against this one.
    assert (
        client_for(cast.de_officer)
        .post(reverse("search_save"), {"q": "lorries", "name": "Lorries", "frequency": "daily"})
        .status_code
        == 302
    )


def test_new_alerts_with_turkiye_on_the_route_reach_who_saved_that_search(cast):
    """The issue's example: a country filter on alerts reads the whole route."""
    SavedSearch.objects.create(
        user=cast.fr_ncp,
        name="Türkiye on the route",
        query="lorries",
        frequency="immediate",
        filters={"country": "TR"},
    )
    via = item_make(
        "alerts.alert",
        author=cast.de_ncp,
        headline="Lorries seen at the border",
        origin_country="SY",
        transit_countries=["TR", "BG"],
    )
    elsewhere = item_make(
        "alerts.alert",
        author=cast.de_ncp,
        headline="Lorries seen at the port",
        origin_country="MA",
        transit_countries=["ES"],
    )
    for alert in (via, elsewhere):
        saved_searches.item_check(type(alert), alert.pk)
    [notification] = Notification.objects.filter(recipient=cast.fr_ncp)
    assert notification.object_id == via.pk and notification.url == via.get_absolute_url()


def test_a_saved_search_shows_its_filters_and_its_user_changes_its_name_and_telling(cast):
    from auditlog.models import LogEntry

    from tests.conftest import verified_client

    client = verified_client(cast.fr_ncp)
    saved = saved_searches.saved_search_create(
        user=cast.fr_ncp,
        name="Türkiye",
        query="route",
        frequency="daily",
        filters={"area": "alerts", "country": "TR", "marking": "AMBER"},
    )
    listing = client.get(reverse("accounts:saved_searches")).content.decode()
    assert "Country: Türkiye" in listing and "Handling marking: TLP:AMBER" in listing
    edit_url = reverse("accounts:saved_search_edit", args=[saved.pk])
    assert edit_url in listing

    page = client.get(edit_url).content.decode()
    assert "Country: Türkiye" in page and 'value="Türkiye"' in page

    # A name left empty is refused, and the choice made is kept.
    refused = client.post(edit_url, {"name": "  ", "frequency": "immediate"})
    assert refused.status_code == 400
    assert "There is a problem" in refused.content.decode()
    assert re.search(r'value="immediate"[^>]*checked', refused.content.decode())
    saved.refresh_from_db()
    assert (saved.name, saved.frequency) == ("Türkiye", "daily")

    response = client.post(edit_url, {"name": "Routes via Türkiye", "frequency": "immediate"})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert (saved.name, saved.frequency) == ("Routes via Türkiye", "immediate")
    assert saved.query == "route"
    assert saved.filters == {"area": "alerts", "country": "TR", "marking": "AMBER"}
    change = LogEntry.objects.get_for_object(saved).filter(action=LogEntry.Action.UPDATE).get()
    assert change.actor == cast.fr_ncp and "frequency" in change.changes_dict

    # Another user's saved search does not exist for them.
    other = verified_client(cast.de_ncp)
    assert other.get(edit_url).status_code == 404
    assert other.post(edit_url, {"name": "Mine", "frequency": "daily"}).status_code == 404
    saved.refresh_from_db()
    assert saved.name == "Routes via Türkiye"
