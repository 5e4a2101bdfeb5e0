"""The discussion and following of every registered item type, through the core: a reader
replies, the item's author is told, the reply is in the item's history; a reader follows the
item and is told of changes in their language, never once they may no longer read it."""

import pytest
from django.urls import reverse

from iconet.discussion.services import followers_tell, item_follow
from iconet.models import EmailDelivery, ItemFollow, ItemLink, ItemReply, Notification, User
from iconet.sharing.registry import shared_item_models
from iconet.sharing.services import item_state_set
from tests.items import item_make

pytestmark = pytest.mark.django_db

TYPES = sorted(shared_item_models())


def notes(user, item=None):
    rows = Notification.objects.filter(recipient=user)
    if item is not None:
        rows = rows.filter(object_id=item.pk)
    return list(rows.values_list("title", flat=True))


@pytest.mark.parametrize("type_slug", TYPES)
def test_a_reader_replies_on_every_item_type(cast, client_for, type_slug):
    item = item_make(type_slug, author=cast.fr_officer, audience="network", with_children=True)
    reader = client_for(cast.de_ncp)
    page = reader.get(item.get_absolute_url()).content.decode()
    assert 'id="discussion"' in page and reverse("sharing:reply", args=[type_slug, item.pk]) in page
    response = reader.post(
        reverse("sharing:reply", args=[type_slug, item.pk]), {"text": "Seen at Passau too."}
    )
    assert response.status_code == 302
    reply = ItemReply.objects.of_item(item).get()
    assert reply.organisation == cast.de_ncp.organisation
    # Everyone who reads the item reads the discussion, and its history holds the reply.
    other = client_for(cast.nl_ncp)
    assert "Seen at Passau too." in other.get(item.get_absolute_url()).content.decode()
    history = other.get(reverse("sharing:history", args=[type_slug, item.pk])).content.decode()
    assert "Seen at Passau too." in history
    # The item's author is told, in the portal and by e-mail, of which item.
    assert any(item.reference in title for title in notes(cast.fr_officer, item))
    assert EmailDelivery.objects.filter(key=f"reply:{reply.pk}:user:{cast.fr_officer.pk}").exists()


@pytest.mark.parametrize("type_slug", TYPES)
def test_who_cannot_read_the_item_neither_reads_nor_writes_its_discussion(
    cast, client_for, type_slug
):
    item = item_make(type_slug, author=cast.fr_officer, audience="owner", with_children=True)
    client_for(cast.fr_ncp).post(
        reverse("sharing:reply", args=[type_slug, item.pk]), {"text": "French eyes only."}
    )
    assert ItemReply.objects.of_item(item).count() == 1
    outsider = client_for(cast.de_ncp)
    url = reverse("sharing:reply", args=[type_slug, item.pk])
    assert outsider.post(url, {"text": "x"}).status_code == 404
    follow = reverse("sharing:follow", args=[type_slug, item.pk])
    assert outsider.post(follow, {"follow": "1"}).status_code == 404
    assert ItemReply.objects.of_item(item).count() == 1
    assert not ItemFollow.objects.of_item(item).exists()


@pytest.mark.parametrize("type_slug", TYPES)
def test_a_draft_is_followed_but_not_discussed(cast, client_for, type_slug):
    draft = item_make(type_slug, author=cast.fr_officer, state="draft", with_children=True)
    colleague = client_for(cast.fr_ncp)
    reply = reverse("sharing:reply", args=[type_slug, draft.pk])
    assert colleague.post(reply, {"text": "x"}).status_code == 403
    follow = reverse("sharing:follow", args=[type_slug, draft.pk])
    assert colleague.post(follow, {"follow": "1"}).status_code == 302
    assert ItemFollow.objects.of_item(draft).filter(user=cast.fr_ncp).exists()


@pytest.mark.parametrize("type_slug", TYPES)
def test_a_follower_is_told_of_changes_in_their_language_while_they_may_read(
    cast, client_for, type_slug
):
    item = item_make(type_slug, author=cast.fr_officer, audience="network", with_children=True)
    follower = cast.de_ncp
    User.objects.filter(pk=follower.pk).update(language="fr")
    follower.refresh_from_db()
    client = client_for(follower)
    assert client.post(reverse("sharing:follow", args=[type_slug, item.pk]), {"follow": "1"})
    assert "Ne plus suivre" in client.get(item.get_absolute_url()).content.decode()
    # Nothing changed yet: nobody is told.
    assert followers_tell() == 0
    # A reply by someone else and a change of state: one message, in French, naming the item.
    client_for(cast.nl_ncp).post(
        reverse("sharing:reply", args=[type_slug, item.pk]), {"text": "Same in Rotterdam."}
    )
    item_state_set(actor=cast.fr_ncp, item=item, state="withdrawn")
    assert followers_tell() == 1
    assert followers_tell() == 0  # told once
    (title,) = notes(follower, item)
    assert item.reference in title and "suivez" in title
    mail = EmailDelivery.objects.get(recipient=follower)
    assert item.reference in mail.subject and "Ne plus suivre" in mail.body
    # The follower's account loses the item's area: they may no longer read it and are not
    # told of what follows, though the follow row stays.
    User.objects.filter(pk=follower.pk).update(areas=[a for a in follower.areas if a != item.area])
    item_state_set(actor=cast.fr_ncp, item=item, state="published")
    client_for(cast.nl_ncp).post(
        reverse("sharing:reply", args=[type_slug, item.pk]), {"text": "Later news."}
    )
    assert followers_tell() == 0
    assert len(notes(follower, item)) == 1
    assert EmailDelivery.objects.filter(recipient=follower).count() == 1


def test_unfollowing_stops_the_messages_and_own_changes_are_not_told(cast, client_for):
    item = item_make("alerts.alert", author=cast.fr_officer, audience="network")
    item_follow(actor=cast.fr_ncp, item=item)
    item_state_set(actor=cast.fr_ncp, item=item, state="withdrawn")  # their own change
    assert followers_tell() == 0
    client = client_for(cast.fr_ncp)
    client.post(reverse("sharing:follow", args=["alerts.alert", item.pk]), {"follow": "0"})
    assert not ItemFollow.objects.of_item(item).exists()
    item_state_set(actor=cast.fr_ncp, item=item, state="published")
    client_for(cast.de_ncp).post(
        reverse("sharing:reply", args=["alerts.alert", item.pk]), {"text": "Seen."}
    )
    assert followers_tell() == 0
    assert notes(cast.fr_ncp, item) == []


def test_bulk_actions_take_each_item_through_its_own_rules(cast, client_for):
    french = item_make("alerts.alert", author=cast.fr_officer, audience="network")
    german = item_make("alerts.alert", author=cast.de_officer, audience="network")
    hidden = item_make("alerts.alert", author=cast.fr_officer, audience="owner")
    note = item_make("documents.documentnote", author=cast.fr_officer, audience="network")
    client = client_for(cast.de_ncp)
    ticked = [f"{i.type_slug()}:{i.pk}" for i in (french, german, hidden, note)]
    url = reverse("sharing:items_bulk")
    response = client.post(url, {"action": "follow", "item": ticked, "next": "//elsewhere"})
    assert response.status_code == 302 and response["Location"] == "/"
    followed = set(
        ItemFollow.objects.filter(user=cast.de_ncp).values_list("content_type__model", "object_id")
    )
    # What they cannot read is not found: neither followed nor named.
    assert followed == {("alert", french.pk), ("alert", german.pk), ("documentnote", note.pk)}
    # Archiving is for the owner's contact points: theirs is archived, the French ones stay.
    client.post(url, {"action": "archive", "item": ticked, "next": "/search/"})
    for item, state in ((german, "archived"), (french, "published"), (note, "published")):
        item.refresh_from_db()
        assert item.state == state, item
    client.post(url, {"action": "unfollow", "item": ticked[:2]})
    assert not ItemFollow.objects.filter(user=cast.de_ncp, content_type__model="alert").exists()


def test_a_return_problem_links_to_an_alert_and_a_note_shown_to_readers_of_both(cast, client_for):
    problem = item_make("returns.returnproblem", author=cast.fr_ncp, audience="network")
    alert = item_make("alerts.alert", author=cast.de_ncp, audience="network")
    secret_note = item_make("documents.documentnote", author=cast.fr_ncp, audience="owner")
    for other in (alert, secret_note):
        other.reference_code = f"REF-{other._meta.model_name}-{other.pk}"
        type(other).objects.filter(pk=other.pk).update(reference_code=other.reference_code)
    client = client_for(cast.fr_ncp)
    url = reverse("sharing:links", args=["returns.returnproblem", problem.pk])
    for other in (alert, secret_note):
        assert client.post(url, {"reference": other.reference_code.lower()}).status_code == 302
    assert ItemLink.objects.filter(object_id=problem.pk).count() == 2
    # The French author reads all three; a German reader of the problem and the alert sees
    # that link only, on both ends, and nothing of the note.
    page = client.get(problem.get_absolute_url()).content.decode()
    assert alert.reference in page and secret_note.reference in page
    german = client_for(cast.de_ncp)
    page = german.get(problem.get_absolute_url()).content.decode()
    assert alert.reference in page and secret_note.reference not in page
    assert problem.reference in german.get(alert.get_absolute_url()).content.decode()
    # A reference the linker may not read is not found, and they may not link what is not theirs.
    outsider = client_for(cast.de_ncp)
    response = outsider.post(url, {"reference": alert.reference_code})
    assert response.status_code == 403
    link = ItemLink.objects.get(other_id=secret_note.pk, other_type__model="documentnote")
    client.post(url, {"remove": link.pk})
    assert not ItemLink.objects.filter(pk=link.pk).exists()
