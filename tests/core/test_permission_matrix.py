"""The permission matrix: for every item type, role, audience and state, the visibility
filter and every page that shows an item agree with the rule of Decision 2005/267/EC art. 4.

The expected answer comes from the rule as written (DESIGN.md section 2), not from the code
under test: visible = the user has the item's area AND (their organisation owns it, OR the
item is published and they are in its audience, OR an approved disclosure covers them).
Out of scope answers 404; visible but not the user's to act on answers 403.
"""

import itertools

import pytest
from django.urls import NoReverseMatch, reverse

from iconet.models import AccessGroup, Audience, Organisation, State
from iconet.registry import shared_item_models
from tests.factories import AccessGroupFactory
from tests.items import TYPE_PAGES, disclosure_approve, item_make

pytestmark = pytest.mark.django_db

ROLES = [
    "fr_officer", "fr_ncp", "fr_admin", "fr_no_area", "de_officer", "de_ncp", "be_ncp", "nl_ncp", "it_ncp",
    "commission_admin", "frontex_user", "ilo_fr_tr", "ilo_de_tr",
]
STATES = [State.DRAFT, State.PUBLISHED, State.WITHDRAWN]
AUDIENCES = [Audience.OWNER, Audience.GROUPS, Audience.NETWORK, Audience.PUBLIC]
TYPES = sorted(shared_item_models())

# Readers of drafts beyond the owner organisation, where an area's workflow defines them
# (a network's draft report is read by the network's members). Filled by the area modules'
# rules below; each entry says who, by the area's own rule, reads a draft of that type.
EXTRA_DRAFT_READERS = {
    # The liaison officers posted in the network's host country read its draft report.
    "ilo_reports.iloreport": lambda user, item: user.role == "ilo" and user.host_country == item.network.host_country,
}


def in_group(user, group: AccessGroup) -> bool:
    return group.members.filter(pk=user.pk).exists() or group.organisations.filter(pk=user.organisation_id).exists()


def expected_visible(user, item, scenario) -> bool:
    """The rule, written out independently of iconet.access."""
    if not user.is_active or item.area not in user.areas:
        return False
    if user.organisation_id == item.owner_id:
        return True
    if item.state == State.DRAFT:
        extra = EXTRA_DRAFT_READERS.get(item.type_slug())
        return bool(extra and extra(user, item))
    if scenario.get("disclosed_to_org") == user.organisation_id:
        return True
    if scenario.get("disclosed_to_group") and in_group(user, scenario["disclosed_to_group"]):
        return True
    if item.audience == Audience.PUBLIC:
        return True
    if item.audience == Audience.NETWORK:
        return user.organisation.kind in (Organisation.Kind.NATIONAL, Organisation.Kind.COMMISSION)
    if item.audience == Audience.GROUPS:
        return any(in_group(user, group) for group in item.audience_groups.all())
    return False


@pytest.fixture
def matrix(cast, settings, tmp_path):
    """One item per (state, audience), owned by France, plus two published to the owner only
    and then disclosed by approved requests: to the Netherlands, and to an access group.
    Each has its child rows (attachments), whose pages are checked too."""
    settings.MEDIA_ROOT = tmp_path
    mediterranean = AccessGroupFactory(
        name="Mediterranean route", organisations=[cast.be_ncp.organisation], members=[cast.ilo_de_tr, cast.frontex_user],
    )
    italy_group = AccessGroupFactory(name="Italian liaison", organisations=[cast.it_ncp.organisation])
    rows = []
    for type_slug in TYPES:
        for state, audience in itertools.product(STATES, AUDIENCES):
            item = item_make(
                type_slug, author=cast.fr_officer, state=state, audience=audience,
                groups=[mediterranean] if audience == Audience.GROUPS else (), with_children=True,
            )
            rows.append((item, {}))
        to_nl = item_make(type_slug, author=cast.fr_officer, audience=Audience.OWNER)
        disclosure_approve(to_nl, decided_by=cast.fr_ncp, requested_by=cast.de_ncp, target_kind="organisation",
                           target_organisation=cast.nl_ncp.organisation)
        rows.append((to_nl, {"disclosed_to_org": cast.nl_ncp.organisation_id}))
        to_group = item_make(type_slug, author=cast.fr_officer, audience=Audience.OWNER, marking="RED")
        disclosure_approve(to_group, decided_by=cast.fr_ncp, requested_by=cast.de_ncp, target_kind="access_group",
                           target_group=italy_group)
        rows.append((to_group, {"disclosed_to_group": italy_group}))
    return rows


def pages(item):
    """Every URL that shows an item or acts on it, with the action it needs beyond reading."""
    slug = item.type_slug()
    urls = [
        (item.get_absolute_url(), "read"),
        (reverse("sharing:print", args=[slug, item.pk]), "read"),
        (reverse("sharing:history", args=[slug, item.pk]), "read"),
        (reverse("sharing:export_pdf", args=[slug, item.pk]), "download"),
        (reverse("sharing:publish", args=[slug, item.pk]), "publish"),
        (reverse("sharing:disclosure_create", args=[slug, item.pk]), "request_disclosure"),
        (reverse("sharing:access_log", args=[slug, item.pk]), "owner"),
    ]
    try:
        urls.append((reverse(f"{item._meta.app_label}:edit", args=[item.pk]), "change"))
    except NoReverseMatch:
        pass
    if slug in TYPE_PAGES:
        urls += TYPE_PAGES[slug](item)
    return urls


def expected_status(user, item, action: str, visible: bool) -> int:
    if not visible:
        return 404
    if action == "read":
        return 200
    if action == "owner":
        return 200 if user.organisation_id == item.owner_id else 403
    return 200 if item.allows(user, action) else 403


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_as_the_rule_says(role, cast, matrix, client_for):
    user = getattr(cast, role)
    client = client_for(user)
    mismatches = []
    for type_slug in TYPES:
        model = shared_item_models()[type_slug]
        items = [(item, scenario) for item, scenario in matrix if item.type_slug() == type_slug]
        expected = {item.pk for item, scenario in items if expected_visible(user, item, scenario)}
        filtered = set(model.objects.visible_to(user).values_list("pk", flat=True))
        if filtered != expected:
            mismatches.append(f"{type_slug} visible_to: extra {sorted(filtered - expected)}, missing {sorted(expected - filtered)}")
        for item, _scenario in items:
            visible = item.pk in expected
            for url, action in pages(item):
                if action == "download" and item.state != State.PUBLISHED and visible:
                    continue  # PDF rendering is slow: exported for published items only
                want = expected_status(user, item, action, visible)
                got = client.get(url).status_code
                if got != want:
                    mismatches.append(
                        f"{type_slug} {item.state}/{item.audience}/{item.marking} {url}: got {got}, want {want}"
                    )
    assert mismatches == []


def test_the_matrix_covers_every_item_type_and_both_answers(cast, matrix):
    assert len(TYPES) >= 2
    assert any("/attachments/" in url for item, _scenario in matrix for url, _action in pages(item))
    answers = {expected_visible(getattr(cast, role), item, scenario) for role in ROLES for item, scenario in matrix}
    assert answers == {True, False}
