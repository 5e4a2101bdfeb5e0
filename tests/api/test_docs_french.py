"""The API's documentation page and errors speak the reader's language."""

import pytest
from django.urls import reverse

from tests.api.conftest import api, api_key_make

pytestmark = pytest.mark.django_db


def test_the_documentation_page_reads_in_french(cast, client_for):
    cast.fr_officer.language = "fr"
    cast.fr_officer.save()
    page = client_for(cast.fr_officer).get(reverse("api_docs")).content.decode()
    assert "Documentation de l'API" in page
    assert "Utiliser une clé" in page
    assert "Using a key" not in page


def test_an_error_reads_in_the_language_asked(cast):
    _c, key = api_key_make(cast.fr_officer.organisation, actions=["read"])
    response = api(key, HTTP_ACCEPT_LANGUAGE="fr").post(
        "/api/v1/alerts/alert/", "{}", content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Ce client de l'API ne peut pas faire cela."
