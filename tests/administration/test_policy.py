"""Who may see which administration page and do which action: a walk of every URL pattern
of the `administration` namespace (read from the URL resolver, with the pks of real objects)
by each role of the cast, against a policy table written here by hand, not derived from code.

Administration pages are for administrators (403 for everyone else); a national
administrator's scope is his own organisation's users and the access groups it manages
(404 outside it); organisations are the Commission's. The contact point directory and one's
own account are for every signed-in user.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from iconet.directory.services import access_changes
from iconet.models import AccessChangeRequest, AccessGroup, User

from .conftest import REASON

ROLES = [
    "fr_officer",
    "fr_ncp",
    "fr_admin",
    "de_ncp",
    "commission_admin",
    "frontex_user",
    "ilo_fr_tr",
]
ADMINS = {"fr_admin", "commission_admin"}
EVERYONE = set(ROLES)
COMMISSION = {"commission_admin"}

# URL name -> (roles who get the page with 200; the status everyone else gets).
# POST-only URLs answer 405 to GET for those who pass the role check.
GET_POLICY = {
    "index": (ADMINS, 403),
    "users": (ADMINS, 403),
    "user_invite": (ADMINS, 403),
    "user": (ADMINS, 403),
    "user_deactivate": (ADMINS, 403),
    "user_otp_reset": (ADMINS, 403),
    "user_reinvite": (set(), 403),  # POST only: 405 for administrators
    "groups": (ADMINS, 403),
    "group_create": (COMMISSION, 403),
    "group": (ADMINS, 403),
    "group_member_add": (ADMINS, 403),
    "group_organisation_add": (ADMINS, 403),
    "membership": (ADMINS, 403),
    "group_deactivate": (ADMINS, 403),
    "organisations": (COMMISSION, 403),
    "organisation_create": (COMMISSION, 403),
    "organisation": (COMMISSION, 403),
    "organisation_deactivate": (COMMISSION, 403),
    "contact_points": (EVERYONE, 403),
    "account_password": (EVERYONE, 403),
    "account_sessions": (EVERYONE, 403),
    "account_session_revoke": (set(), 405),  # POST only, one's own sessions
    "user_reactivate": (ADMINS, 403),
    # The register: administrators and contact points (of their organisation's changes).
    "access_changes": (ADMINS | {"fr_ncp", "de_ncp"}, 403),
    # A French request about fr_officer: the Commission, France's administrator and contact
    # point read it, and the officer it concerns.
    "access_change": ({"commission_admin", "fr_admin", "fr_ncp", "fr_officer"}, 404),
}
POST_ONLY = {"user_reinvite": ADMINS, "account_session_revoke": EVERYONE}


def administration_patterns() -> list[URLPattern]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "administration":
            return list(entry.url_patterns)
    raise AssertionError("no administration namespace")


def url_kwargs(pattern: URLPattern, objects, cast) -> dict:
    """Real objects for each converter: an FR user, the FR-managed group, a membership..."""
    name = pattern.name
    converters = set(pattern.pattern.converters)
    kwargs = {}
    if "pk" in converters:
        if name == "access_change":
            kwargs["pk"] = access_changes.access_change_request(
                actor=cast.commission_admin,
                kind="areas",
                organisation=objects.fr,
                user=cast.fr_officer,
                payload={"changes": {"areas": ["alerts"]}},
                reason=REASON,
            ).pk
        elif name.startswith("user"):
            kwargs["pk"] = cast.fr_officer.pk
        elif name.startswith("organisation"):
            kwargs["pk"] = objects.de.pk
        elif name.startswith("account_session"):
            kwargs["pk"] = 10**9  # nobody's session
        else:
            kwargs["pk"] = objects.fr_group.pk
    if "kind" in converters:
        kwargs["kind"] = "users"
    if "membership_pk" in converters:
        kwargs["membership_pk"] = objects.member.pk
    return kwargs


def test_the_policy_table_covers_every_administration_page():
    assert {p.name for p in administration_patterns()} == set(GET_POLICY)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_the_pages_the_policy_gives_it(
    role, cast, admin_objects, client_for
):
    client = client_for(getattr(cast, role))
    outcome = {}
    for pattern in administration_patterns():
        url = reverse(
            f"administration:{pattern.name}", kwargs=url_kwargs(pattern, admin_objects, cast)
        )
        outcome[pattern.name] = client.get(url).status_code
    expected = {}
    for name, (allowed, otherwise) in GET_POLICY.items():
        if name in POST_ONLY:
            expected[name] = 405 if role in POST_ONLY[name] else otherwise
        else:
            expected[name] = 200 if role in allowed else otherwise
    assert outcome == expected


def test_anonymous_visitors_are_sent_to_sign_in(cast, admin_objects, client):
    for pattern in administration_patterns():
        url = reverse(
            f"administration:{pattern.name}", kwargs=url_kwargs(pattern, admin_objects, cast)
        )
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"], url


def test_a_national_administrator_gets_404_outside_his_organisation(
    cast, admin_objects, client_for
):
    client = client_for(cast.fr_admin)
    membership = admin_objects.ec_group.member_rows.create(user=cast.de_ncp)
    for url in [
        reverse("administration:user", args=[cast.de_officer.pk]),
        reverse("administration:user_deactivate", args=[cast.de_officer.pk]),
        reverse("administration:user_otp_reset", args=[cast.de_officer.pk]),
        reverse("administration:group", args=[admin_objects.ec_group.pk]),
        reverse("administration:group_member_add", args=[admin_objects.ec_group.pk]),
        reverse(
            "administration:membership", args=[admin_objects.ec_group.pk, "users", membership.pk]
        ),
    ]:
        assert client.get(url).status_code == 404, url
    # ...and a membership of another group through the URL of his own: 404 too.
    foreign = reverse(
        "administration:membership", args=[admin_objects.fr_group.pk, "users", membership.pk]
    )
    assert client.get(foreign).status_code == 404
    # The Commission reaches all of them.
    commission = client_for(cast.commission_admin)
    assert (
        commission.get(reverse("administration:user", args=[cast.de_officer.pk])).status_code == 200
    )
    assert (
        commission.get(
            reverse("administration:group", args=[admin_objects.ec_group.pk])
        ).status_code
        == 200
    )


def test_lists_show_only_what_the_administrator_manages(cast, admin_objects, client_for):
    fr_list = client_for(cast.fr_admin).get(reverse("administration:users")).content.decode()
    assert "fr_officer" in fr_list and "de_officer" not in fr_list
    groups = client_for(cast.fr_admin).get(reverse("administration:groups")).content.decode()
    assert "FR-NL bilateral" in groups and "Commission task force" not in groups
    everyone = (
        client_for(cast.commission_admin).get(reverse("administration:users")).content.decode()
    )
    assert "fr_officer" in everyone and "de_officer" in everyone


# Actions: (role, the POST, whether it takes effect). Refused actions change nothing.
def _invite(client, objects):
    return client.post(
        reverse("administration:user_invite"),
        {
            "username": "new_fr",
            "first_name": "Nouveau",
            "last_name": "Agent",
            "email": "new_fr@example.test",
            "organisation": objects.fr.pk,
            "role": "officer",
            "areas": ["alerts"],
            "reason": REASON,
        },
    )


def _add_member(client, objects, user):
    return client.post(
        reverse("administration:group_member_add", args=[objects.fr_group.pk]),
        {
            "user": user.pk,
            "reason": REASON,
        },
    )


def _create_group(client):
    return client.post(
        reverse("administration:group_create"), {"name": "New group", "description": "x"}
    )


@pytest.mark.parametrize(
    "role, may_invite, may_add_member, may_create_group",
    [
        ("fr_officer", False, False, False),
        ("fr_ncp", False, False, False),
        ("fr_admin", True, True, False),
        ("de_ncp", False, False, False),
        ("commission_admin", True, True, True),
        ("frontex_user", False, False, False),
        ("ilo_fr_tr", False, False, False),
    ],
)
def test_each_role_may_do_exactly_the_actions_the_policy_gives_it(
    role,
    may_invite,
    may_add_member,
    may_create_group,
    cast,
    admin_objects,
    client_for,
):
    client = client_for(getattr(cast, role))
    # Administrators ask; nothing takes effect before a second administrator approves.
    response = _invite(client, admin_objects)
    asked = AccessChangeRequest.objects.filter(payload__account__username="new_fr")
    assert asked.exists() is may_invite
    assert not User.objects.filter(username="new_fr").exists()
    assert response.status_code == (302 if may_invite else 403)
    response = _add_member(client, admin_objects, cast.it_ncp)
    asked = AccessChangeRequest.objects.filter(kind="group_member", user=cast.it_ncp)
    assert asked.exists() is may_add_member
    assert not admin_objects.fr_group.member_rows.filter(user=cast.it_ncp).exists()
    assert response.status_code == (302 if may_add_member else 403)
    response = _create_group(client)
    assert AccessGroup.objects.filter(name="New group").exists() is may_create_group
    assert response.status_code == (302 if may_create_group else 403)


def test_a_national_administrator_cannot_invite_into_another_organisation(
    cast, admin_objects, client_for
):
    response = client_for(cast.fr_admin).post(
        reverse("administration:user_invite"),
        {
            "username": "new_de",
            "first_name": "Neu",
            "last_name": "Beamter",
            "email": "new_de@example.test",
            "organisation": admin_objects.de.pk,
            "role": "officer",
            "reason": REASON,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="new_de").exists()
    assert "There is a problem" in response.content.decode()


def test_a_national_administrator_cannot_make_a_commission_administrator(
    cast, admin_objects, client_for
):
    client = client_for(cast.fr_admin)
    response = client.post(
        reverse("administration:user", args=[cast.fr_officer.pk]),
        {
            "first_name": "A",
            "last_name": "B",
            "email": "fr_officer@example.test",
            "organisation": admin_objects.fr.pk,
            "role": "commission_admin",
            "areas": ["alerts"],
            "reason": REASON,
        },
    )
    assert response.status_code == 200
    cast.fr_officer.refresh_from_db()
    assert cast.fr_officer.role == "officer"
