"""An alert's history reads like a record for an auditor: labels of choices, country and
organisation names, yes/no and Brussels times, never stored codes, ids or lists."""

import pytest
from django.urls import reverse

from iconet.sharing.services import item_update

from .conftest import alert_draft, alert_published

pytestmark = pytest.mark.django_db


def test_the_history_shows_labels_names_and_local_times(cast, client_for):
    alert = alert_published(
        cast.fr_ncp,
        destinations=["DE"],
        transit=["LY", "IT"],
        alert_type="route_change",
        suspected_trafficking=True,
    )
    alert.alert_type = "method_change"
    alert.transit_countries = ["TN", "IT"]
    item_update(actor=cast.fr_ncp, item=alert)
    page = (
        client_for(cast.fr_ncp)
        .get(reverse("sharing:history", args=[alert.type_slug(), alert.pk]))
        .content.decode()
    )
    assert "Change of route → Change of method" in page
    assert "route_change" not in page and "method_change" not in page
    assert "Libya, Italy → Tunisia, Italy" in page
    assert "[&#x27;LY&#x27;" not in page and "['LY'" not in page
    assert cast.fr_ncp.organisation.name in page
    owner_id = f">{cast.fr_ncp.organisation.pk}<"
    assert owner_id not in page
    assert "CET" in page or "CEST" in page
    assert "Suspected trafficking in human beings" in page and "Yes" in page


def test_a_draft_history_names_its_author(cast, client_for):
    alert = alert_draft(cast.fr_officer)
    page = (
        client_for(cast.fr_officer)
        .get(reverse("sharing:history", args=[alert.type_slug(), alert.pk]))
        .content.decode()
    )
    assert str(cast.fr_officer) in page


@pytest.mark.parametrize(
    "language,created,changed",
    [("en", "Created", "Changed"), ("fr", "Créé", "Modifié")],
)
def test_each_entry_says_what_was_done_in_the_readers_language(
    cast, client_for, language, created, changed
):
    alert = alert_published(cast.fr_ncp, destinations=["DE"])
    type(cast.fr_ncp).objects.filter(pk=cast.fr_ncp.pk).update(language=language)
    page = (
        client_for(cast.fr_ncp)
        .get(reverse("sharing:history", args=[alert.type_slug(), alert.pk]))
        .content.decode()
    )
    assert f">{created}</td>" in page and f">{changed}</td>" in page
    assert ">create</td>" not in page and ">update</td>" not in page
