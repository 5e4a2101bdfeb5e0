"""The permission matrix: every URL pattern that takes a shared item, found from the URL
resolver, answers GET and the POST of its form as the policy in tests/policy.py says, for
every role of the cast, for items of several owners (France, Germany, an EU agency) in every
stage the product produces (made through the real services), and the visibility filter
returns exactly the items the policy calls visible.

The expectations come from tests/policy.py, data written from DESIGN.md independently of the
code: never from `allows`, `can` or the grant tables. A forbidden POST must also leave the item
and its child rows as they were. `test_a_mutated_policy_turns_the_matrix_red` proves the
matrix is not circular.
"""

from __future__ import annotations

import datetime
import itertools
from collections import Counter

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from iconet.models import (
    AccessGroup,
    Area,
    DisclosureRequest,
    Organisation,
    Role,
    SharedItem,
    User,
)
from iconet.sharing.registry import shared_item_models
from iconet.sharing.services import disclosure_decide, disclosure_request_create
from tests import policy
from tests.conftest import cast_users, module_world, verified_client
from tests.factories import AccessGroupFactory, UserFactory
from tests.items import (
    alert_in_stage,
    ilo_network_chaired,
    ilo_report_in_stage,
    note_in_stage,
    return_operation_in_stage,
    return_problem_in_stage,
)

pytestmark = pytest.mark.django_db

CAST_ROLES = [
    "fr_officer",
    "fr_ncp",
    "fr_admin",
    "fr_no_area",
    "fr_colleague",
    "de_officer",
    "de_ncp",
    "be_ncp",
    "nl_ncp",
    "it_ncp",
    "commission_admin",
    "frontex_user",
    "frontex_ncp",
    "ilo_fr_tr",
    "ilo_de_tr",
]


# --- the URL patterns that take an item, from the resolver ---------------------------------------


def url_patterns(patterns=None, namespace=""):
    """(qualified name, keywords) of every named URL pattern, walking includes recursively."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            keywords = set(getattr(entry.pattern, "converters", {})) or set(
                entry.pattern.regex.groupindex
            )
            yield f"{namespace}{entry.name}", keywords


def item_url_patterns(patterns=None) -> dict[str, set[str]]:
    """Patterns whose keywords name an item: `type_slug` + `pk` in the sharing namespace, or
    `pk` in the namespace of an app that declares a shared item type."""
    area_namespaces = {model._meta.app_label for model in shared_item_models().values()}
    found = {}
    for name, keywords in url_patterns(patterns):
        namespace = name.rpartition(":")[0]
        if namespace == "sharing" and {"type_slug", "pk"} <= keywords:
            found[name] = keywords
        elif namespace in area_namespaces and "pk" in keywords:
            found[name] = keywords
    return found


def unclassified_item_patterns(patterns=None) -> list[str]:
    found = item_url_patterns(patterns)
    return sorted(set(found) - set(policy.ITEM_PAGES) - set(policy.NOT_ITEM_PAGES))


def test_every_item_url_pattern_is_classified_by_the_policy():
    assert unclassified_item_patterns() == [], "classify them in tests/policy.py"
    found = item_url_patterns()
    stale = sorted((set(policy.ITEM_PAGES) | set(policy.NOT_ITEM_PAGES)) - set(found))
    assert stale == [], "these URL names in tests/policy.py no longer exist"
    assert len(found) >= 25


def test_a_new_item_url_pattern_is_reported():
    from django.urls import include, path

    def view(request, pk):
        return None

    extra = path("alerts/", include(([path("<int:pk>/forward/", view, name="forward")], "alerts")))
    patterns = [*get_resolver().url_patterns, extra]
    assert unclassified_item_patterns(patterns) == ["alerts:forward"]


def item_pages(facts: policy.ItemFacts, found: dict[str, set[str]]):
    """(name, URL, page) of every item pattern that applies to the item."""
    app_label = facts.type_slug.split(".")[0]
    for name, keywords in sorted(found.items()):
        page = policy.ITEM_PAGES.get(name)
        if page is None or (page.item_type and page.item_type != facts.type_slug):
            continue
        namespace = name.rpartition(":")[0]
        if namespace == "sharing":
            kwargs = {"type_slug": facts.type_slug, "pk": facts.pk}
        elif namespace == app_label:
            kwargs = {"pk": facts.pk}
        else:
            continue
        missing = keywords - set(kwargs)
        if not missing <= set(facts.children):
            continue  # e.g. an attachment's page, for an item without one
        kwargs.update({key: facts.children[key] for key in missing})
        yield name, reverse(name, kwargs=kwargs), page


# --- facts --------------------------------------------------------------------------------------


def user_facts(user) -> policy.UserFacts:
    organisation = Organisation.objects.filter(pk=user.organisation_id).first()
    groups = AccessGroup.objects.filter(is_active=True).filter(
        pk__in=AccessGroup.members.through.objects.filter(user_id=user.pk).values("accessgroup_id"),
    ) | AccessGroup.objects.filter(is_active=True).filter(
        pk__in=AccessGroup.organisations.through.objects.filter(
            organisation_id=user.organisation_id,
        ).values("accessgroup_id"),
    )
    return policy.UserFacts(
        pk=user.pk,
        name=user.username,
        active=user.is_active,
        organisation_id=user.organisation_id,
        organisation_active=bool(organisation and organisation.is_active),
        organisation_kind=organisation.kind if organisation else "",
        role=user.role,
        areas=frozenset(user.areas or ()),
        ncp_areas=frozenset(user.ncp_areas or ()),
        country=organisation.country_id if organisation else None,
        host_country=user.host_country or None,
        access_groups=frozenset(groups.values_list("pk", flat=True)),
    )


def item_facts(item, stage: str, **extra) -> policy.ItemFacts:
    item.refresh_from_db()
    approved = DisclosureRequest.objects.filter(
        content_type__app_label=item._meta.app_label,
        content_type__model=item._meta.model_name,
        object_id=item.pk,
        status=DisclosureRequest.Status.APPROVED,
    )
    return policy.ItemFacts(
        type_slug=item.type_slug(),
        pk=item.pk,
        area=item.area,
        owner_id=item.owner_id,
        owner_label=item.owner.short_name,
        author_id=item.author_id,
        stage=stage,
        audience=item.audience,
        audience_groups=frozenset(item.audience_groups.values_list("pk", flat=True)),
        disclosed_to_organisations=frozenset(
            approved.filter(target_kind="organisation").values_list(
                "target_organisation_id", flat=True
            )
        ),
        disclosed_to_groups=frozenset(
            approved.filter(target_kind="access_group").values_list("target_group_id", flat=True)
        ),
        **extra,
    )


def alert_facts(alert, stage, light=False):
    destinations = set(alert.destination_states.values_list("code", flat=True)) | set(
        alert.transit_countries
    )
    attachment = alert.attachments.first()
    children = {"attachment_pk": attachment.pk} if attachment else {}
    return item_facts(
        alert, stage, destinations=frozenset(destinations), children=children, light=light
    )


def return_facts(item, stage):
    attachment = item.attachments.first()
    children = {"attachment_pk": attachment.pk} if attachment else {}
    extra = {}
    if item.type_slug() == policy.OPERATION:
        incident = item.incidents.first()
        if incident is not None:
            children["incident_pk"] = incident.pk
        extra = {
            "offered_to": frozenset(item.offered_to.values_list("code", flat=True)),
            "participants": frozenset(
                item.participations.values_list("organisation_id", flat=True)
            ),
            "incident_orgs": frozenset(item.incidents.values_list("organisation_id", flat=True)),
        }
    return item_facts(item, stage, children=children, **extra)


def note_facts(note, stage):
    children = {"image_pk": note.images.first().pk, "attachment_pk": note.attachments.first().pk}
    return item_facts(note, stage, children=children)


def report_facts(report, stage):
    children = {"section_pk": report.template.sections.order_by("order").first().pk, "part": "I"}
    contribution = report.contributions.first()
    if contribution is not None:
        children["contribution_pk"] = contribution.pk
    return item_facts(
        report,
        stage,
        network_host=report.network.host_country.code,
        has_previous=report.previous_id is not None,
        children=children,
    )


# --- the world: items of several owners in every stage -------------------------------------------


@pytest.fixture(scope="module")
def matrix_world(django_db_blocker, tmp_path_factory):
    """The world is made once for the module, in a transaction around its tests (each test's
    own is rolled back inside it), with its files in a folder of its own."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("matrix_media")):
        with module_world("the permission matrix's world", django_db_blocker):
            with django_db_blocker.unblock():
                facts = world_build(cast_users())
            yield facts


@pytest.fixture
def world(cast, matrix_world):
    """Alerts of France, Germany and Frontex in every sharing state; ILO reports chaired by
    France and by Germany in every workflow stage; alerts shared with an access group, with the
    public, and widened by approved disclosures to an organisation and to an access group."""
    cast.frontex_ncp = User.objects.get(username="frontex_ncp")
    return list(matrix_world)


def world_build(cast) -> list[policy.ItemFacts]:
    frontex = Organisation.objects.get(short_name="Frontex")
    cast.frontex_ncp = UserFactory(
        username="frontex_ncp",
        organisation=frontex,
        role=Role.AGENCY_USER,
        ncp_areas=list(Area.values),
    )
    mediterranean = AccessGroupFactory(
        name="Mediterranean route",
        organisations=[cast.be_ncp.organisation],
        members=[cast.ilo_de_tr, cast.frontex_user],
    )
    italy_group = AccessGroupFactory(
        name="Italian liaison", organisations=[cast.it_ncp.organisation]
    )
    facts = []
    owners = [
        (cast.fr_officer, cast.fr_ncp),
        (cast.de_officer, cast.de_ncp),
        (cast.frontex_user, cast.frontex_ncp),
    ]
    for (author, manager), stage in itertools.product(owners, policy.SHARING_STAGES):
        facts.append(
            alert_facts(alert_in_stage(author=author, manager=manager, stage=stage), stage)
        )
    for (author, manager), stage in itertools.product(owners[:2], policy.SHARING_STAGES):
        facts.append(note_facts(note_in_stage(author=author, manager=manager, stage=stage), stage))
    for audience in ("owner", "groups", "public"):
        alert = alert_in_stage(
            author=cast.fr_officer,
            manager=cast.fr_ncp,
            stage="published",
            audience=audience,
            groups=[mediterranean] if audience == "groups" else (),
            # AMBER never goes to the public (iconet.models.MARKING_AUDIENCES)
            marking="GREEN" if audience == "public" else "AMBER",
        )
        facts.append(alert_facts(alert, "published", light=True))
    disclosures = [
        (
            cast.be_ncp,
            {"target_kind": "organisation", "target_organisation": cast.nl_ncp.organisation},
        ),
        (cast.frontex_user, {"target_kind": "access_group", "target_group": italy_group}),
    ]
    for requester, target in disclosures:
        alert = alert_in_stage(
            author=cast.de_officer,
            manager=cast.de_ncp,
            stage="published",
            audience="groups",
            groups=[mediterranean],
            marking="RED",
        )
        request = disclosure_request_create(
            actor=requester,
            item=alert,
            purpose="Joint risk analysis",
            third_party="",
            **{"target_organisation": None, "target_group": None, **target},
        )
        disclosure_decide(actor=cast.de_ncp, request=request, approve=True, reason="Shared route")
        facts.append(alert_facts(alert, "published", light=True))

    chairs = {}
    semesters = (f"{year}-S{half}" for year in range(2010, 2026) for half in (1, 2))
    plan = []
    for (chair, member, manager), stage in itertools.product(
        [
            (cast.ilo_fr_tr, cast.ilo_de_tr, cast.fr_ncp),
            (cast.ilo_de_tr, cast.ilo_fr_tr, cast.de_ncp),
        ],
        policy.ILO_STAGES,
    ):
        semester = next(semesters)
        chairs[semester] = chair
        plan.append((semester, chair, member, manager, stage))
    network = ilo_network_chaired(chairs=chairs)
    for semester, chair, member, manager, stage in plan:
        report = ilo_report_in_stage(
            network=network,
            semester=semester,
            chair=chair,
            member=member,
            reviewer=cast.commission_admin,
            manager=manager,
            stage=stage,
        )
        facts.append(report_facts(report, stage))
    for (author, manager), stage in itertools.product(owners[:2], policy.SHARING_STAGES):
        problem = return_problem_in_stage(author=author, manager=manager, stage=stage)
        facts.append(return_facts(problem, stage))
        operation = return_operation_in_stage(
            author=author,
            manager=manager,
            stage=stage,
            participant=cast.be_ncp,
            offered=("BE", "NL"),
        )
        facts.append(return_facts(operation, stage))
    facts += workspace_facts(cast)
    return facts


def workspace_facts(cast):
    """A French-managed working party: France's administrator adds, the German officer was
    named to add, Belgium's service is a member; a document and a meeting of it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from iconet.models import Organisation
    from iconet.sharing.access import forget_principals
    from tests.files import png_bytes
    from workspaces import services as workspaces
    from workspaces.models import Contributor, Meeting

    group = AccessGroupFactory(
        name="Matrix working party",
        managing_organisation=Organisation.objects.get(short_name="BP-FR"),
        organisations=[cast.fr_ncp.organisation, cast.be_ncp.organisation],
        members=[cast.de_officer],
    )
    workspaces.contributor_name(actor=cast.fr_admin, group=group, user=cast.de_officer)
    document = workspaces.document_add(
        actor=cast.fr_admin,
        group=group,
        folder=None,
        title="Matrix checklist",
        description="",
        marking="AMBER",
        upload=SimpleUploadedFile("v1.png", png_bytes(), "image/png"),
    )
    starts = timezone.now() + datetime.timedelta(days=3)
    meeting, _invited = workspaces.meeting_create(
        actor=cast.fr_admin,
        group=group,
        meeting=Meeting(
            title="Matrix meeting",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            place="Brussels",
            marking="AMBER",
        ),
        agenda=[],
    )
    # The group is newer than the principals the earlier items kept on the cast's user objects.
    for user in vars(cast).values():
        forget_principals(user)
    adders = frozenset(
        [
            cast.fr_admin.pk,
            *Contributor.objects.filter(group=group).values_list("user_id", flat=True),
        ]
    )
    common = {"workspace_group": group.pk, "workspace_adders": adders}
    return [
        item_facts(document, "published", children={"number": 1}, **common),
        item_facts(
            meeting,
            "published",
            invited=frozenset(meeting.invitations.values_list("user_id", flat=True)),
            **common,
        ),
    ]


# --- the checker ----------------------------------------------------------------------------------


def fingerprint(facts: policy.ItemFacts):
    """The item's row and every row that hangs from it, and its disclosure requests."""
    model = shared_item_models()[facts.type_slug]
    item = model.objects.get(pk=facts.pk)
    rows = [sorted(model.objects.filter(pk=facts.pk).values().first().items())]
    for relation in model._meta.related_objects:
        if relation.one_to_many:
            related = getattr(item, relation.get_accessor_name()).order_by("pk").values()
            rows.append([sorted(row.items()) for row in related])
    rows.append(
        list(
            DisclosureRequest.objects.filter(
                content_type__app_label=model._meta.app_label,
                content_type__model=model._meta.model_name,
                object_id=facts.pk,
            ).values_list("pk", "status")
        )
    )
    return repr(rows)


def item_answers(who: policy.UserFacts, facts: policy.ItemFacts, pages) -> tuple:
    """The policy's answer to every (page, method) of an item for one user: equal tuples mean
    the users must see the same statuses on every page of the item."""
    return tuple(
        (name, method, policy.expected_answer(who, facts, page, method))
        for name, _url, page in pages
        for method in ("GET", "POST")
        if method == "GET" or page.post is not None
    )


def walk_plan(users, facts_of, world_facts, found):
    """(user, item, pages) to request: for each item, one user of each class of users to whom
    the policy answers alike on every page of the item, the one walked least often on the
    item's type so far, and each reader of the item not yet walked on its type (so that every
    role is walked on every type it reads)."""
    walked: Counter[tuple[str, int]] = Counter()
    for facts in world_facts:
        pages = walked_pages(facts, found)
        classes: dict[tuple, list] = {}
        for user in users:
            classes.setdefault(item_answers(facts_of[user.pk], facts, pages), []).append(user)
        for members in classes.values():
            least = min(members, key=lambda u: walked[(facts.type_slug, u.pk)])
            # and every reader of the item not walked on its type yet
            for user in members:
                first = walked[(facts.type_slug, user.pk)] == 0
                if user is least or (first and policy.visible(facts_of[user.pk], facts)):
                    walked[(facts.type_slug, user.pk)] += 1
                    yield user, facts, pages


def walked_pages(facts: policy.ItemFacts, found) -> list:
    """(name, URL, page) the walk requests for an item: every item page of the policy, or for
    an item that differs from another only by its audience, the pages of `LIGHT_PAGES`."""
    return [
        (name, url, page)
        for name, url, page in item_pages(facts, found)
        if not facts.light or name in LIGHT_PAGES
    ]


def matrix_mismatches(users, world_facts, cast, shard=(0, 1)) -> list[str]:
    """Every (role, item, URL, method) whose answer differs from the policy's, and every
    difference between the visibility filter and the policy's visible items.

    The visibility filter is checked for every user and item. The pages are requested as
    `walk_plan` says: for each item, once per distinct set of answers the policy gives (eight
    contact points of other Member States reading a published alert are one class, walked by
    one of them, in turn). A user given alone is walked on every page of every item.
    `shard` (n, of): walk the plan's items at positions n, n + of... (the plan is made over
    every item, so that the shards together walk it once)."""
    found = item_url_patterns()
    pdf_done: set[str] = set()
    # Every POST is rolled back, so an item's rows before each POST are the ones it was made
    # with: they are read once per item.
    before: dict[tuple[str, int], str] = {}
    mismatches = []
    pks_by_type: dict[str, set[int]] = {}
    part, parts = shard
    my_facts = world_facts[part::parts]
    mine = {(f.type_slug, f.pk) for f in my_facts}
    for facts in my_facts:
        pks_by_type.setdefault(facts.type_slug, set()).add(facts.pk)
    facts_of = {}
    for user in users:
        who = facts_of[user.pk] = user_facts(user)
        for type_slug, pks in pks_by_type.items():
            model = shared_item_models()[type_slug]
            expected = {
                f.pk for f in my_facts if f.type_slug == type_slug and policy.visible(who, f)
            }
            got = set(
                model.objects.visible_to(user).filter(pk__in=pks).values_list("pk", flat=True)
            )
            if got != expected:
                mismatches.append(
                    f"{who.name} {type_slug} visible_to: extra {sorted(got - expected)}, "
                    f"missing {sorted(expected - got)}"
                )
    clients = {}
    for user, facts, pages in walk_plan(users, facts_of, world_facts, found):
        if (facts.type_slug, facts.pk) not in mine:
            continue
        who = facts_of[user.pk]
        if user.pk not in clients:
            clients[user.pk] = verified_client(user)
        for name, url, page in pages:
            for method in ("GET", "POST"):
                if method == "POST" and page.post is None:
                    continue
                answer = policy.expected_answer(who, facts, page, method)
                if page.pdf and answer == "ok":
                    if facts.type_slug in pdf_done:
                        continue  # rendering a PDF takes seconds: one allowed export per type
                    pdf_done.add(facts.type_slug)
                client = clients[user.pk]
                problem = request_check(client, facts, page, url, method, answer, cast, before)
                if problem:
                    mismatches.append(f"{who.name} {facts.label} {method} {name} {url}: {problem}")
    return mismatches


# Items that differ from another only by audience or disclosure are checked by the filter and
# by these pages (visibility); their actions are the same as the network-wide item's.
LIGHT_PAGES = {"alerts:detail", "sharing:history", "sharing:reply", "alerts:acknowledge"}


def request_check(client, facts, page, url, method, answer, cast, before) -> str | None:
    if method == "GET":
        try:
            status = client.get(url).status_code
        except Exception as exc:  # noqa: BLE001 - a crash is a mismatch to report, not to stop at
            return f"raised {exc!r}, want {answer}"
        return (
            None
            if policy.answer_matches(answer, method, status)
            else f"got {status}, want {answer}"
        )
    key = (facts.type_slug, facts.pk)
    if key not in before:
        before[key] = fingerprint(facts)
    problem = None
    try:
        with transaction.atomic():
            status = client.post(url, page.post(facts, cast)).status_code
            # An allowed POST may change the item; a refused one must leave it as it was.
            changed = answer != "ok" and fingerprint(facts) != before[key]
            transaction.set_rollback(True)  # each POST is tried on the item as it was made
    except Exception as exc:  # noqa: BLE001
        return f"raised {exc!r}, want {answer}"
    if not policy.answer_matches(answer, method, status):
        problem = f"got {status}, want {answer}"
    elif answer != "ok" and changed:
        problem = f"answered {status} but changed the item"
    return problem


# --- the tests ----------------------------------------------------------------------------------


# The walk in four shards of items, so that they can be walked side by side (pytest-xdist).
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS), ids=[f"shard{n}" for n in range(SHARDS)])
def test_every_item_page_answers_as_the_policy_says(cast, world, shard):
    users = [getattr(cast, role) for role in CAST_ROLES]
    mismatches = matrix_mismatches(users, world, cast, shard=(shard, SHARDS))
    assert mismatches == [], f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


def test_an_author_moved_to_another_organisation_may_no_longer_change(cast, world):
    """fr_officer wrote France's alerts and reports; moved to Germany, the policy gives him
    Germany's rights only."""
    # The account as the next request loads it (principals are kept per request only).
    moved = User.objects.get(pk=cast.fr_officer.pk)
    moved.organisation = cast.de_officer.organisation
    moved.save()
    french = [f for f in world if f.owner_id == cast.fr_ncp.organisation_id]
    mismatches = matrix_mismatches([moved], french, cast)
    assert mismatches == [], f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


def test_a_colleague_of_the_author_reads_but_does_not_change(cast, world):
    """fr_colleague works in the owner organisation with every area, but neither wrote France's
    items nor manages them: the policy lets the colleague read, never change."""
    french = [f for f in world if f.owner_id == cast.fr_ncp.organisation_id]
    mismatches = matrix_mismatches([cast.fr_colleague], french, cast)
    assert mismatches == [], f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


def test_the_users_of_an_inactive_organisation_see_nothing(cast, world):
    Organisation.objects.filter(pk=cast.nl_ncp.organisation_id).update(is_active=False)
    cast.nl_ncp.refresh_from_db()
    mismatches = matrix_mismatches([cast.nl_ncp], world, cast)
    assert mismatches == [], f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


def test_the_matrix_covers_owners_stages_and_every_answer(cast, world):
    owners = {(f.type_slug, f.owner_label) for f in world}
    assert {
        ("alerts.alert", "BP-FR"),
        ("alerts.alert", "BP-DE"),
        ("alerts.alert", "Frontex"),
    } <= owners
    assert {("ilo_reports.iloreport", "BP-FR"), ("ilo_reports.iloreport", "BP-DE")} <= owners
    stages = {(f.type_slug, f.stage) for f in world}
    assert {("alerts.alert", s) for s in policy.SHARING_STAGES} <= stages
    assert {("ilo_reports.iloreport", s) for s in policy.ILO_STAGES} <= stages
    assert set(shared_item_models()) <= {f.type_slug for f in world}
    found = item_url_patterns()
    covered = {name for f in world if not f.light for name, _url, _page in item_pages(f, found)}
    assert covered == set(policy.ITEM_PAGES)
    roles = [user_facts(getattr(cast, role)) for role in CAST_ROLES]
    answers = {
        policy.expected_answer(who, f, page, method)
        for who in roles
        for f in world[::5]
        for _name, _url, page in item_pages(f, found)
        for method in ("GET", "POST")
    }
    assert answers == {"hidden", "forbidden", "method", "ok"}


def test_the_walk_takes_every_role_on_every_type_it_reads(cast, world):
    """The walk requests each page once per class of roles the policy answers alike, one role
    of the class in turn, and every role on every item type where it reads an item."""
    users = [getattr(cast, role) for role in CAST_ROLES]
    facts_of = {user.pk: user_facts(user) for user in users}
    found = item_url_patterns()
    walked = set()
    requests = 0
    for user, facts, pages in walk_plan(users, facts_of, world, found):
        walked.add((facts_of[user.pk].name, facts.type_slug))
        requests += len(item_answers(facts_of[user.pk], facts, pages))
    readers = {
        (who.name, facts.type_slug)
        for who in facts_of.values()
        for facts in world
        if policy.visible(who, facts)
    }
    assert readers - walked == set()
    # what the grouping saves: every role walking every item's pages asked for this many
    every = sum(
        len(item_answers(who, facts, walked_pages(facts, found)))
        for who in facts_of.values()
        for facts in world
    )
    assert requests < every / 2, f"{requests} requests of {every}"


def test_a_mutated_policy_turns_the_matrix_red(cast, world, monkeypatch):
    """Mutation test of the matrix itself: let any member of the owner organisation publish,
    change, withdraw and decide; the matrix must report it."""
    original = SharedItem.allows

    def mutant(self, user, action):
        if action in (
            "publish",
            "change",
            "withdraw",
            "decide_disclosure",
        ) and self.is_owner_member(user):
            return True
        return original(self, user, action)

    monkeypatch.setattr(SharedItem, "allows", mutant)
    french_alerts = [
        f
        for f in world
        if f.owner_id == cast.fr_ncp.organisation_id
        and f.type_slug == "alerts.alert"
        and f.stage in ("draft", "published")
        and not f.light
    ]
    mismatches = matrix_mismatches([cast.fr_no_area, cast.fr_officer], french_alerts, cast)
    officer = [m for m in mismatches if m.startswith("fr_officer ")]
    assert any(" sharing:publish " in m and "want forbidden" in m for m in officer), mismatches
    assert any(" sharing:state " in m and "want forbidden" in m for m in officer), mismatches
    assert not [m for m in mismatches if not m.startswith("fr_officer ")]


def test_no_item_page_answers_before_sign_in_and_the_second_factor(cast, world):
    """Every item page of the policy, for real items of every type (their own child rows
    included): a visitor is sent to sign in, and a contact point of the owner who signed in
    with a password only is sent to the second factor, for GET and POST alike."""
    from django.test import Client

    found = item_url_patterns()
    unverified = Client()
    unverified.force_login(cast.fr_ncp)  # no second factor passed in this session
    # fr_ncp has no authenticator yet: the second factor starts with its setup.
    clients = {"accounts:login": Client(), "accounts:otp_setup": unverified}
    french = [f for f in world if f.owner_id == cast.fr_ncp.organisation_id and not f.light]
    asked = set()
    wrong = []
    for facts in french:
        for name, url, _page in item_pages(facts, found):
            asked.add(name)
            for target, client in clients.items():
                for method in ("get", "post"):
                    response = getattr(client, method)(url)
                    location = response.get("Location", "")
                    if response.status_code != 302 or not location.startswith(reverse(target)):
                        wrong.append(f"{target} {method} {name} {url}: {response.status_code}")
    assert asked == set(policy.ITEM_PAGES)
    assert wrong == []
