"""The main pages pass axe-core's automated accessibility rules (WCAG 2.1 A and AA) in Chromium.

Automated rules find only part of what a person with a screen reader or a keyboard meets;
they are the floor the pages must never fall below.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from tests.conftest import verified_client
from tests.items import item_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def sign_in_browser(page, live_server, user):
    """Carry a signed-in, second-factor-verified session into the browser."""
    client = verified_client(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_sign_in_page_passes(page, live_server):
    page.goto(reverse("accounts:login"))
    assert violations(page) == []


def test_main_pages_pass(page, live_server, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    alert = item_make(
        "alerts.alert",
        author=cast.fr_officer,
        audience="network",
        marking="RED",
        with_children=True,
    )
    sign_in_browser(page, live_server, cast.fr_ncp)
    failures = {}
    for url in [
        reverse("home"),
        reverse("alerts:list"),
        reverse("alerts:create"),
        alert.get_absolute_url(),
        reverse("alerts:publish", args=[alert.pk]),
        reverse("sharing:history", args=[alert.type_slug(), alert.pk]),
        reverse("sharing:disclosures"),
        reverse("ilo_reports:list"),
        reverse("accounts:security"),
    ]:
        page.goto(url)
        assert page.url.endswith(url), f"{url} redirected to {page.url}"
        found = violations(page)
        if found:
            failures[url] = found
    assert failures == {}


def test_ilo_report_pages_pass(page, live_server, cast):

    from ilo_reports.models import Semester
    from ilo_reports.services import report_open
    from tests.items import ilo_network_chaired

    semester = Semester.reporting()
    network = ilo_network_chaired(chairs={str(semester): cast.ilo_fr_tr})
    report = report_open(actor=cast.ilo_fr_tr, network=network, semester=semester)
    sign_in_browser(page, live_server, cast.ilo_fr_tr)
    failures = {}
    for url in [
        reverse("ilo_reports:edit", args=[report.pk]),
        report.get_absolute_url(),
        reverse("ilo_reports:networks"),
    ]:
        page.goto(url)
        assert page.url.endswith(url), f"{url} redirected to {page.url}"
        found = violations(page)
        if found:
            failures[url] = found
    assert failures == {}
