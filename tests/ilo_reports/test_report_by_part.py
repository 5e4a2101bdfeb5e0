"""A report filled one part at a time: every section of the part on one page, saved at once,
beside the contents with each section's state, under the same conflict protection."""

import pytest
from django.urls import reverse

from ilo_reports.models import TemplateQuestion, TemplateSection

pytestmark = pytest.mark.django_db


def part_url(report, part):
    return reverse("ilo_reports:part", args=[report.pk, part])


def question(report, key):
    return TemplateQuestion.objects.get(section__version=report.template, key=key)


def test_a_part_holds_its_sections_and_saves_them_at_once(cast, client_for, report):
    chair = client_for(cast.ilo_fr_tr)
    composition = question(report, "composition")
    chair.post(
        reverse("ilo_reports:section", args=[report.pk, composition.section_id]),
        {"lock_version": 0, f"q{composition.pk}": "Two officers arrived."},
    )
    page = chair.get(part_url(report, "II")).content.decode()
    part_two = TemplateSection.objects.filter(version=report.template, part="II")
    for section in part_two:
        assert f'id="section-{section.pk}-title">{section.heading}</h2>' in page
    assert "Meetings held</h2>" not in page  # Part I is on its own page
    assert f'href="{part_url(report, "III")}">Next: Part III' in page
    routes, asylum, statistics = (
        question(report, "routes"),
        question(report, "asylum"),
        question(report, "statistics"),
    )
    response = chair.post(
        part_url(report, "II"),
        {
            "lock_version": 1,
            f"q{routes.pk}": "Through the Aegean.",
            f"q{asylum.pk}": "Access at the border is limited.",
            f"q{statistics.pk}__returns__number": "12",
            f"q{statistics.pk}__returns__nationalities__1": "IQ",
        },
    )
    assert response.status_code == 302 and response.url == part_url(report, "II")
    report.refresh_from_db()
    assert report.lock_version == 2
    assert report.answers[str(routes.pk)] == "Through the Aegean."
    assert report.answers[str(asylum.pk)] == "Access at the border is limited."
    assert report.answers[str(statistics.pk)] == {"returns": {"number": 12, "nationalities": "IQ"}}
    assert report.answers[str(composition.pk)] == "Two officers arrived."  # Part I kept
    # The contents list beside the form shows each section's state.
    page = chair.get(part_url(report, "II")).content.decode()
    for key, state in (("routes", "Answered"), ("flows", "Empty"), ("composition", "Answered")):
        section = question(report, key).section
        expected = f'#section-{section.pk}">{section.heading}</a> <strong class="tag'
        assert expected in page
        assert page.split(expected, 1)[1].split("</strong>", 1)[0].endswith(state)


def test_a_part_saved_meanwhile_by_someone_else_is_a_conflict(cast, client_for, report):
    chair = client_for(cast.ilo_fr_tr)
    routes = question(report, "routes")
    chair.post(part_url(report, "II"), {"lock_version": 0, f"q{routes.pk}": "Theirs."})
    response = chair.post(part_url(report, "II"), {"lock_version": 0, f"q{routes.pk}": "Mine."})
    page = response.content.decode()
    assert response.status_code == 200 and "Someone else saved meanwhile" in page
    assert "Theirs." in page and "Mine.</textarea>" in page
    report.refresh_from_db()
    assert report.answers[str(routes.pk)] == "Theirs." and report.lock_version == 1


def test_a_duplicate_nationality_is_refused_on_the_part_page(cast, client_for, report):
    statistics = question(report, "statistics")
    name = f"q{statistics.pk}__refusals_air__nationalities"
    response = client_for(cast.ilo_fr_tr).post(
        part_url(report, "II"), {"lock_version": 0, f"{name}__1": "AF", f"{name}__2": "AF"}
    )
    assert response.status_code == 200
    assert "Afghanistan is already chosen above" in response.content.decode()
    report.refresh_from_db()
    assert report.answers == {} and report.lock_version == 0


def test_only_the_drafters_fill_a_part(cast, client_for, report):
    assert client_for(cast.ilo_fr_tr).get(part_url(report, "I")).status_code == 200
    assert client_for(cast.ilo_fr_tr).get(part_url(report, "IV")).status_code == 404
    assert client_for(cast.ilo_de_tr).get(part_url(report, "I")).status_code == 403
    assert client_for(cast.de_officer).get(part_url(report, "I")).status_code == 404
    response = client_for(cast.ilo_de_tr).post(part_url(report, "I"), {"lock_version": 0})
    assert response.status_code == 403
