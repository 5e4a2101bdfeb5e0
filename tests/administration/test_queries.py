"""The administration's lists cost a fixed number of queries, however many rows they show."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iconet.models import AccessGroupMember
from tests.factories import UserFactory


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_user_list_and_group_page_do_not_grow_with_their_rows(cast, admin_objects, client_for):
    client = client_for(cast.commission_admin)
    users_url = reverse("administration:users")
    group_url = reverse("administration:group", args=[admin_objects.fr_group.pk])
    client.get(users_url)  # the session's first request also marks it as seen
    before = (queries(client, users_url), queries(client, group_url))
    for n in range(10):
        user = UserFactory(username=f"extra{n}", organisation=admin_objects.de)
        AccessGroupMember.objects.create(accessgroup=admin_objects.fr_group, user=user)
    after = (queries(client, users_url), queries(client, group_url))
    assert after == before
