"""The footprint page of an item, for every registered item type: who can read it and why, who
read it, its copies (PDFs, exports), its disclosures and the people told, for its owner
organisation and the Commission's administrators, never for anybody else, and never with the
item's content."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from iconet.models import AccessLog, Action, ExportJob
from iconet.outbox.services.recipients import recipients_tell
from iconet.sharing.references import item_reference_allocate
from iconet.sharing.registry import shared_item_models
from tests.factories import AccessGroupFactory, OrganisationFactory, UserFactory
from tests.items import disclosure_approve, item_make

TYPES = sorted(shared_item_models())
CANARY = "Footprint canary 7Q4"


def footprint_url(item) -> str:
    return reverse("sharing:footprint", args=[item.type_slug(), item.pk])


def item_with_canary(cast, type_slug, **kwargs):
    """A French item whose first free text holds the canary."""
    model = shared_item_models()[type_slug]
    text_field = next(
        f.name
        for f in model._meta.concrete_fields
        if f.get_internal_type() == "TextField" and not f.choices
    )
    return item_make(type_slug, author=cast.fr_ncp, **{text_field: CANARY}, **kwargs)


def item_shared_every_way(cast, type_slug):
    """An AMBER item of France shared with a group holding Belgium's service, disclosed to
    Spain's, read by Belgium, printed to PDF by Spain, in exports of Belgium and Spain, and
    told to Spain's contact point."""
    group = AccessGroupFactory(
        name="Bilateral working party FR-BE", organisations=[cast.be_ncp.organisation]
    )
    item = item_with_canary(cast, type_slug, audience="groups", groups=[group], marking="AMBER")
    disclosure = disclosure_approve(
        item,
        decided_by=cast.fr_ncp,
        requested_by=cast.es_ncp,
        target_kind="organisation",
        target_organisation=cast.es_ncp.organisation,
    )
    return item, group, disclosure


@pytest.mark.parametrize("type_slug", TYPES)
def test_the_footprint_lists_every_way_the_item_went(cast, client_for, type_slug):
    item, group, disclosure = item_shared_every_way(cast, type_slug)
    belgium, spain = client_for(cast.be_ncp), client_for(cast.es_ncp)
    assert belgium.get(item.get_absolute_url()).status_code == 200  # a logged read (AMBER)
    assert spain.get(reverse("sharing:export_pdf", args=[type_slug, item.pk])).status_code == 200
    export = ExportJob.objects.create(
        owner=cast.be_ncp,
        source="search:results",
        format="csv",
        state=ExportJob.State.DONE,
        total=1,
        items={type_slug: [item.pk]},
    )
    withdrawn = ExportJob.objects.create(
        owner=cast.es_ncp,
        source="search:results",
        format="pdf",
        state=ExportJob.State.WITHDRAWN,
        total=1,
        items={type_slug: [item.pk]},
    )
    ExportJob.objects.create(  # another item's export is not this item's copy
        owner=cast.nl_ncp,
        source="search:results",
        format="csv",
        state=ExportJob.State.DONE,
        total=1,
        items={type_slug: [item.pk + 1000]},
    )
    recipients_tell(
        item=item,
        users_reasons=[(cast.es_ncp, "destination")],
        title="New item",
        url=item.get_absolute_url(),
        key=f"footprint-test:{type_slug}:{item.pk}",
        subject="New item",
        body="A new item.",
    )

    page = client_for(cast.fr_ncp).get(footprint_url(item))
    assert page.status_code == 200
    html = page.content.decode()
    # who can read it, and why
    assert escape(f"Access group: {group.name}") in html
    assert escape(str(cast.be_ncp.organisation)) in html
    assert escape(str(cast.es_ncp.organisation)) in html
    assert reverse("sharing:disclosure", args=[disclosure.pk]) in html
    # who read it, who printed it, which exports hold it and whose they are
    reads = html.split('id="reads-title"')[1].split("</section>")[0]
    assert escape(str(cast.be_ncp)) in reads
    copies = html.split('id="copies-title"')[1].split("</section>")[0]
    assert escape(str(cast.es_ncp)) in copies and "PDF" in copies
    assert "Still downloadable" in copies and "Withdrawn" in copies
    assert copies.count("<tr>") == 2 + 1 + 2  # two heads, one download, two exports
    assert escape(str(export.owner)) in copies and escape(str(withdrawn.owner)) in copies
    # the people told
    told = html.split('id="told-title"')[1].split("</section>")[0]
    assert escape(str(cast.es_ncp)) in told
    assert "carry its summary" in told  # AMBER mails hold content
    # the page is itself in the access log
    assert AccessLog.objects.filter(
        event=AccessLog.Event.FOOTPRINT, actor=cast.fr_ncp, object_id=item.pk
    ).exists()


@pytest.mark.parametrize("type_slug", TYPES)
def test_the_commission_follows_the_footprint_without_reading_the_item(cast, client_for, type_slug):
    item = item_with_canary(cast, type_slug, audience="owner", marking="RED")
    if type(item).declaration.reference_prefix:
        item.reference_code = item_reference_allocate(item)
        item.save()
    commission = client_for(cast.commission_admin)
    assert commission.get(item.get_absolute_url()).status_code == 404
    page = commission.get(footprint_url(item))
    assert page.status_code == 200
    html = page.content.decode()
    assert item.reference in html
    assert CANARY not in html
    assert item.get_absolute_url() not in html
    found = commission.get(reverse("sharing:footprint_find"), {"reference": item.reference})
    if type(item).declaration.reference_prefix:
        assert found.status_code == 302 and found["Location"] == footprint_url(item)


@pytest.mark.parametrize("type_slug", TYPES)
def test_nobody_else_sees_the_footprint(cast, client_for, type_slug):
    item, _group, _disclosure = item_shared_every_way(cast, type_slug)
    # Readers of the item who are not of its owner organisation are refused; the others find
    # nothing, as for an item that does not exist.
    answers = {
        cast.be_ncp: 403,  # reads the item through the group
        cast.es_ncp: 403,  # reads it through the disclosure
        cast.de_ncp: 404,  # does not read it
        cast.fr_no_area: 404,  # of the owner organisation, without the area
        cast.frontex_user: 404,
    }
    for user, status in answers.items():
        client = client_for(user)
        assert client.get(footprint_url(item)).status_code == status, user.username
        found = client.get(reverse("sharing:footprint_find"), {"reference": item.reference})
        assert found.status_code == 200  # "no item whose footprint you may see", as for none
    assert not AccessLog.objects.filter(event=AccessLog.Event.FOOTPRINT).exists()


def test_of_the_commission_and_the_agencies_only_the_administrators_see_a_footprint(
    cast, client_for
):
    item = item_make("alerts.alert", author=cast.fr_ncp, audience="owner", marking="RED")
    commission_user = UserFactory(
        username="commission_reader",
        organisation=cast.commission_admin.organisation,
        areas=[],
    )
    agency = OrganisationFactory(name="An agency", short_name="AG", country=None, kind="agency")
    agency_user = UserFactory(username="agency_reader", organisation=agency)
    for user in (commission_user, agency_user):
        assert client_for(user).get(footprint_url(item)).status_code == 404
    assert client_for(cast.commission_admin).get(footprint_url(item)).status_code == 200


@pytest.mark.parametrize("type_slug", TYPES)
def test_narrowing_from_the_footprint_withdraws_the_copies_that_may_no_longer_exist(
    cast, client_for, settings, tmp_path, type_slug
):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    item, group, _disclosure = item_shared_every_way(cast, type_slug)
    if not item.allows(cast.fr_ncp, Action.PUBLISH):
        pytest.skip("this type is published by its reviewers")
    kept, gone = [], []
    for owner, bucket in ((cast.be_ncp, gone), (cast.es_ncp, kept)):
        job = ExportJob.objects.create(
            owner=owner,
            source="search:results",
            format="csv",
            state=ExportJob.State.DONE,
            total=1,
            items={type_slug: [item.pk]},
        )
        job.file.save("export.csv", ContentFile(b"TLP:AMBER\n"), save=True)
        bucket.append(job)
    owner = client_for(cast.fr_ncp)
    page = owner.get(footprint_url(item)).content.decode()
    assert reverse("sharing:narrow", args=[type_slug, item.pk]) in page

    # Widening is refused and changes nothing.
    refused = owner.post(reverse("sharing:narrow", args=[type_slug, item.pk]), {"audience": "x"})
    assert refused.status_code == 200
    item.refresh_from_db()
    assert item.audience == "groups"

    response = owner.post(
        reverse("sharing:narrow", args=[type_slug, item.pk]), {"audience": "owner"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.audience == "owner"
    assert client_for(cast.be_ncp).get(item.get_absolute_url()).status_code == 404
    # Belgium read through the group: its export is withdrawn and its file gone; Spain reads
    # through the approved disclosure, which the owner decided on its own: its copy stays.
    gone[0].refresh_from_db()
    kept[0].refresh_from_db()
    assert gone[0].state == ExportJob.State.WITHDRAWN and not gone[0].file
    assert kept[0].state == ExportJob.State.DONE and kept[0].file
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [
        kept[0].file.name.rsplit("/", 1)[-1]
    ]


def test_the_narrowing_is_refused_to_a_reader_who_is_not_the_owner(cast, client_for):
    item, _group, _disclosure = item_shared_every_way(cast, "alerts.alert")
    url = reverse("sharing:narrow", args=["alerts.alert", item.pk])
    assert client_for(cast.be_ncp).post(url, {"audience": "owner"}).status_code == 403
    assert client_for(cast.de_ncp).post(url, {"audience": "owner"}).status_code == 404
    item.refresh_from_db()
    assert item.audience == "groups"
