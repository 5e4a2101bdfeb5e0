"""A request whose cost grows with a number the client sends is bounded."""

import time

from django.urls import reverse

from alerts.forms import MAX_NATIONALITIES
from alerts.models import Alert

from .test_alerts import form_data


def test_a_huge_nationality_count_answers_quickly_with_a_form_error(cast, client_for):
    client = client_for(cast.fr_officer)
    started = time.monotonic()
    response = client.post(
        reverse("alerts:create"), form_data(**{"nationalities-TOTAL_FORMS": "100000"})
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Please submit at most {MAX_NATIONALITIES} forms." in html
    # The page of an ordinary form (3 empty rows, 5 inputs each), not Django's default of 1,040.
    assert len(response.context["formset"].forms) == 3
    assert html.count('name="nationalities-') == 5 * 3 + 4
    assert len(response.content) < 300_000  # 12 MB before the bound
    assert elapsed < 15  # about 1 s on an idle machine; 12 s before
    assert not Alert.objects.exists()


def test_the_bound_still_takes_a_full_list(cast, client_for):
    rows = {"nationalities-TOTAL_FORMS": str(MAX_NATIONALITIES)}
    response = client_for(cast.fr_officer).post(reverse("alerts:create"), form_data(**rows))
    assert response.status_code == 302
    assert Alert.objects.get().nationalities.count() == 2
