"""The template's sections say where they really come from (the table of sources kept beside
the template), its texts read in the reader's language, version 2 adds the management of legal
immigration without touching version 1, and the draft version 3 adds what the sources ask."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from ilo_reports import template_sources
from ilo_reports.models import TemplateQuestion, TemplateSection, TemplateVersion

pytestmark = pytest.mark.django_db

Source = TemplateSection.Source
PORTAL_HEADINGS = {
    "Composition of the network and changes",
    "Help to host authorities",
    "Support to return (identification, travel documents)",
    "Problems met",
    "General context and trend",
    "Assessment",
    "Recommendations",
    "Follow-up actions",
}


def sources(version) -> dict[str, str]:
    return dict(version.sections.values_list("heading", "source"))


@pytest.mark.parametrize("number", [1, 2, 3])
def test_every_section_names_the_source_of_the_table(number):
    version = TemplateVersion.objects.get(number=number)
    sections = version.sections_with_questions()
    assert sections
    for section in sections:
        key = section.questions.all()[0].key
        assert section.source == template_sources.SOURCES[key], (number, section.heading)
        assert section.source in Source.values
    # No heading claims the Decision whose annex nobody has read here.
    assert Source.DECISION not in {section.source for section in sections}
    assert "annex of Decision 2005/687/EC has not been checked" in version.source


def test_the_sources_of_the_local_networks_tasks_asylum_and_statistics():
    by_heading = sources(TemplateVersion.objects.get(number=1))
    portal = {heading for heading, source in by_heading.items() if source == Source.PORTAL}
    assert portal == PORTAL_HEADINGS
    assert by_heading["Routes to the Member States"] == Source.REGULATION_ART_2_2
    assert by_heading["Meetings held"] == Source.REGULATION_ART_4
    assert by_heading["Joint training"] == Source.REGULATION_ART_4
    assert by_heading["Asylum and access to protection"] == Source.REGULATION_493_2011
    assert by_heading["Statistics"] == Source.CIREFI
    assert "Management of legal immigration" not in by_heading


def test_the_draft_version_3_adds_what_the_sources_ask():
    version_3 = TemplateVersion.objects.get(number=3)
    assert not version_3.active and TemplateVersion.current().number == 2
    regions = version_3.sections.get(questions__key="regions_of_interest")
    assert (regions.part, regions.source) == ("II", Source.REGULATION_493_2011)
    training = version_3.sections.get(questions__key="joint_training")
    for topic in ("fundamental rights", "trafficking", "smuggling", "document fraud"):
        assert topic in training.guidance
    statistics = TemplateQuestion.objects.get(section__version=version_3, key="statistics")
    rows = [row["key"] for row in statistics.table["rows"]]
    assert "asylum_applications" not in rows
    assert {"asylum_border", "asylum_inland"} <= set(rows)
    trend = statistics.table["columns"][-1]
    assert (trend["key"], trend["type"]) == ("trend", "trend")
    assert statistics.required


def test_new_reports_are_written_in_version_2_with_legal_immigration(report):
    version_1 = TemplateVersion.objects.get(number=1)
    assert TemplateVersion.current() == report.template != version_1
    assert not TemplateVersion.objects.get(pk=version_1.pk).active
    keys_1 = list(
        TemplateQuestion.objects.filter(section__version=version_1).values_list("key", flat=True)
    )
    keys_2 = list(
        TemplateQuestion.objects.filter(section__version=report.template).values_list(
            "key", flat=True
        )
    )
    asylum = keys_2.index("asylum")
    assert keys_2[: asylum + 1] + keys_2[asylum + 2 :] == keys_1
    added = report.template.sections.get(questions__key="legal_immigration")
    assert (added.part, added.source) == ("II", Source.REGULATION_ART_1)
    assert sources(report.template) == {**sources(version_1), added.heading: added.source}


def test_the_source_shows_in_the_contents_the_section_and_the_report(cast, client_for, report):
    client = client_for(cast.ilo_fr_tr)
    section = report.template.sections.get(questions__key="legal_immigration")
    contents = client.get(reverse("ilo_reports:edit", args=[report.pk])).content.decode()
    row = re.search(r"Management of legal immigration</a></th>(.*?)</tr>", contents, re.S)
    assert row and '<td class="text-secondary">Regulation (EC) No 377/2004, art. 1</td>' in row[1]
    assert contents.count("Added for this portal") == len(PORTAL_HEADINGS)
    page = client.get(reverse("ilo_reports:section", args=[report.pk, section.pk])).content
    assert "Source: Regulation (EC) No 377/2004, art. 1" in page.decode()
    detail = client.get(report.get_absolute_url()).content.decode()
    assert detail.count("Source: Added for this portal") == len(PORTAL_HEADINGS)


def test_a_report_of_version_1_keeps_its_sections(cast, client_for, report):
    report.template = TemplateVersion.objects.get(number=1)
    report.save(update_fields=["template"])
    page = client_for(cast.ilo_fr_tr).get(report.get_absolute_url()).content.decode()
    assert "Meetings held" in page and "Management of legal immigration" not in page


def get_in(language, client, url) -> str:
    with translation.override(language):
        return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_the_questions_read_in_the_readers_language(cast, client_for, report):
    client = client_for(cast.ilo_fr_tr)
    statistics = report.template.sections.get(questions__key="statistics")
    flows = report.template.sections.get(questions__key="flows")
    for url in (
        reverse("ilo_reports:section", args=[report.pk, statistics.pk]),
        report.get_absolute_url(),
    ):
        french, english = get_in("fr", client, url), get_in("en", client, url)
        assert "Statistiques du semestre" in french and "Statistics of the semester" in english
        assert "Refus d’entrée – frontières aériennes" in french
        assert "Refusals of entry – air borders" in english
        assert "Statistics of the semester" not in french
        assert "Statistiques du semestre" not in english
    flows_url = reverse("ilo_reports:section", args=[report.pk, flows.pk])
    french = get_in("fr", client, flows_url)
    assert "Flux : volume et description" in french and "Principales nationalités" in french
    assert "Flows: volume and description" in get_in("en", client, flows_url)


def test_a_text_not_written_in_french_reads_in_english(cast, client_for, report):
    question = TemplateQuestion.objects.get(section__version=report.template, key="routes")
    question.label, question.label_fr = "Routes taken by the flows", ""
    question.save(update_fields=["label", "label_fr"])
    url = reverse("ilo_reports:section", args=[report.pk, question.section_id])
    assert "Routes taken by the flows" in get_in("fr", client_for(cast.ilo_fr_tr), url)


def test_the_commission_copies_a_version_into_a_draft_and_uses_it(cast, client_for, report):
    admin = client_for(cast.commission_admin)
    current = TemplateVersion.current()
    page = admin.get(reverse("ilo_reports:templates")).content.decode()
    assert f"Copy version {current.number} into a new draft" in page
    response = admin.post(reverse("ilo_reports:template_copy", args=[current.pk]), follow=True)
    draft = TemplateVersion.objects.order_by("-number").first()
    assert draft.number == 4 and not draft.active
    assert f"copied into version {draft.number}, a draft" in response.content.decode()
    assert sources(draft) == sources(current)
    copied = TemplateQuestion.objects.get(section__version=draft, key="statistics")
    assert copied.label_fr == "Statistiques du semestre" and copied.table["rows"]
    assert TemplateVersion.current() == current  # a draft is not used before it is activated
    admin.post(reverse("ilo_reports:template_activate", args=[draft.pk]))
    assert TemplateVersion.current() == draft
    assert list(TemplateVersion.objects.filter(active=True)) == [draft]
    report.refresh_from_db()
    assert report.template == current  # the open report keeps its version


def test_only_the_commission_keeps_the_template(cast, client_for):
    current = TemplateVersion.current()
    for role in ("ilo_fr_tr", "fr_ncp", "fr_admin", "de_officer"):
        client = client_for(getattr(cast, role))
        assert client.get(reverse("ilo_reports:templates")).status_code == 403, role
        for name in ("template_copy", "template_activate"):
            url = reverse(f"ilo_reports:{name}", args=[current.pk])
            assert client.post(url).status_code == 403, (role, name)
    assert TemplateVersion.objects.count() == 3 and TemplateVersion.current() == current
    admin = client_for(cast.commission_admin)
    assert admin.get(reverse("ilo_reports:template_copy", args=[current.pk])).status_code == 405
