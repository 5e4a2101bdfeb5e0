"""Pages about one user's own things (a notification, a saved search, an export, a signed-in
session) exist for that user only: anyone else, a colleague of the same service included, is
answered 404 and changes nothing.

Generated over the URL patterns: every pattern that takes an argument is an item page (the
permission matrix, tests/policy.py), one of the personal pages below, or named in OTHER_PAGES
with the test that covers it, so a new page is classified the day it exists.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from iconet.models import Notification, SavedSearch, UserSession
from tests.conftest import verified_client
from tests.core.test_permission_matrix import item_url_patterns, url_patterns
from tests.factories import export_finished

pytestmark = pytest.mark.django_db


def _notification(user):
    return Notification.objects.create(recipient=user, title="Your alert", url="/alerts/")


def _saved_search(user):
    return SavedSearch.objects.create(user=user, name="Routes", query="route")


def _session(user):
    return UserSession.objects.create(user=user, session_key="k" * 40)


# URL name -> what makes the user's own object of the page.
PERSONAL_PAGES: dict[str, Callable] = {
    "notification_open": _notification,
    "accounts:saved_search_edit": _saved_search,
    "accounts:saved_search_delete": _saved_search,
    "exports:detail": export_finished,
    "exports:status": export_finished,
    "exports:cancel": export_finished,
    "exports:download": export_finished,
    "administration:account_session_revoke": _session,
}
# Patterns with arguments that are neither item pages nor personal, and where they are tested.
OTHER_PAGES = {
    "accounts:password_reset_confirm": "a signed token (tests/administration)",
    "invitation_accept": "a one-time token (tests/administration)",
    "email_confirm": "a one-time token (tests/administration/test_takeover_routes.py)",
    "sharing:disclosure": "requester and deciders (tests/core/test_sharing.py)",
    "sharing:disclosure_withdraw": "the requester only (tests/core/test_sharing.py)",
    "returns:country": "a country's public return contacts (tests/returns)",
    "api_client_rotate": "its organisation's administrators (tests/api/test_client_pages.py)",
    "api_client_revoke": "its organisation's administrators (tests/api/test_client_pages.py)",
    "webhook_endpoint_turn_off": "its organisation's administrators (tests/api)",
    "webhook_endpoint_new": "its organisation's administrators (tests/api/test_client_pages.py)",
    "workspaces:group": "a group's members (tests/workspaces, every page of a group)",
    "workspaces:folder": "a group's members (tests/workspaces, every page of a group)",
    "workspaces:folder_subscribe": "a group's members (tests/workspaces, every page of a group)",
    "workspaces:folder_create": "the group's managers and those they name (tests/workspaces)",
    "workspaces:document_create": "the group's managers and those they name (tests/workspaces)",
    "workspaces:meeting_create": "the group's managers and those they name (tests/workspaces)",
    "workspaces:contributors": "the group's managers (tests/workspaces/test_workspaces.py)",
    "workspaces:feed": "a secret, revocable address (tests/workspaces/test_workspaces.py)",
    "ilo_reports:task_close": "a follow-up task of a report the user reads "
    "(tests/ilo_reports/test_synthesis.py)",
}
ADMINISTRATION = "administration:"  # administrators' pages: tests/core/test_admin_leaks.py
# Key-authenticated API endpoints, each classified from the resolver: tests/api/test_endpoints.py
API = "api:"


def argument_patterns() -> list[str]:
    items = item_url_patterns()
    return sorted(
        name
        for name, keywords in url_patterns()
        if keywords and name not in items and not name.startswith("manage:")
    )


def test_every_page_with_an_argument_is_classified():
    unclassified = [
        name
        for name in argument_patterns()
        if name not in PERSONAL_PAGES
        and name not in OTHER_PAGES
        and not name.startswith((ADMINISTRATION, API))
    ]
    assert unclassified == []
    stale = (set(PERSONAL_PAGES) | set(OTHER_PAGES)) - set(argument_patterns())
    assert stale == set()


def snapshot(obj):
    obj.refresh_from_db()
    return model_to_dict(obj)


@pytest.mark.parametrize("name", sorted(PERSONAL_PAGES))
def test_a_personal_page_is_nobody_elses(name, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    owner, colleague, stranger = cast.fr_ncp, cast.fr_officer, cast.de_ncp
    assert colleague.organisation_id == owner.organisation_id
    obj = PERSONAL_PAGES[name](owner)
    url = reverse(name, args=[obj.pk])
    missing = reverse(name, args=[obj.pk + 1000])
    data = {"name": "Taken", "frequency": "immediate"}
    before = snapshot(obj)
    for other in (colleague, cast.fr_admin, stranger, cast.commission_admin):
        client = verified_client(other)
        # Answered as for an object that does not exist (404, or 405 for the wrong method
        # whoever asks): the page tells nobody else that it exists.
        statuses = set()
        for method in ("get", "post"):
            status = getattr(client, method)(url, data).status_code
            assert status in {404, 405}, (name, other.username, method, status)
            assert status == getattr(client, method)(missing, data).status_code
            statuses.add(status)
        assert 404 in statuses, (name, "answers no method with 404")
        assert type(obj).objects.filter(pk=obj.pk).exists(), (name, "removed by", other)
        assert snapshot(obj) == before, (name, "changed by", other.username)

    # The owner does reach it (a page, a redirect, or a refusal of the method).
    response = verified_client(owner).get(url)
    assert response.status_code in {200, 302, 405}, (name, response.status_code)
