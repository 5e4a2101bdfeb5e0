"""The browser's walk of every page (tests/browser/walk.py) in French, with its scripts run:
what the reader sees names no country or state in English and shows every date and time in
the portal's one format. The detectors are those of tests/core/test_french_walk.py, which walks
every URL pattern without a browser; this walk adds what the pickers and other scripts show."""

import pytest

from iconet.models import User
from tests.browser.test_accessibility import sign_in_browser
from tests.browser.walk import walk
from tests.core.test_french_walk import (
    english_names_pattern,
    english_only_country_names,
    faults_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The rendered text of the page, as the reader sees it (not the values of inputs).
# What the reader sees, but the content marked `translate="no"` (identifiers, such as the IANA
# names of time zones, that no language translates).
SEEN_TEXT = """() => {
  const kept = [...document.querySelectorAll('[translate="no"]')];
  kept.forEach(e => { e.dataset.walkDisplay = e.style.display; e.style.display = "none"; });
  const text = document.body.innerText;
  kept.forEach(e => { e.style.display = e.dataset.walkDisplay; });
  return text;
}"""


def typed_names_neutralised() -> None:
    """What people typed in the demo network (names of organisations, groups and networks, the
    items' texts) may name a country in English; it is not the portal naming it. Each such name
    is replaced by its ISO code, so that a name left is one the portal wrote."""
    from django.apps import apps
    from django.db import models

    names = english_only_country_names()
    pattern = english_names_pattern()
    for model in apps.get_models():
        if model._meta.app_label not in ("iconet", "alerts", "documents", "ilo_reports", "returns"):
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField))
            and not f.choices
            and not f.primary_key
            and f.name not in ("password", "search_document")
        ]
        if not fields or model._meta.label in ("iconet.Country",):
            continue
        for row in model._base_manager.all():
            changed = {}
            for name in fields:
                value = getattr(row, name)
                if isinstance(value, str) and pattern.search(value):
                    changed[name] = pattern.sub(lambda m: names[m.group(0)], value)
            if changed:
                model._base_manager.filter(pk=row.pk).update(**changed)


def test_every_page_in_french_in_a_browser(browser, live_server, demo_network):
    User.objects.update(language="fr")
    typed_names_neutralised()
    users, pages_seen = walk(demo_network)
    names = english_names_pattern()
    pages, failures = {}, []
    for name, url, username in pages_seen:
        if username not in pages:
            context = browser.new_context(base_url=live_server.url, locale="fr-FR")
            pages[username] = context.new_page()
            sign_in_browser(pages[username], live_server, users[username])
        page = pages[username]
        page.goto(url)
        text = " ".join(page.evaluate(SEEN_TEXT).split())
        failures += [f"{name} ({url}): {fault}" for fault in sorted(set(faults_in(text, names)))]
    assert len(pages_seen) > 60
    assert failures == [], f"{len(failures)} faults:\n" + "\n".join(failures)
