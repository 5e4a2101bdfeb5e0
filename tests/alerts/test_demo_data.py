"""The demo alerts that `make run` loads."""

import io

import pytest
from django.core.management import call_command

from alerts.models import Alert

pytestmark = pytest.mark.django_db


def test_demo_alerts_are_published_to_their_recipients_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_alerts_demo", stdout=out)
    call_command("seed_alerts_demo", stdout=out)
    assert Alert.objects.filter(state="published").count() == 3
    # The Italian alert for DE, FR and AT reaches the German and French demo contact points.
    balkan = Alert.objects.get(headline__startswith="Refrigerated lorries")
    told = set(balkan.recipients.values_list("user__username", flat=True))
    assert {"de.ncp", "fr.ncp"} <= told
    assert "it.ncp" not in told
    # Its route sketch went through the safe-file pipeline, once.
    sketch = balkan.attachments.get()
    assert (sketch.kind, sketch.original_name) == ("png", "route-sketch.png")
