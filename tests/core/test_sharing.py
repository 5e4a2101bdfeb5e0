"""Publishing, audiences and disclosure by the owner's leave, through the pages users use."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from iconet.models import (
    AccessLog,
    Action,
    Audience,
    DisclosureRequest,
    EmailDelivery,
    Notification,
    State,
)
from iconet.sharing.registry import shared_item_models
from tests.core.test_permission_matrix import CAST_ROLES
from tests.items import item_make

pytestmark = pytest.mark.django_db

TYPE = sorted(shared_item_models())[0]


@pytest.fixture
def draft(cast):
    return item_make(
        TYPE, author=cast.fr_officer, state=State.DRAFT, audience=Audience.OWNER, marking="AMBER"
    )


@pytest.fixture
def published(cast):
    return item_make(TYPE, author=cast.fr_officer, audience=Audience.NETWORK, marking="AMBER")


def publish_url(item):
    return reverse("sharing:publish", args=[item.type_slug(), item.pk])


def test_the_owner_ncp_publishes_to_the_audience_it_chooses(cast, client_for, draft):
    de = client_for(cast.de_officer)
    assert de.get(draft.get_absolute_url()).status_code == 404
    response = client_for(cast.fr_ncp).post(
        publish_url(draft),
        {"audience": "network", "marking": "GREEN", "nobody_confirmed": "1"},
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 302
    from auditlog.models import LogEntry

    entry = LogEntry.objects.get_for_object(draft).order_by("-timestamp").first()
    assert (entry.actor, entry.remote_addr) == (cast.fr_ncp, "198.51.100.4")
    draft.refresh_from_db()
    assert draft.state == State.PUBLISHED and draft.marking == "GREEN" and draft.published_at
    assert de.get(draft.get_absolute_url()).status_code == 200
    # Narrowing the audience takes the access away again.
    client_for(cast.fr_ncp).post(publish_url(draft), {"audience": "owner", "marking": "GREEN"})
    assert de.get(draft.get_absolute_url()).status_code == 404


def test_publishing_to_groups_needs_a_group_and_keeps_the_choice(cast, client_for, draft):
    response = client_for(cast.fr_ncp).post(
        publish_url(draft), {"audience": "groups", "marking": "RED"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose at least one access group." in page
    assert 'value="RED" checked' in page or 'value="RED"' in page and "checked" in page
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_a_non_owner_cannot_publish_or_change_the_audience_even_by_crafted_post(
    cast, client_for, published
):
    for role in ("de_ncp", "fr_officer"):
        client = client_for(getattr(cast, role))
        assert client.get(publish_url(published)).status_code == 403
        assert (
            client.post(
                publish_url(published), {"audience": "public", "marking": "CLEAR"}
            ).status_code
            == 403
        )
    published.refresh_from_db()
    assert (published.audience, published.marking) == (Audience.NETWORK, "AMBER")
    # Another state's contact point cannot even learn that a draft exists.
    draft = item_make(TYPE, author=cast.fr_officer, state=State.DRAFT)
    assert (
        client_for(cast.de_ncp)
        .post(publish_url(draft), {"audience": "public", "marking": "CLEAR"})
        .status_code
        == 404
    )


def test_only_the_owner_withdraws(cast, client_for, published):
    url = reverse("sharing:state", args=[published.type_slug(), published.pk])
    assert client_for(cast.de_ncp).post(url, {"state": "withdrawn"}).status_code == 403
    assert client_for(cast.fr_ncp).post(url, {"state": "withdrawn"}).status_code == 302
    published.refresh_from_db()
    assert published.state == State.WITHDRAWN


def request_disclosure(client, item, **data):
    return client.post(reverse("sharing:disclosure_create", args=[item.type_slug(), item.pk]), data)


def test_disclosure_to_an_organisation_widens_access_only_after_the_owner_approves(
    cast, client_for, published
):
    # Published to the whole network: Germany reads it, Frontex (an agency, not "the network") does
    # not.
    de = client_for(cast.de_ncp)
    frontex = client_for(cast.frontex_user)
    assert frontex.get(published.get_absolute_url()).status_code == 404
    response = request_disclosure(
        de,
        published,
        target_kind="organisation",
        target_organisation=cast.frontex_user.organisation_id,
        purpose="Joint risk analysis of the route",
    )
    assert response.status_code == 302
    request = DisclosureRequest.objects.get()
    assert request.status == DisclosureRequest.Status.PENDING
    decide_url = reverse("sharing:disclosure", args=[request.pk])
    # The owner's deciders are told in the portal and by e-mail.
    assert Notification.objects.filter(recipient=cast.fr_ncp, url=decide_url).exists()
    assert EmailDelivery.objects.filter(
        recipient=cast.fr_ncp, key__startswith=f"disclosure:{request.pk}:"
    ).exists()
    assert not Notification.objects.filter(recipient=cast.fr_officer).exists()
    # Until approved, nothing widens.
    assert frontex.get(published.get_absolute_url()).status_code == 404
    # Nobody but the owner's deciders decides, not even the requester.
    assert de.post(decide_url, {"decision": "approve"}).status_code == 403
    assert client_for(cast.fr_officer).post(decide_url, {"decision": "approve"}).status_code == 403
    request.refresh_from_db()
    assert request.status == DisclosureRequest.Status.PENDING
    fr_ncp = client_for(cast.fr_ncp)
    assert (
        fr_ncp.post(decide_url, {"decision": "approve", "decision_reason": "Agreed"}).status_code
        == 302
    )
    assert frontex.get(published.get_absolute_url()).status_code == 200
    request.refresh_from_db()
    assert request.status == DisclosureRequest.Status.APPROVED and request.decided_by == cast.fr_ncp
    assert Notification.objects.filter(recipient=cast.de_ncp, url=decide_url).exists()
    # A decided request cannot change.
    assert (
        fr_ncp.post(
            decide_url, {"decision": "refuse", "decision_reason": "Changed my mind"}
        ).status_code
        == 403
    )
    request.refresh_from_db()
    assert request.status == DisclosureRequest.Status.APPROVED
    # The grant shows its reason to the owner.
    page = fr_ncp.get(published.get_absolute_url()).content.decode()
    assert "Approved disclosure" in page


def test_a_refusal_needs_a_reason_and_widens_nothing(cast, client_for, published):
    request_disclosure(
        client_for(cast.de_ncp),
        published,
        target_kind="organisation",
        target_organisation=cast.frontex_user.organisation_id,
        purpose="Operational analysis",
    )
    request = DisclosureRequest.objects.get()
    url = reverse("sharing:disclosure", args=[request.pk])
    response = client_for(cast.fr_ncp).post(url, {"decision": "refuse", "decision_reason": ""})
    assert (
        response.status_code == 200
        and "Give the reason for the refusal." in response.content.decode()
    )
    client_for(cast.fr_ncp).post(
        url, {"decision": "refuse", "decision_reason": "Source protection"}
    )
    request.refresh_from_db()
    assert (
        request.status == DisclosureRequest.Status.REFUSED
        and request.decision_reason == "Source protection"
    )
    assert client_for(cast.frontex_user).get(published.get_absolute_url()).status_code == 404


def test_the_requester_withdraws_a_pending_request(cast, client_for, published):
    de = client_for(cast.de_ncp)
    request_disclosure(
        de,
        published,
        target_kind="third_party",
        third_party="Border police of Türkiye",
        purpose="Operational cooperation",
    )
    request = DisclosureRequest.objects.get()
    assert (
        client_for(cast.nl_ncp)
        .post(reverse("sharing:disclosure_withdraw", args=[request.pk]))
        .status_code
        == 404
    )
    de.post(reverse("sharing:disclosure_withdraw", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == DisclosureRequest.Status.WITHDRAWN


def test_a_disclosure_request_form_says_what_is_missing(cast, client_for, published):
    response = request_disclosure(
        client_for(cast.de_ncp),
        published,
        target_kind="third_party",
        third_party="",
        purpose="Typed purpose stays",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Name the third party." in page and "Typed purpose stays" in page
    assert not DisclosureRequest.objects.exists()


def test_an_approved_third_party_disclosure_unlocks_a_marked_export(cast, client_for, published):
    de = client_for(cast.de_ncp)
    request_disclosure(
        de,
        published,
        target_kind="third_party",
        third_party="Border police of Türkiye",
        purpose="Operational cooperation",
    )
    request = DisclosureRequest.objects.get()
    export_url = (
        reverse("sharing:export_pdf", args=[published.type_slug(), published.pk])
        + f"?disclosure={request.pk}"
    )
    assert de.get(export_url).status_code == 404  # not before the owner's decision
    client_for(cast.fr_ncp).post(
        reverse("sharing:disclosure", args=[request.pk]),
        {"decision": "approve", "decision_reason": ""},
    )
    # Only the requester holds the authorisation.
    assert client_for(cast.nl_ncp).get(export_url).status_code == 404
    response = de.get(export_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    for page in reader.pages:
        text = page.extract_text()
        assert "TLP:AMBER" in text
        assert "Border police of Türkiye" in text
        assert request.reference in text
    assert str(published.owner.short_name) in reader.pages[0].extract_text()
    assert AccessLog.objects.filter(
        event="download", actor=cast.de_ncp, object_id=published.pk
    ).exists()


def test_reads_of_restricted_items_are_logged_and_shown_to_the_owner(cast, client_for):
    red = item_make(TYPE, author=cast.fr_officer, audience=Audience.NETWORK, marking="RED")
    green = item_make(TYPE, author=cast.fr_officer, audience=Audience.NETWORK, marking="GREEN")
    de = client_for(cast.de_ncp)
    de.get(red.get_absolute_url(), REMOTE_ADDR="192.0.2.7")
    de.get(green.get_absolute_url())
    entry = AccessLog.objects.get(event="read", object_id=red.pk)
    assert (entry.actor, entry.organisation, entry.remote_addr, entry.marking) == (
        cast.de_ncp,
        cast.de_ncp.organisation,
        "192.0.2.7",
        "RED",
    )
    assert not AccessLog.objects.filter(event="read", object_id=green.pk).exists()
    log_url = reverse("sharing:access_log", args=[red.type_slug(), red.pk])
    page = client_for(cast.fr_officer).get(log_url)
    assert page.status_code == 200 and "192.0.2.7" in page.content.decode()
    assert de.get(log_url).status_code == 403


def test_e_mails_about_red_items_carry_no_content(cast, client_for):
    red = item_make(TYPE, author=cast.fr_officer, audience=Audience.NETWORK, marking="RED")
    request_disclosure(
        client_for(cast.de_ncp),
        red,
        target_kind="third_party",
        third_party="Europol liaison",
        purpose="Secret purpose text",
    )
    bodies = list(EmailDelivery.objects.values_list("body", flat=True))
    assert bodies
    for body in bodies:
        assert "TLP:RED" in body
        assert red.title not in body and "Secret purpose text" not in body


def test_the_count_of_visible_items_matches_the_rows_with_and_without_other_filters(cast):
    model = shared_item_models()[TYPE]
    for audience in ("owner", "network", "public", "network"):
        item_make(TYPE, author=cast.fr_officer, audience=audience)
    item_make(TYPE, author=cast.de_officer, audience="owner")
    for role in ("fr_officer", "de_ncp", "frontex_user", "fr_no_area"):
        user = getattr(cast, role)
        visible = model.objects.visible_to(user)
        assert visible.count() == len(list(visible))
        ordered = visible.order_by("-pk")
        assert ordered.count() == len(list(ordered))
        narrowed = visible.filter(audience="network")
        assert narrowed.count() == len(list(narrowed))
    assert model.objects.visible_to(cast.de_ncp).count() == 4
    assert model.objects.visible_to(cast.de_ncp).filter(audience="network").count() == 2


@pytest.mark.parametrize("type_slug", sorted(shared_item_models()))
def test_the_whole_list_count_is_exact_when_an_item_is_granted_in_several_ways(cast, type_slug):
    """The count read from the grants alone counts an item once whether the reader holds one
    grant on it or several: ownership, an open audience, two access groups, a disclosure."""
    from iconet.models import Organisation
    from tests.factories import AccessGroupFactory

    fr = Organisation.objects.get(short_name="BP-FR")
    both = AccessGroupFactory(name="Analysts", organisations=[fr], members=[cast.de_ncp])
    other = AccessGroupFactory(name="Liaison", members=[cast.de_ncp, cast.frontex_user])
    model = shared_item_models()[type_slug]
    author = cast.fr_ncp
    items = [
        item_make(type_slug, author=author, audience=audience, groups=groups)
        for audience, groups in (
            ("owner", ()),
            ("network", ()),
            ("public", ()),
            ("groups", (both,)),
            ("groups", (both, other)),
            ("groups", (other,)),
        )
    ]
    item_make(type_slug, author=author, state=State.DRAFT, audience="public")
    item_make(type_slug, author=cast.de_ncp, audience="owner")
    # Approved disclosures give the German service a second grant on an item shared with it
    # through an access group, and on an item open to the network.
    from iconet.sharing.services import disclosure_decide, disclosure_request_create

    for item in (items[3], items[1]):
        request = disclosure_request_create(
            actor=cast.de_ncp,
            item=item,
            target_kind=DisclosureRequest.TargetKind.ORGANISATION,
            target_organisation=cast.de_ncp.organisation,
            purpose="Joint analysis",
        )
        disclosure_decide(actor=author, request=request, approve=True, reason="")
    # An audience widened from the network to everyone keeps one open grant, not two.
    from iconet.sharing.services import grants_sync

    items[1].audience = "public"
    items[1].save(update_fields=["audience"])
    grants_sync(items[1])
    for role in ("fr_ncp", "fr_officer", "de_ncp", "de_officer", "frontex_user", "fr_no_area"):
        user = getattr(cast, role)
        if not user.has_area(model.area):
            continue
        visible = model.objects.visible_to(user)
        assert visible.count() == len(set(visible.values_list("pk", flat=True))), role
    counted = {
        role: model.objects.visible_to(getattr(cast, role)).count()
        for role in ("fr_ncp", "de_ncp", "frontex_user")
        if getattr(cast, role).has_area(model.area)
    }
    # The owner sees its seven; the German service the four open or shared to it and its own.
    assert counted.get("fr_ncp", 7) == 7
    assert counted.get("de_ncp", 6) == 6


@pytest.mark.parametrize("type_slug", sorted(shared_item_models()))
def test_the_object_check_answers_what_the_list_shows(cast, type_slug):
    """`can(user, Action.READ, item)` (read from the item's grant rows) says yes exactly for the
    items of `visible_to(user)`, for every member of the cast: drafts, every audience, a
    disclosure, a reader without the area and a deactivated organisation."""
    from iconet.models import Organisation
    from iconet.sharing.access import can, forget_principals
    from tests.factories import AccessGroupFactory
    from tests.items import disclosure_approve

    model = shared_item_models()[type_slug]
    group = AccessGroupFactory(name="Analysts", members=[cast.de_ncp])
    items = [
        item_make(type_slug, author=cast.fr_ncp, audience=audience, groups=groups)
        for audience, groups in (
            ("owner", ()),
            ("network", ()),
            ("public", ()),
            ("groups", (group,)),
        )
    ]
    items.append(item_make(type_slug, author=cast.fr_ncp, state=State.DRAFT))
    disclosed = item_make(type_slug, author=cast.nl_ncp, audience="owner")
    disclosure_approve(
        disclosed,
        decided_by=cast.nl_ncp,
        requested_by=cast.frontex_user,
        target_kind=DisclosureRequest.TargetKind.ORGANISATION,
        target_organisation=cast.frontex_user.organisation,
    )
    items.append(disclosed)
    Organisation.objects.filter(short_name="BP-BE").update(is_active=False)
    seen = 0
    for role in CAST_ROLES:
        user = getattr(cast, role, None)
        if user is None:
            continue
        forget_principals(user)
        visible = set(model.objects.visible_to(user).values_list("pk", flat=True))
        for item in items:
            assert can(user, Action.READ, item) == (item.pk in visible), (role, item.audience)
        seen += len(visible)
    assert seen  # some did see some


def test_changes_made_outside_a_request_are_audited_under_the_acting_user(cast, client_for, draft):
    from auditlog.models import LogEntry

    from iconet.sharing.services import item_publish

    item_publish(actor=cast.fr_ncp, item=draft, audience="network", marking="GREEN")
    entry = LogEntry.objects.get_for_object(draft).order_by("-timestamp").first()
    assert entry.actor == cast.fr_ncp
    assert entry.changes_dict["state"] == ["draft", "published"]
    page = client_for(cast.fr_officer).get(
        reverse("sharing:history", args=[draft.type_slug(), draft.pk])
    )
    text = page.content.decode()
    assert str(cast.fr_ncp) in text and "State" in text and "Draft → Published" in text


def test_who_may_read_is_decided_for_many_users_in_a_fixed_number_of_queries(
    cast, django_assert_max_num_queries
):
    from iconet.models import User
    from iconet.sharing.access import readers_among

    item = item_make(TYPE, author=cast.fr_officer, audience=Audience.NETWORK)
    users = list(User.objects.all())  # organisations not loaded
    with django_assert_max_num_queries(5):
        readers = readers_among(item, users)
    names = {u.username for u in readers}
    assert {"fr_officer", "de_ncp", "commission_admin"} <= names
    assert not names & {"frontex_user", "fr_no_area"}


def test_disclosure_requests_are_listed_only_to_those_with_the_item_area(
    cast, client_for, published
):
    request_disclosure(
        client_for(cast.de_ncp),
        published,
        target_kind="third_party",
        third_party="Europol liaison",
        purpose="Operational analysis",
    )
    request = DisclosureRequest.objects.get()
    assert (
        request.reference
        in client_for(cast.fr_ncp).get(reverse("sharing:disclosures")).content.decode()
    )
    # A colleague of the owner without the area sees neither the list entry nor the request.
    no_area = client_for(cast.fr_no_area)
    assert request.reference not in no_area.get(reverse("sharing:disclosures")).content.decode()
    assert no_area.get(reverse("sharing:disclosure", args=[request.pk])).status_code == 404


def test_reading_the_history_of_a_restricted_item_is_logged(cast, client_for):
    red = item_make(TYPE, author=cast.fr_officer, audience=Audience.NETWORK, marking="RED")
    client_for(cast.de_ncp).get(reverse("sharing:history", args=[red.type_slug(), red.pk]))
    assert AccessLog.objects.filter(event="read", actor=cast.de_ncp, object_id=red.pk).exists()


def test_deactivating_an_access_group_ends_the_access_it_gave(cast, client_for):
    from tests.factories import AccessGroupFactory

    group = AccessGroupFactory(name="Joint analysis cell", members=[cast.frontex_user])
    item = item_make(TYPE, author=cast.fr_officer, audience=Audience.GROUPS, groups=[group])
    frontex = client_for(cast.frontex_user)
    assert frontex.get(item.get_absolute_url()).status_code == 200
    group.is_active = False
    group.save()
    assert client_for(cast.frontex_user).get(item.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("type_slug", sorted(shared_item_models()))
def test_the_list_count_less_archived_items_is_the_number_of_rows_it_shows(cast, type_slug):
    """A list leaves archived items out unless asked (`without_archived`): its count, read
    from the grants less the visible archived items, is the number of rows for every reader,
    an archived item the reader may not see moves nothing, and a filter after it is counted
    over the rows again."""
    model = shared_item_models()[type_slug]
    made = [
        item_make(type_slug, author=cast.fr_ncp, audience=audience, state=state)
        for audience, state in (
            ("network", State.PUBLISHED),
            ("network", State.ARCHIVED),
            ("owner", State.ARCHIVED),
            ("owner", State.PUBLISHED),
            ("public", State.ARCHIVED),
        )
    ]
    for role in ("fr_ncp", "fr_colleague", "de_ncp", "frontex_user", "fr_no_area"):
        user = getattr(cast, role)
        listed = model.objects.visible_to(user).without_archived()
        rows = set(listed.values_list("pk", flat=True))
        assert listed.order_by("-pk").count() == len(rows), role
        assert all(model.objects.get(pk=pk).state != State.ARCHIVED for pk in rows), role
        narrowed = listed.filter(audience="network")
        assert narrowed.count() == len(list(narrowed)), role
    if cast.de_ncp.has_area(model.area):
        # The German service reads the two network items and the public one, one not archived;
        # the French owner-only archived item is not subtracted from its count.
        german = model.objects.visible_to(cast.de_ncp).without_archived()
        assert made[0].pk in set(german.values_list("pk", flat=True))
        assert german.count() == len(list(german))


def test_the_count_of_the_whole_visible_list_reads_the_grant_table_alone(cast):
    """The list page's count (paginator) stays cheap; anything that narrows the list is counted
    over the items again, so the number is always the number of rows shown."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    model = shared_item_models()[TYPE]
    for audience in ("owner", "network", "public"):
        item_make(TYPE, author=cast.fr_officer, audience=audience)
    visible = model.objects.visible_to(cast.de_ncp)
    with CaptureQueriesContext(connection) as queries:
        assert visible.order_by("-pk").select_related("owner").count() == 2
    table = f'"{model._meta.db_table}"'
    assert table not in queries.captured_queries[-1]["sql"]
    network = model.objects.filter(audience="network")
    for narrowed in (
        visible.filter(audience="network"),
        visible.exclude(audience="network"),
        visible.none(),
        visible & network,
        visible[:1],
        visible.distinct(),
        visible.filter(pk__in=network),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert narrowed.count() == len(list(narrowed))
        # (none() is counted without a query at all.)
        assert all(table in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize("audience", [Audience.NETWORK, Audience.PUBLIC])
def test_a_publisher_whose_access_was_read_before_the_first_such_audience_still_reads_it(
    cast, audience
):
    """The audience groups of "the network" and "public" come from a migration; where they are
    missing (an emptied database), the first publication to them makes them, and a reader whose
    principals were computed just before, in the same request, is not locked out."""
    from django.contrib.auth.models import Group

    from iconet.models import Action
    from iconet.sharing.access import NETWORK_GROUP, PUBLIC_GROUP, can, principal_group_ids
    from iconet.sharing.services import item_publish

    Group.objects.filter(name__in=[NETWORK_GROUP, PUBLIC_GROUP]).delete()
    item = item_make(TYPE, author=cast.fr_officer, state=State.DRAFT, audience=Audience.OWNER)
    publisher = cast.fr_ncp
    reader = cast.de_ncp
    principal_group_ids(publisher)
    principal_group_ids(reader)
    item_publish(actor=publisher, item=item, audience=audience, marking="GREEN")
    assert can(reader, Action.READ, item)
    assert can(publisher, Action.WITHDRAW, item)


@pytest.mark.parametrize("type_slug", sorted(shared_item_models()))
def test_a_kept_count_of_visible_items_follows_every_change_of_grants_and_principals(
    cast, type_slug
):
    """The whole list's count is kept while the type's grants and the reader's principals are
    unchanged (iconet.sharing.counts); a grant written or removed by any means, even around
    the services, and a membership that ends are counted at the next reading."""
    from django.db import connection

    from iconet.models import AccessGroupMember, GrantsVersion
    from iconet.sharing.access import forget_principals
    from iconet.sharing.querysets import grant_model_of
    from tests.factories import AccessGroupFactory

    model = shared_item_models()[type_slug]
    reader = cast.de_ncp
    if not reader.has_area(model.area):
        pytest.skip("the German contact point has no such area")
    grants = grant_model_of(model)

    def counted() -> int:
        forget_principals(reader)
        visible = model.objects.visible_to(reader)
        return visible.count()

    def rows() -> int:
        forget_principals(reader)
        return len(set(model.objects.visible_to(reader).values_list("pk", flat=True)))

    before = counted()
    assert counted() == before == rows()
    token = GrantsVersion.objects.get(grant_table=grants._meta.db_table).token
    item = item_make(type_slug, author=cast.fr_ncp, audience="network")
    assert GrantsVersion.objects.get(grant_table=grants._meta.db_table).token != token
    assert counted() == before + 1 == rows()
    # A grant removed in SQL, around every service and signal, is counted at once.
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {grants._meta.db_table} WHERE content_object_id = %s", [item.pk]
        )
    assert counted() == before == rows()
    # Shared with an access group: read while a member, no more once the membership ends.
    group = AccessGroupFactory(name="Counted", members=[reader])
    item_make(type_slug, author=cast.fr_ncp, audience="groups", groups=[group])
    assert counted() == before + 1 == rows()
    AccessGroupMember.objects.filter(accessgroup=group, user=reader).delete()
    assert counted() == before == rows()


def test_the_count_of_visible_items_is_read_anew_when_the_cache_does_not_answer(cast, settings):
    """Redis down: the kept counts are not there, and the lists count the grants again."""
    model = shared_item_models()[TYPE]
    item_make(TYPE, author=cast.fr_ncp, audience="network")
    expected = len(set(model.objects.visible_to(cast.de_ncp).values_list("pk", flat=True)))
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        }
    }
    assert model.objects.visible_to(cast.de_ncp).count() == expected
