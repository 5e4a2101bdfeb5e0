"""On a phone, the first screen shows the page's heading and the start of its content: the
header and the navigation no longer fill it."""

import pytest
from django.urls import reverse

from tests.alerts.conftest import alert_published
from tests.browser.test_accessibility import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}

FIRST_SCREEN = """() => {
  const heading = document.querySelector("main h1");
  const after = heading && heading.nextElementSibling;
  const nav = document.querySelector(".main-nav");
  return {
    heading: heading ? heading.getBoundingClientRect().bottom : null,
    content: after ? after.getBoundingClientRect().top : null,
    header: nav ? nav.getBoundingClientRect().bottom : null,
  };
}"""


def test_the_first_screen_of_a_phone_shows_the_heading_and_content(page, live_server, cast):
    alert = alert_published(cast.fr_ncp, destinations=["DE"])
    sign_in_browser(page, live_server, cast.de_ncp)
    page.set_viewport_size(PHONE)
    for url in (reverse("home"), reverse("alerts:list"), alert.get_absolute_url()):
        page.goto(live_server.url + url)
        seen = page.evaluate(FIRST_SCREEN)
        print(url, seen)  # the figures, for the record (pytest -s)
        assert seen["heading"] is not None and seen["heading"] < PHONE["height"], (url, seen)
        # At least a few lines of the content itself are on the first screen.
        assert seen["content"] is not None and seen["content"] < PHONE["height"] - 100, (url, seen)
        assert seen["header"] < PHONE["height"] / 3, (url, seen)
