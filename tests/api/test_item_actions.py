"""What a client does with one item beside reading and writing it, generated over the types
that declare each capability: acknowledging for its organisation, asking for disclosure,
following up, and the files of an item as a page serves them, each download in the owner's
access log."""

import io
import json

import pytest
from django.urls import reverse
from PIL import Image

from iconet.api.declaration import api_types
from iconet.models import AccessLog, DisclosureRequest, ItemRecipient, State
from iconet.outbox.services.recipients import recipients_tell
from tests.api.conftest import api, api_key_make
from tests.files import attachment_make, png_bytes
from tests.items import item_make, note_image_make

pytestmark = pytest.mark.django_db

TYPES = [t.slug for t in api_types()]
ACKNOWLEDGED = [t.slug for t in api_types() if t.acknowledged]
FOLLOWED_UP = [t.slug for t in api_types() if t.follows_up]
WITH_IMAGES = [t.slug for t in api_types() if t.has_images]


def post(client, url, body=None, **headers):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **headers)


def tell(item, users):
    return recipients_tell(
        item=item,
        users_reasons=[(user, "destination") for user in users],
        title=f"New {item.reference}",
        url=item.get_absolute_url(),
        key=f"test:{item.pk}",
        subject="ICONet: new item",
        body="Read it in the portal.",
    )


def test_the_declarations_give_each_capability_to_some_type():
    assert ACKNOWLEDGED and FOLLOWED_UP and WITH_IMAGES


@pytest.mark.parametrize("slug", ACKNOWLEDGED)
def test_a_client_acknowledges_for_its_organisation_what_it_was_told(cast, slug):
    item = item_make(slug, author=cast.fr_ncp, audience="network")
    tell(item, [cast.de_ncp])
    _c, de_key = api_key_make(cast.de_officer.organisation)
    _c, nl_key = api_key_make(cast.nl_ncp.organisation)
    _c, read_only = api_key_make(cast.de_officer.organisation, actions=["read"])
    url = reverse(f"api:{slug}-acknowledge", args=[item.pk])

    assert post(api(read_only), url).status_code == 403
    # The Netherlands may read the item but was not told of it.
    assert post(api(nl_key), url).status_code == 403
    assert post(api(de_key), url + "x").status_code == 404
    answer = post(api(de_key), url)
    assert answer.status_code == 200, answer.content
    assert answer.json()["reference"] == item.reference

    rows = ItemRecipient.objects.of_item(item)
    mine = rows.get(organisation=cast.de_officer.organisation, reason="for_organisation")
    assert mine.acknowledged_at is not None
    # The contact point told in person still has his own row to acknowledge; the organisation
    # no longer waits.
    assert rows.get(user=cast.de_ncp).acknowledged_at is None
    from iconet.outbox.services.recipients import overdue_organisations

    assert cast.de_officer.organisation_id not in overdue_organisations(item)
    # Twice is once.
    again = post(api(de_key), url).json()
    assert again["acknowledged_at"] == answer.json()["acknowledged_at"]
    assert rows.filter(reason="for_organisation").count() == 1


@pytest.mark.parametrize("slug", ACKNOWLEDGED)
def test_an_item_the_organisation_cannot_see_is_not_acknowledged(cast, slug):
    item = item_make(slug, author=cast.fr_ncp, audience="owner")
    _c, de_key = api_key_make(cast.de_officer.organisation)
    assert post(api(de_key), reverse(f"api:{slug}-acknowledge", args=[item.pk])).status_code == 404


@pytest.mark.parametrize("slug", TYPES)
def test_a_client_asks_the_owner_for_disclosure(cast, slug):
    item = item_make(slug, author=cast.fr_ncp, audience="network")
    hidden = item_make(slug, author=cast.fr_ncp, audience="owner")
    _c, de_key = api_key_make(cast.de_officer.organisation)
    client = api(de_key)
    url = reverse(f"api:{slug}-disclosures", args=[item.pk])
    body = {"target_kind": "third_party", "third_party": "Border police of Türkiye"}

    missing = post(client, url, body)
    assert missing.status_code == 400 and "purpose" in missing.json()["errors"]
    made = post(client, url, {**body, "purpose": "Joint risk analysis"})
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "pending"
    request = DisclosureRequest.objects.get(pk=made.json()["id"])
    assert request.requested_by.api_client.organisation == cast.de_officer.organisation
    assert request.item == item
    assert [r["id"] for r in client.get(url).json()] == [request.pk]

    hidden_url = reverse(f"api:{slug}-disclosures", args=[hidden.pk])
    assert post(client, hidden_url, {**body, "purpose": "x"}).status_code == 404
    assert client.get(hidden_url).status_code == 404


@pytest.mark.parametrize("slug", FOLLOWED_UP)
def test_a_client_reads_and_adds_follow_ups(cast, slug):
    item = item_make(slug, author=cast.fr_ncp, audience="network", marking="AMBER")
    _c, de_key = api_key_make(cast.de_officer.organisation)
    _c, read_only = api_key_make(cast.de_officer.organisation, actions=["read"])
    url = reverse(f"api:{slug}-follow-ups", args=[item.pk])

    assert post(api(read_only), url, {"text": "Seen at Kapitan Andreevo"}).status_code == 403
    assert post(api(de_key), url, {"text": "  "}).status_code == 400
    made = post(api(de_key), url, {"text": "Seen at Kapitan Andreevo"})
    assert made.status_code == 201, made.content
    assert made.json()["organisation"] == cast.de_officer.organisation.short_name
    thread = api(read_only).get(url).json()
    assert [row["text"] for row in thread] == ["Seen at Kapitan Andreevo"]
    assert AccessLog.objects.filter(object_id=item.pk, detail__startswith="API:").exists()

    hidden = item_make(slug, author=cast.fr_ncp, audience="owner")
    hidden_url = reverse(f"api:{slug}-follow-ups", args=[hidden.pk])
    assert api(de_key).get(hidden_url).status_code == 404
    assert post(api(de_key), hidden_url, {"text": "x"}).status_code == 404


@pytest.mark.parametrize("slug", [t.slug for t in api_types() if not t.follows_up])
def test_a_type_without_follow_ups_has_no_such_address(cast, slug):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse(f"api:{slug}-follow-ups", args=[1])


@pytest.mark.parametrize("slug", TYPES)
def test_attachments_are_listed_and_served_as_the_page_serves_them(cast, slug):
    item = item_make(slug, author=cast.fr_ncp, audience="network", marking="AMBER")
    data = png_bytes()
    attachment = attachment_make(item, name="route-map.png", data=data)
    _c, fr_key = api_key_make(cast.fr_officer.organisation)
    _c, de_key = api_key_make(cast.de_officer.organisation)
    takes = next(t for t in api_types() if t.slug == slug).item_type.takes_attachments
    files = reverse(f"api:{slug}-files", args=[item.pk])
    download = reverse(f"api:{slug}-attachment", args=[item.pk, attachment.pk])

    # The owner organisation always has its files; another only those the type lets through.
    for key, sees in ((fr_key, True), (de_key, takes)):
        listed = api(key).get(files)
        assert listed.status_code == 200
        assert [f["name"] for f in listed.json()].count("route-map.png") == int(sees)
        served = api(key).get(download)
        assert served.status_code == (200 if sees else 404)
        if sees:
            assert b"".join(served.streaming_content) == data
            assert served["ICONet-Marking"] == "AMBER"
            assert served["Cache-Control"] == "private, no-store"
    logged = AccessLog.objects.filter(
        event=AccessLog.Event.DOWNLOAD, object_id=item.pk, detail__contains="route-map.png"
    )
    assert logged.count() == (2 if takes else 1)
    assert all(entry.detail.startswith("API: ") for entry in logged)

    hidden = item_make(slug, author=cast.fr_ncp, audience="owner")
    hidden_file = attachment_make(hidden)
    assert api(de_key).get(reverse(f"api:{slug}-files", args=[hidden.pk])).status_code == 404
    other = reverse(f"api:{slug}-attachment", args=[hidden.pk, hidden_file.pk])
    assert api(de_key).get(other).status_code == 404
    # A file of another item is not found through this one.
    crossed = reverse(f"api:{slug}-attachment", args=[item.pk, hidden_file.pk])
    assert api(fr_key).get(crossed).status_code == 404


@pytest.mark.parametrize("slug", WITH_IMAGES)
def test_images_are_served_marked_for_the_caller(cast, slug):
    item = item_make(slug, author=cast.fr_ncp, audience="network", marking="GREEN")
    reviewed = note_image_make(item, reviewed=True)
    unreviewed = note_image_make(item, reviewed=False)
    _c, de_key = api_key_make(cast.de_officer.organisation)
    client = api(de_key)
    listed = client.get(reverse(f"api:{slug}-files", args=[item.pk])).json()
    urls = [f["url"] for f in listed]
    image_url = reverse(f"api:{slug}-image", args=[item.pk, reviewed.pk])
    assert any(url.endswith(image_url) for url in urls)
    assert not any(url.endswith(f"/images/{unreviewed.pk}/") for url in urls)

    served = client.get(image_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    marked = Image.open(io.BytesIO(served.content))
    with reviewed.redacted.open("rb") as handle:
        plain = Image.open(io.BytesIO(handle.read()))
    assert marked.size == plain.size
    # The band at the foot carries the mark: the served copy is not the redacted one.
    assert marked.convert("RGB").tobytes() != plain.convert("RGB").tobytes()
    assert AccessLog.objects.filter(
        event=AccessLog.Event.DOWNLOAD, object_id=item.pk, detail__contains=f"image {reviewed.pk}"
    ).exists()
    assert client.get(reverse(f"api:{slug}-image", args=[item.pk, unreviewed.pk])).status_code == (
        404
    )


@pytest.mark.parametrize("slug", TYPES)
def test_a_red_items_files_are_read_one_item_at_a_time_and_logged(cast, slug):
    item = item_make(slug, author=cast.fr_ncp, audience="network", marking="RED")
    attachment_make(item, name="red-route.png")
    _c, fr_key = api_key_make(cast.fr_officer.organisation)
    listed = api(fr_key).get(reverse(f"api:{slug}-list")).content.decode()
    assert "red-route.png" not in listed
    files = api(fr_key).get(reverse(f"api:{slug}-files", args=[item.pk]))
    assert files.status_code == 200
    assert AccessLog.objects.filter(
        event=AccessLog.Event.READ, object_id=item.pk, marking="RED", detail__startswith="API:"
    ).exists()


def test_a_draft_is_not_acknowledged_nor_asked_for(cast):
    slug = ACKNOWLEDGED[0]
    draft = item_make(slug, author=cast.fr_ncp, state=State.DRAFT)
    _c, fr_key = api_key_make(cast.fr_officer.organisation)
    assert post(api(fr_key), reverse(f"api:{slug}-acknowledge", args=[draft.pk])).status_code == (
        403
    )
    body = {"target_kind": "third_party", "third_party": "Europol", "purpose": "Analysis"}
    url = reverse(f"api:{slug}-disclosures", args=[draft.pk])
    assert post(api(fr_key), url, body).status_code == 403
