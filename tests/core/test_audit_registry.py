"""Every model of the portal is in the change log or has a stated reason not to be, so a new
model is decided on the day it exists; and the saved searches, invitations and vocabularies
that users and administrators change leave their entries."""

import sys
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from iconet.audit.registry import NOT_AUDITED
from iconet.models import SavedSearch, grant_model_of
from iconet.sharing.registry import shared_item_models
from tests.conftest import verified_client

# The apps whose code is the project's (not an installed library's).
PORTAL_APPS = {
    config.label
    for config in apps.get_app_configs()
    if Path(config.path).is_relative_to(settings.BASE_DIR)
    and not Path(config.path).is_relative_to(Path(sys.prefix))
}
GRANT_TABLES = {grant_model_of(model) for model in shared_item_models().values()}


def portal_models():
    return [model for model in apps.get_models() if model._meta.app_label in PORTAL_APPS]


@pytest.mark.parametrize("model", portal_models(), ids=lambda model: model._meta.label)
def test_every_model_is_audited_or_says_why_not(model):
    label = model._meta.label
    if model in GRANT_TABLES:
        # Written from the item's audience, which its own entries record.
        assert not auditlog.contains(model), f"{label}: a grant table repeats the audience"
        return
    audited = auditlog.contains(model)
    assert audited != (label in NOT_AUDITED), (
        f"{label} is both audited and excused" if audited else f"{label} is not in the change log"
    )


def test_every_excused_model_exists():
    labels = {model._meta.label for model in portal_models()}
    assert set(NOT_AUDITED) <= labels, set(NOT_AUDITED) - labels


@pytest.mark.django_db
def test_saving_and_deleting_a_search_is_in_the_change_log(cast):
    client = verified_client(cast.fr_ncp)
    response = client.post(
        reverse("search_save"),
        {"q": "route", "name": "Balkan routes", "frequency": "daily"},
    )
    assert response.status_code == 302
    saved = SavedSearch.objects.get(user=cast.fr_ncp)
    created = LogEntry.objects.get_for_object(saved).get()
    assert created.action == LogEntry.Action.CREATE and created.actor == cast.fr_ncp
    assert created.changes_dict["query"][1] == "route"
    assert created.changes_dict["name"][1] == "Balkan routes"

    client.post(reverse("accounts:saved_search_delete", args=[saved.pk]))
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()
    deleted = LogEntry.objects.filter(
        content_type__model="savedsearch", object_pk=str(saved.pk), action=LogEntry.Action.DELETE
    ).get()
    assert deleted.actor == cast.fr_ncp


def test_the_portal_apps_are_found():
    assert {"iconet", "alerts", "ilo_reports", "documents", "returns"} <= PORTAL_APPS
    assert "auditlog" not in PORTAL_APPS and "guardian" not in PORTAL_APPS
