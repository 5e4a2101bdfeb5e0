"""Objects the administration tests act on, beside the cast of users (tests/conftest.py).

- fr_group: a bilateral FR–NL access group managed by France's service; de_officer is an
  individual member and the Dutch service a member organisation.
- ec_group: an access group managed by the Commission alone (no managing organisation).
"""

from types import SimpleNamespace

import pytest

from iconet.models import AccessGroup, AccessGroupMember, AccessGroupOrganisation, Organisation

REASON = "Requested by the head of unit, ticket 4711"


def approved(by, **filters):
    """The pending request matching `filters`, approved by `by` (a second administrator)."""
    from iconet.directory.services import access_changes
    from iconet.models import AccessChangeRequest

    request = AccessChangeRequest.objects.get(status="pending", **filters)
    return access_changes.access_change_decide(actor=by, request=request, approve=True)


@pytest.fixture
def admin_objects(cast):
    fr = Organisation.objects.get(short_name="BP-FR")
    nl = Organisation.objects.get(short_name="BP-NL")
    de = Organisation.objects.get(short_name="BP-DE")
    fr_group = AccessGroup.objects.create(name="FR-NL bilateral", managing_organisation=fr)
    member = AccessGroupMember.objects.create(accessgroup=fr_group, user=cast.de_officer)
    org_member = AccessGroupOrganisation.objects.create(accessgroup=fr_group, organisation=nl)
    ec_group = AccessGroup.objects.create(name="Commission task force")
    return SimpleNamespace(
        fr=fr,
        nl=nl,
        de=de,
        fr_group=fr_group,
        ec_group=ec_group,
        member=member,
        org_member=org_member,
    )
