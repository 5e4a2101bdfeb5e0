"""Every page in French: no English name of a country or state, and no date or time outside
the portal's one format (DATE_FORMAT, DATETIME_FORMAT: "7 décembre 2026, 05:16 CET").

The pages are every named URL pattern (found from the URL resolver, as in the hostile
parameters test), requested by signed-in users of several roles whose saved language is French.
Only the text a reader sees is checked: not the values of inputs (what a user typed, and the
ISO dates the browser's date picker reads) nor scripts.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.utils import translation
from django_countries import countries

from iconet.models import AccessGroup, Notification, User
from tests.conftest import verified_client
from tests.core.test_permission_matrix import url_patterns
from tests.core.test_url_fuzz import pattern_kwargs, sample  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

ROLES = ["fr_ncp", "fr_admin", "commission_admin", "ilo_fr_tr"]
SKIPPED = {"sharing:export_pdf"}  # a PDF, not a page; its HTML is the print page, walked


def english_only_country_names() -> dict[str, str]:
    """English names of countries whose French name differs, longest first."""
    with translation.override("en"):
        english = {code: str(name) for code, name in countries}
    with translation.override("fr"):
        french = {code: str(name) for code, name in countries}
    found = {
        name: code
        for code, name in english.items()
        if name != french[code] and name.lower() not in french[code].lower()
    }
    return dict(sorted(found.items(), key=lambda pair: -len(pair[0])))


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes and the labels of attributes read aloud."""

    HIDDEN = {"script", "style", "textarea", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.hidden_tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        # Content marked `translate="no"` holds identifiers (the IANA names of time zones) that
        # no language translates: not read for English names.
        if tag in self.HIDDEN or ("translate", "no") in attrs:
            self.hidden_tags.append(tag)
            self.hidden += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "alt", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.hidden_tags:
            while self.hidden_tags and self.hidden_tags.pop() != tag:
                pass
            self.hidden = len(self.hidden_tags)

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")
# A time of day is always followed by its zone (Brussels: CET or CEST).
TIME_WITHOUT_ZONE = re.compile(r"(?<![\w:.])\d{1,2}:\d{2}(?::\d{2})?(?! ?(?:CET|CEST|UTC)\b)")
SLASHED_DATE = re.compile(r"(?<![\w/])\d{1,2}/\d{1,2}/\d{2,4}(?![\w/])")


def faults_in(text: str, names: re.Pattern) -> list[str]:
    faults = [f"English name {m.group(0)!r}" for m in names.finditer(text)]
    for pattern, what in (
        (ISO_DATE, "ISO date"),
        (SLASHED_DATE, "date in another format"),
        (TIME_WITHOUT_ZONE, "time without its zone"),
    ):
        for match in pattern.finditer(text):
            around = text[max(match.start() - 30, 0) : match.end() + 10]
            faults.append(f"{what} {match.group(0)!r} in …{around}…")
    return faults


def english_names_pattern() -> re.Pattern:
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(n) for n in english_only_country_names()) + r")(?!\w)"
    )


def test_the_detectors_catch_what_they_are_meant_to():
    names = english_names_pattern()
    assert faults_in("Pays de destination : Allemagne, Italie", names) == []
    assert faults_in("Publié le 7 décembre 2026, 05:16 CET", names) == []
    assert faults_in("Référence EWS-2026-FR-0042, semestre 2024-S1", names) == []
    assert len(faults_in("Destination: Germany, Netherlands", names)) == 2
    assert len(faults_in("jusqu'au 2027-01-10", names)) == 1
    assert len(faults_in("envoyé le 10/12/2026 05:33", names)) == 2
    assert len(faults_in("à 05:33 le 7 décembre", names)) == 1
    assert visible_text('<input value="2026-12-01"><option>Allemagne</option>') == "Allemagne"
    zones = '<select translate="no"><option>America/Argentina/Salta</option></select><p>Malte</p>'
    assert visible_text(zones) == "Malte"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_french_names_countries_in_french_and_dates_in_one_format(
    cast,
    sample,  # noqa: F811 - the fixture imported above
    role,
):
    # People's and networks' names are what users typed, not names of countries.
    User.objects.update(first_name="Anne", last_name="Martin")
    sample["network"].name = "Réseau d'Ankara"
    sample["network"].save()
    for group in AccessGroup.objects.filter(name__contains="Türkiye"):
        group.name = group.name.replace("Türkiye", "Ankara")
        group.save()
    for notification in Notification.objects.filter(title__contains="Türkiye"):
        notification.title = notification.title.replace("Türkiye", "Ankara")
        notification.save()
    user = getattr(cast, role)
    User.objects.filter(pk=user.pk).update(language="fr")
    user.refresh_from_db()
    client = verified_client(user)
    client.raise_request_exception = False
    names = english_names_pattern()
    failures, walked = [], 0
    for name, keywords in sorted(url_patterns()):
        if name.startswith("manage:") or name in SKIPPED:
            continue
        built = pattern_kwargs(name, keywords, sample, user)
        if built is None:
            continue
        response = client.get(built["url"])
        if response.status_code != 200 or response.streaming:
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        walked += 1
        html = response.content.decode()
        assert '<html lang="fr"' in html, built["url"]
        faults = faults_in(visible_text(html), names)
        failures += [f"{built['url']}: {fault}" for fault in sorted(set(faults))]
    assert walked > (25 if role.startswith("ilo") else 40)
    assert failures == [], f"{len(failures)} faults:\n" + "\n".join(failures)
