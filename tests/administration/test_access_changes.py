"""Two people for every change that can let someone read: each administration action that
gives access ends in a pending request that its requester (and the person concerned) cannot
approve, a second administrator of the right kind approves it, and the people concerned are
told, in their language, in the portal and by mail.

The generated test walks every URL pattern of the administration and every URL of an area
that records network membership (postings): each is either an action that gives access,
with the request it must produce, or named in NO_ACCESS_GIVEN with why. A new pattern that is
in neither fails the classification test.
"""

from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from iconet.directory.services import access_changes
from iconet.models import (
    AccessChangeRequest,
    AccessGroupMember,
    AccessGroupOrganisation,
    EmailDelivery,
    Notification,
    Organisation,
    User,
)
from tests.factories import UserFactory

from .conftest import REASON
from .test_policy import administration_patterns

# Pages that change no one's reading access, and why.
NO_ACCESS_GIVEN = {
    "index": "reads counts",
    "users": "reads the users managed",
    "user_deactivate": "takes access away (told to the organisation's administrators)",
    "user_reinvite": "a new link for an approved account that has never signed in",
    "groups": "reads the groups managed",
    "group_create": "an empty group gives nobody access",
    "group": "a group's description and manager: managing is not reading",
    "group_deactivate": "takes access away",
    "organisations": "reads",
    "organisation_create": "an organisation without users gives nobody access",
    "organisation": "reads",
    "organisation_deactivate": "offers the organisation no more; its users keep their access",
    "contact_points": "reads the directory",
    "account_password": "one's own password",
    "account_sessions": "one's own sessions",
    "account_session_revoke": "ends one's own session",
    "access_changes": "reads the register",
    "access_change": "decides a request (tested here)",
}
# Pages that give access: the case below that exercises each one.
ACCESS_GIVING = {
    "user_invite": ["account"],
    "user": ["areas", "contact_point", "role", "administrator", "organisation", "email"],
    "user_otp_reset": ["second_factor_reset"],
    "user_reactivate": ["reactivation"],
    "group_member_add": ["group_member"],
    "group_organisation_add": ["group_organisation"],
    "membership": ["membership_end"],
    "ilo_reports:posting_add": ["network_member"],
    "ilo_reports:posting_edit": ["network_member_edit"],
    "api_client_new": ["api_client"],
    "webhook_endpoint_new": ["webhook_endpoint"],
}
# Pages outside the administration's namespace that give access.
AREA_ACCESS_URLS = {
    "ilo_reports:posting_add",
    "ilo_reports:posting_edit",
    "api_client_new",
    "webhook_endpoint_new",
}


def test_every_administration_page_is_classified():
    names = {pattern.name for pattern in administration_patterns()}
    assert names == set(NO_ACCESS_GIVEN) | (set(ACCESS_GIVING) - AREA_ACCESS_URLS)
    assert not set(NO_ACCESS_GIVEN) & set(ACCESS_GIVING)


def test_every_kind_of_change_is_in_the_table_and_exercised():
    exercised = {case for cases in ACCESS_GIVING.values() for case in cases}
    kinds = {CASES[case].kind for case in exercised}
    assert kinds == set(AccessChangeRequest.Kind.values) == set(access_changes.ACCESS_CHANGE_KINDS)


@pytest.fixture
def world(cast, admin_objects):
    """France has two national administrators, so France's changes are approved in France."""
    fr_admin2 = UserFactory(
        username="fr_admin2",
        organisation=admin_objects.fr,
        role="national_admin",
        email="fr_admin2@example.test",
        language="fr",
    )
    User.objects.filter(pk=cast.fr_officer.pk).update(language="fr")
    cast.fr_officer.refresh_from_db()
    return SimpleNamespace(cast=cast, objects=admin_objects, fr_admin2=fr_admin2)


def _details(user, **changes):
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "job_title": user.job_title,
        "phone": user.phone,
        "organisation": user.organisation_id,
        "role": user.role,
        "areas": list(user.areas),
        "ncp_areas": list(user.ncp_areas),
        "reason": REASON,
    }
    data.update(changes)
    return data


def _posting(officer, organisation):
    return {
        "deploying_organisation": organisation.pk,
        "deploying_authority": "Police aux frontières",
        "officer": officer.pk,
        "officer_type": "ilo",
        "host_country": "TR",
        "posted_at": "embassy",
        "start_date": "2024-09-01",
        "languages": "fr",
    }


class Case(SimpleNamespace):
    """requester, url, data, person (concerned), approver, effect() -> applied?"""


def _case_account(w):
    return Case(
        kind="account",
        requester=w.cast.fr_admin,
        url=reverse("administration:user_invite"),
        data={
            "username": "puppet",
            "first_name": "Pierre",
            "last_name": "Pantin",
            "email": "puppet@example.test",
            "organisation": w.objects.fr.pk,
            "role": "officer",
            "areas": ["alerts", "ilo", "documents", "returns"],
            "reason": REASON,
        },
        person=None,
        told=[w.fr_admin2],
        approver=w.fr_admin2,
        effect=lambda: User.objects.filter(username="puppet").exists(),
    )


def _user_case(kind, w, requester=None, approver=None, **changes):
    officer = w.cast.fr_officer
    return Case(
        kind=kind,
        requester=requester or w.cast.fr_admin,
        url=reverse("administration:user", args=[officer.pk]),
        data=_details(officer, **changes),
        person=officer,
        told=[officer],
        approver=approver or w.fr_admin2,
        effect=lambda: _changed(officer, changes),
    )


def _changed(user, changes) -> bool:
    fresh = User.objects.get(pk=user.pk)
    for field, value in changes.items():
        current = fresh.organisation_id if field == "organisation" else getattr(fresh, field)
        if field in ("areas", "ncp_areas"):
            if sorted(current) != sorted(value):
                return False
        elif current != value:
            return False
    return True


def _case_areas(w):
    return _user_case("areas", w, areas=["alerts"])


def _case_contact_point(w):
    return _user_case("contact_point", w, ncp_areas=["alerts"])


def _case_role(w):
    return _user_case("role", w, role="ilo")


def _case_administrator(w):
    return _user_case("administrator", w, role="national_admin")


def _case_organisation(w):
    # Only the Commission moves a user; Belgium has no national administrator, so a second
    # Commission administrator approves and Belgium's contact points are told.
    ec2 = UserFactory(
        username="ec_admin2",
        organisation=w.cast.commission_admin.organisation,
        role="commission_admin",
    )
    be = Organisation.objects.get(short_name="BP-BE")
    case = _user_case(
        "organisation", w, requester=w.cast.commission_admin, approver=ec2, organisation=be.pk
    )
    case.told = [w.cast.fr_officer, w.cast.fr_admin, w.fr_admin2, w.cast.be_ncp]
    return case


def _case_email(w):
    officer = w.cast.fr_officer
    case = _user_case("email", w, email="someone.else@example.test")
    # Approval sends a link to the new address; only that link makes the change.
    case.effect = lambda: EmailDelivery.objects.filter(
        to_email="someone.else@example.test", key__startswith="email-confirm:"
    ).exists()
    case.after = lambda: User.objects.get(pk=officer.pk).email == officer.email
    return case


def _case_second_factor_reset(w):
    officer = w.cast.fr_officer
    TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    return Case(
        kind="second_factor_reset",
        requester=w.cast.fr_admin,
        url=reverse("administration:user_otp_reset", args=[officer.pk]),
        data={"reason": REASON, "confirm": "on"},
        person=officer,
        told=[officer],
        approver=w.fr_admin2,
        effect=lambda: not TOTPDevice.objects.filter(user=officer).exists(),
        after=lambda: EmailDelivery.objects.filter(
            recipient=officer, to_email=officer.email, key__startswith="second-factor-reset:"
        ).exists(),
    )


def _case_reactivation(w):
    officer = w.cast.fr_officer
    User.objects.filter(pk=officer.pk).update(is_active=False)
    officer.refresh_from_db()
    return Case(
        kind="reactivation",
        requester=w.cast.fr_admin,
        url=reverse("administration:user_reactivate", args=[officer.pk]),
        data={"reason": REASON},
        person=officer,
        told=[officer],
        approver=w.fr_admin2,
        effect=lambda: User.objects.get(pk=officer.pk).is_active,
    )


def _case_group_member(w):
    return Case(
        kind="group_member",
        requester=w.cast.fr_admin,
        url=reverse("administration:group_member_add", args=[w.objects.fr_group.pk]),
        data={"user": w.cast.fr_no_area.pk, "reason": REASON},
        person=w.cast.fr_no_area,
        told=[w.cast.fr_no_area],
        approver=w.fr_admin2,
        effect=lambda: AccessGroupMember.objects.filter(user=w.cast.fr_no_area).exists(),
    )


def _case_group_organisation(w):
    be = Organisation.objects.get(short_name="BP-BE")
    return Case(
        kind="group_organisation",
        requester=w.cast.fr_admin,
        url=reverse("administration:group_organisation_add", args=[w.objects.fr_group.pk]),
        data={"organisation": be.pk, "reason": REASON},
        person=None,
        # Belgium has no national administrator: its contact points hear of it.
        told=[w.cast.be_ncp],
        approver=w.cast.commission_admin,
        effect=lambda: AccessGroupOrganisation.objects.filter(organisation=be).exists(),
    )


def _case_membership_end(w):
    member = w.objects.member  # de_officer in the FR-NL group
    return Case(
        kind="membership_end",
        requester=w.cast.fr_admin,
        url=reverse("administration:membership", args=[w.objects.fr_group.pk, "users", member.pk]),
        data={"ends_on": "2099-01-01", "reason": REASON},
        person=w.cast.de_officer,
        told=[w.cast.de_officer],
        # Germany has no national administrator here: the Commission approves.
        approver=w.cast.commission_admin,
        effect=lambda: str(AccessGroupMember.objects.get(pk=member.pk).ends_on) == "2099-01-01",
    )


def _case_network_member(w):
    from ilo_reports.models import Network

    network = Network.objects.create(name="Türkiye", host_country="TR")
    newcomer = UserFactory(username="ilo_fr_new", organisation=w.objects.fr, role="ilo")
    return Case(
        kind="network_member",
        requester=w.cast.fr_admin,
        url=reverse("ilo_reports:posting_add"),
        data=_posting(newcomer, w.objects.fr),
        person=newcomer,
        told=[newcomer],
        approver=w.fr_admin2,
        effect=lambda: network.has_member(newcomer),
    )


def _case_network_member_edit(w):
    from ilo_reports.models import Network, Posting

    network = Network.objects.create(name="Maroc", host_country="MA")
    officer = w.cast.ilo_fr_tr
    posting = Posting.objects.create(
        deploying_organisation=w.objects.fr,
        deploying_authority="PAF",
        officer=officer,
        officer_type="ilo",
        host_country="TR",
        posted_at="embassy",
        start_date="2024-01-01",
    )
    data = _posting(officer, w.objects.fr)
    data["accredited_countries"] = ["MA"]
    return Case(
        kind="network_member",
        requester=w.cast.fr_admin,
        url=reverse("ilo_reports:posting_edit", args=[posting.pk]),
        data=data,
        person=officer,
        told=[officer],
        approver=w.fr_admin2,
        effect=lambda: network.has_member(officer),
    )


def _case_api_client(w):
    from iconet.api.models import ApiClient

    return Case(
        kind="api_client",
        requester=w.cast.fr_admin,
        url=reverse("api_client_new"),
        data={
            "name": "Case system of the border police",
            "areas": ["alerts", "documents"],
            "actions": ["read"],
            "expires_on": "2099-01-01",
            "allowed_networks": "",
        },
        status=200,  # the key is shown on the answer, once
        # The client's account has no address: the organisation's administrators are told.
        person=None,
        told=[w.fr_admin2],
        approver=w.fr_admin2,
        effect=lambda: ApiClient.objects.filter(
            name="Case system of the border police", user__is_active=True
        ).exists(),
    )


def _case_webhook_endpoint(w):
    from datetime import timedelta

    from django.utils import timezone

    from iconet.api.models import WebhookEndpoint
    from iconet.api.services import api_client_create

    client, _key = api_client_create(
        actor=w.cast.fr_admin,
        organisation_id=w.objects.fr.pk,
        name="Case system receiving events",
        areas=["alerts"],
        actions=["read"],
        expires_at=timezone.now() + timedelta(days=30),
    )
    made = AccessChangeRequest.objects.get(user=client.user, kind="api_client")
    access_changes.access_change_decide(actor=w.fr_admin2, request=made, approve=True)
    url = "https://cases.example.test/hook"
    return Case(
        kind="webhook_endpoint",
        requester=w.cast.fr_admin,
        url=reverse("webhook_endpoint_new", args=[client.pk]),
        data={"url": url, "events": ["item.published"]},
        status=200,  # the signing secret is shown on the answer, once
        person=None,
        told=[w.fr_admin2],
        approver=w.fr_admin2,
        effect=lambda: WebhookEndpoint.objects.filter(url=url, is_active=True).exists(),
    )


CASES = {
    name[len("_case_") :]: SimpleNamespace(build=builder, kind=None)
    for name, builder in list(globals().items())
    if name.startswith("_case_")
}
for _name, _entry in CASES.items():
    _entry.kind = {
        "network_member_edit": "network_member",
    }.get(_name, _name)


def _decide(client, change, decision="approve"):
    return client.post(
        reverse("administration:access_change", args=[change.pk]),
        {"decision": decision, "reason": "Checked with the head of unit"},
    )


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_each_change_of_access_needs_a_second_different_approver_and_is_told(
    case_name, world, client_for, django_capture_on_commit_callbacks
):
    case = CASES[case_name].build(world)
    before = set(AccessChangeRequest.objects.values_list("pk", flat=True))
    notified_before = set(Notification.objects.values_list("pk", flat=True))
    requester = client_for(case.requester)
    response = requester.post(case.url, case.data)
    # A page that shows a secret once answers it at once instead of redirecting.
    assert response.status_code == getattr(case, "status", 302), response.content.decode()[-3000:]
    # Nothing changed yet: one pending request of the expected kind.
    assert not case.effect()
    change = AccessChangeRequest.objects.exclude(pk__in=before).get()
    assert (change.kind, change.status) == (CASES[case_name].kind, "pending")
    assert change.requested_by == case.requester
    # The requester cannot approve it, not even by a crafted POST...
    assert _decide(requester, change).status_code == 403
    # ...nor can the person concerned (outside the register: 404; inside it: 403).
    if case.person is not None and case.person.is_active:
        assert _decide(client_for(case.person), change).status_code in (403, 404)
    # ...nor an administrator the rule does not name: France has a second national
    # administrator, so the Commission does not decide France's changes.
    if case.approver == world.fr_admin2:
        assert _decide(client_for(world.cast.commission_admin), change).status_code == 403
    change.refresh_from_db()
    assert change.status == "pending" and not case.effect()
    # Those concerned were told in the portal and by mail; never the requester alone.
    told = Notification.objects.exclude(pk__in=notified_before)
    told_ids = set(told.values_list("recipient_id", flat=True))
    assert told_ids - {case.requester.pk}
    for person in case.told:
        assert person.pk in told_ids, person
        assert EmailDelivery.objects.filter(recipient=person).exists(), person
    assert case.approver.pk in told_ids
    # The person concerned reads it in their language.
    if case.person is not None and case.person.language == "fr":
        title = told.filter(recipient=case.person).first().title
        assert "accès" in title, title
    # A second administrator named by the rule approves, and finds it on his home page.
    assert access_changes.may_approve(case.approver, change)
    assert change in access_changes.requests_waiting_for(case.approver)
    assert change not in access_changes.requests_waiting_for(case.requester)
    home = client_for(case.approver).get(reverse("home")).content.decode()
    assert reverse("administration:access_change", args=[change.pk]) in home
    with django_capture_on_commit_callbacks():
        assert _decide(client_for(case.approver), change).status_code == 302
    change.refresh_from_db()
    assert change.status == "approved" and change.decided_by == case.approver
    assert case.effect()
    if hasattr(case, "after"):
        assert case.after()
    # The requester is told of the decision.
    assert Notification.objects.filter(
        recipient=case.requester, url__endswith=f"/access-changes/{change.pk}/"
    ).exists()


def test_a_refusal_needs_a_reason_changes_nothing_and_is_told(world, client_for):
    case = _case_areas(world)
    client_for(case.requester).post(case.url, case.data)
    change = AccessChangeRequest.objects.get()
    approver = client_for(case.approver)
    page = approver.post(
        reverse("administration:access_change", args=[change.pk]), {"decision": "refuse"}
    )
    # The second French administrator reads the portal in French.
    assert "Indiquez pourquoi vous refusez ce changement." in page.content.decode()
    assert _decide(approver, change, "refuse").status_code == 302
    change.refresh_from_db()
    assert change.status == "refused" and not case.effect()
    assert Notification.objects.filter(recipient=case.requester, title__contains="refused").exists()
    # A decided request is decided once.
    assert _decide(approver, change).status_code == 403


def test_the_database_refuses_a_request_decided_by_its_requester_or_the_person(world):
    change = access_changes.access_change_request(
        actor=world.cast.fr_admin,
        kind="areas",
        organisation=world.objects.fr,
        user=world.cast.fr_officer,
        payload={"changes": {"areas": ["alerts"]}},
        reason=REASON,
    )
    for who in (world.cast.fr_admin, world.cast.fr_officer):
        with pytest.raises(IntegrityError), transaction.atomic():
            AccessChangeRequest.objects.filter(pk=change.pk).update(decided_by=who)


def test_the_readme_table_names_every_kind_of_change():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("### Changes of access: two people")[1].split("**State rule**")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "(`" in line][1:]
    named = {line.split("(`")[1].split("`)")[0] for line in rows}
    assert named == set(access_changes.ACCESS_CHANGE_KINDS)


# The services that make a change of access, and the modules that may call them: the
# approval (and the area's posting applier that it calls) and the directory itself.
APPLYING_SERVICES = (
    "user_invite(",
    "user_update(",
    "group_member_add(",
    "group_organisation_add(",
    "membership_end_set(",
    "user_second_factor_reset(",
    "posting_save(",
)
MAY_APPLY = {
    "iconet/directory/services/access_changes.py",
    "iconet/directory/services/directory.py",
    "ilo_reports/services.py",
}


def test_only_an_approval_calls_the_services_that_give_access():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    callers = set()
    for app in ("iconet", "alerts", "ilo_reports", "documents", "returns"):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for line in path.read_text().splitlines():
                code = line.strip()
                if code.startswith(("def ", "#")):
                    continue
                if any(name in code for name in APPLYING_SERVICES):
                    callers.add(str(path.relative_to(root)))
    assert callers <= MAY_APPLY, callers - MAY_APPLY


def test_an_approval_after_the_requester_lost_his_scope_is_refused_with_a_reason(world, client_for):
    case = _case_areas(world)
    client_for(case.requester).post(case.url, case.data)
    change = AccessChangeRequest.objects.get()
    User.objects.filter(pk=case.requester.pk).update(is_active=False)
    page = _decide(client_for(case.approver), change)
    assert page.status_code == 200
    change.refresh_from_db()
    assert change.status == "pending" and not case.effect()


def test_the_register_and_the_home_page_cost_the_same_queries_for_more_requests(
    world, client_for, django_assert_max_num_queries
):
    def ask(n):
        for _ in range(n):
            access_changes.access_change_request(
                actor=world.cast.fr_admin,
                kind="role",
                organisation=world.objects.fr,
                user=world.cast.fr_officer,
                payload={"changes": {"role": "ilo"}},
                reason=REASON,
            )

    client = client_for(world.fr_admin2)
    ask(2)
    with django_assert_max_num_queries(80) as few:
        client.get(reverse("administration:access_changes"))
        client.get(reverse("home"))
    ask(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("administration:access_changes"))
        home = client.get(reverse("home"))
    assert len(page.context["changes"]) == 12
    assert len(home.context["access_requests"]) == 12
