"""The two serious faults found in Django's raw admin, as regression tests of the portal's own
administration (Django's admin itself is left to the technical superuser only):

1. the user form showed the password hash in an editable box and stored what was typed;
2. an administrator could give himself read access (join a group, move to another state's
   organisation, join an ILO network).

Separation of duties is enforced in iconet.directory.services.directory, so the services are tested
as well as the pages: every page and command goes through them.
"""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from iconet.directory.services import directory
from iconet.models import AccessGroupMember, Area, Notification, Organisation
from ilo_reports.models import Network, Posting
from ilo_reports.services import posting_save
from tests.factories import PASSWORD
from tests.items import item_make

from .conftest import REASON, approved


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


@pytest.mark.parametrize("admin", ["fr_admin", "commission_admin"])
def test_the_user_page_never_shows_or_accepts_a_password(admin, cast, admin_objects, client_for):
    target = cast.fr_officer
    stored_hash = target.password
    client = client_for(getattr(cast, admin))
    page = client.get(reverse("administration:user", args=[target.pk])).content.decode()
    assert stored_hash not in page
    assert stored_hash.split("$")[0] not in page  # not even the algorithm of the hash
    assert 'type="password"' not in page and 'name="password"' not in page
    chosen = make_password("a password the administrator knows")
    response = client.post(
        reverse("administration:user", args=[target.pk]),
        _details(
            target,
            password=chosen,
            job_title="Analyst",
        ),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.job_title == "Analyst"  # the form was saved...
    assert target.password == stored_hash  # ...but the password was not touched
    assert target.check_password(PASSWORD)
    assert not target.check_password("a password the administrator knows")


def test_the_invitation_form_has_no_password_either(cast, client_for):
    page = client_for(cast.fr_admin).get(reverse("administration:user_invite")).content.decode()
    assert 'type="password"' not in page and 'name="password' not in page


def test_an_administrator_cannot_add_himself_to_an_access_group(cast, admin_objects, client_for):
    red = item_make(
        "alerts.alert",
        author=cast.nl_ncp,
        audience="groups",
        groups=[admin_objects.fr_group],
        marking="RED",
    )
    client = client_for(cast.commission_admin)
    response = client.post(
        reverse("administration:group_member_add", args=[admin_objects.fr_group.pk]),
        {
            "user": cast.commission_admin.pk,
            "reason": REASON,
        },
    )
    assert response.status_code == 200
    assert (
        "You cannot add yourself to an access group: that would give you access."
        in response.content.decode()
    )
    assert not AccessGroupMember.objects.filter(user=cast.commission_admin).exists()
    assert not type(red).objects.visible_to(cast.commission_admin).filter(pk=red.pk).exists()
    with pytest.raises(ValidationError):
        directory.group_member_add(
            actor=cast.fr_admin, group=admin_objects.fr_group, user=cast.fr_admin, reason=REASON
        )


def test_an_administrator_cannot_add_his_own_organisation_to_an_access_group(
    cast, admin_objects, client_for
):
    response = client_for(cast.fr_admin).post(
        reverse("administration:group_organisation_add", args=[admin_objects.fr_group.pk]),
        {"organisation": admin_objects.fr.pk, "reason": REASON},
    )
    assert "You cannot add your own organisation to an access group" in response.content.decode()
    assert not admin_objects.fr_group.organisation_rows.filter(
        organisation=admin_objects.fr
    ).exists()


def test_an_administrator_cannot_move_his_own_account_to_another_organisation(
    cast, admin_objects, client_for
):
    draft = item_make("alerts.alert", author=cast.de_ncp, state="draft")
    admin = cast.commission_admin
    response = client_for(admin).post(
        reverse("administration:user", args=[admin.pk]),
        _details(
            admin,
            organisation=admin_objects.de.pk,
            role="officer",
        ),
    )
    # His own access is read-only on the page: a forged value is ignored, never saved.
    assert response.status_code in (200, 302)
    admin.refresh_from_db()
    assert admin.organisation.kind == Organisation.Kind.COMMISSION
    assert not type(draft).objects.visible_to(admin).filter(pk=draft.pk).exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"areas": ["alerts"]},
        {"ncp_areas": list(Area.values)},
        {"role": "officer"},
    ],
)
def test_nobody_changes_his_own_role_or_areas(changes, cast, client_for):
    admin = cast.fr_admin
    before = (admin.role, list(admin.areas), list(admin.ncp_areas))
    response = client_for(admin).post(
        reverse("administration:user", args=[admin.pk]), _details(admin, **changes)
    )
    assert response.status_code in (200, 302)  # read-only fields: a forged value is ignored
    admin.refresh_from_db()
    assert (admin.role, list(admin.areas), list(admin.ncp_areas)) == before


def test_an_administrator_still_edits_his_own_contact_details(cast, client_for):
    admin = cast.fr_admin
    response = client_for(admin).post(
        reverse("administration:user", args=[admin.pk]),
        _details(
            admin,
            phone="+33 1 23 45 67 89",
        ),
    )
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.phone == "+33 1 23 45 67 89"


def test_an_administrator_cannot_join_an_ilo_network(cast, admin_objects, client_for):
    network = Network.objects.create(name="Türkiye", host_country="TR")
    report = item_make(
        "ilo_reports.iloreport", author=cast.ilo_fr_tr, state="draft", network=network
    )
    admin = cast.commission_admin
    # Not through the network's access group...
    network_group = network.access_group
    with pytest.raises(ValidationError, match="follow the officers' postings"):
        directory.group_member_add(
            actor=admin, group=network_group, user=cast.de_ncp, reason=REASON
        )
    page = (
        client_for(admin)
        .post(
            reverse("administration:group_member_add", args=[network_group.pk]),
            {
                "user": admin.pk,
                "reason": REASON,
            },
        )
        .content.decode()
    )
    assert "follow the officers" in page
    # ...nor by recording a posting of his own.
    posting = Posting(
        deploying_organisation=admin.organisation,
        deploying_authority="DG HOME",
        officer=admin,
        host_country="TR",
        start_date="2026-01-01",
    )
    with pytest.raises(ValidationError, match="your own posting"):
        posting_save(actor=admin, posting=posting)
    assert not network_group.member_rows.filter(user=admin).exists()
    admin.areas = list(Area.values)
    assert not type(report).objects.visible_to(admin).filter(pk=report.pk).exists()


def test_changes_of_access_keep_actor_and_reason_and_tell_the_national_administrators(
    cast,
    admin_objects,
    client_for,
):
    de_admin = cast.de_officer.__class__.objects.create(
        username="de_admin",
        organisation=admin_objects.de,
        role="national_admin",
        email="de_admin@example.test",
    )
    client_for(cast.commission_admin).post(
        reverse("administration:group_member_add", args=[admin_objects.fr_group.pk]),
        {"user": cast.de_ncp.pk, "reason": REASON},
    )
    assert not AccessGroupMember.objects.filter(user=cast.de_ncp).exists()
    approved(de_admin, kind="group_member", user=cast.de_ncp)
    membership = AccessGroupMember.objects.get(user=cast.de_ncp, accessgroup=admin_objects.fr_group)
    entry = LogEntry.objects.get_for_object(membership).get()
    assert entry.actor == cast.commission_admin
    assert entry.additional_data == {"reason": REASON}
    assert Notification.objects.filter(
        recipient=de_admin, title__contains="joined access group"
    ).exists()
    # A change of areas, too: the reason is on the user's own change log entry.
    client_for(cast.fr_admin).post(
        reverse("administration:user", args=[cast.fr_officer.pk]),
        _details(
            cast.fr_officer,
            areas=["alerts"],
        ),
    )
    approved(cast.commission_admin, kind="areas", user=cast.fr_officer)
    entry = LogEntry.objects.get_for_object(cast.fr_officer).latest("timestamp")
    assert entry.actor == cast.fr_admin and entry.additional_data == {"reason": REASON}
    assert "areas" in entry.changes_dict


def test_a_change_of_access_without_reason_is_refused(cast, client_for):
    data = _details(cast.fr_officer, areas=["alerts"])
    data["reason"] = ""
    response = client_for(cast.fr_admin).post(
        reverse("administration:user", args=[cast.fr_officer.pk]), data
    )
    assert "Give the reason for this change of access." in response.content.decode()
    cast.fr_officer.refresh_from_db()
    assert len(cast.fr_officer.areas) == len(Area.values)


def test_the_user_list_names_areas_in_words_and_marks_contact_points(cast, client_for):
    page = client_for(cast.fr_admin).get(reverse("administration:users")).content.decode()
    row = page[page.index(">fr_ncp<") :]
    row = row[: row.index("</tr>")]
    assert "Early-warning alerts" in row and "contact point" in row
    assert ", alerts" not in row and "ilo," not in row  # no area codes
    officer = page[page.index(">fr_officer<") :]
    officer = officer[: officer.index("</tr>")]
    assert "Early-warning alerts" in officer and "contact point" not in officer
