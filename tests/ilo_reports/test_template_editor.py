"""The Commission edits a draft version of the report template in the portal: the texts of a
section and its questions, new sections and questions, their order; a version that reports
use, or that new reports are opened in, stays as it is; nobody else reaches these pages."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from ilo_reports.forms import QuestionFormSet, TemplateSectionForm
from ilo_reports.models import TemplateQuestion, TemplateSection, TemplateVersion
from ilo_reports.services import (
    report_open,
    template_section_save,
    template_version_activate,
    template_version_copy,
)

pytestmark = pytest.mark.django_db


def draft_of_current(cast) -> TemplateVersion:
    return template_version_copy(actor=cast.commission_admin, version=TemplateVersion.current())


def form_values(form) -> dict:
    """What a browser sends for the form as the page shows it."""
    data = {}
    for name in form.fields:
        if form.fields[name].disabled:
            continue
        value = form[name].value()
        if value is True:
            data[form.add_prefix(name)] = "on"
        elif value not in (None, False):
            data[form.add_prefix(name)] = value
    return data


def section_page_data(section, **changes) -> dict:
    """The section page's form as shown, with `changes` (prefixed names) typed in."""
    form = TemplateSectionForm(instance=section, prefix="section")
    formset = QuestionFormSet(instance=section, version=section.version, prefix="questions")
    data = form_values(form) | form_values(formset.management_form)
    for each in formset.forms:
        data |= form_values(each)
    return data | changes


def section_url(section) -> str:
    return reverse("ilo_reports:template_section", args=[section.version_id, section.pk])


def first_section(version) -> TemplateSection:
    return version.sections.order_by("order").first()


def headings(version) -> list[str]:
    return list(version.sections.order_by("order").values_list("heading", flat=True))


def test_the_commission_edits_a_draft_and_new_reports_are_written_in_it(
    cast, client_for, network, semester
):
    admin = client_for(cast.commission_admin)
    draft = draft_of_current(cast)
    listing = admin.get(reverse("ilo_reports:templates")).content.decode()
    assert f"Edit version {draft.number}" in listing
    assert f"View version {TemplateVersion.current().number}" in listing
    section = first_section(draft)
    page = admin.get(reverse("ilo_reports:template_version", args=[draft.pk])).content.decode()
    assert section.heading in page and "cannot be changed" not in page

    questions = section.questions.count()
    new = f"questions-{questions}-"
    response = admin.post(
        section_url(section),
        section_page_data(
            section,
            **{
                "section-heading": "Composition of the network, arrivals and departures",
                "section-heading_fr": "Composition du réseau, arrivées et départs",
                f"{new}key": "vacancies",
                f"{new}label": "Posts left vacant",
                f"{new}label_fr": "Postes vacants",
                f"{new}field_type": "number",
            },
        ),
        follow=True,
    )
    assert "Section “Composition of the network, arrivals and departures” saved." in (
        response.content.decode()
    )
    section.refresh_from_db()
    assert section.heading == "Composition of the network, arrivals and departures"
    added = section.questions.get(key="vacancies")
    assert (added.label, added.field_type, added.order) == (
        "Posts left vacant",
        "number",
        questions + 1,
    )
    changed = LogEntry.objects.get_for_object(section).filter(actor=cast.commission_admin)
    assert changed.exists()
    assert LogEntry.objects.get_for_object(added).filter(actor=cast.commission_admin).exists()

    admin.post(reverse("ilo_reports:template_activate", args=[draft.pk]))
    report = report_open(actor=cast.ilo_fr_tr, network=network, semester=semester)
    assert report.template == draft
    chair = client_for(cast.ilo_fr_tr)
    contents = chair.get(reverse("ilo_reports:edit", args=[report.pk])).content.decode()
    assert "Composition of the network, arrivals and departures" in contents
    page = chair.get(reverse("ilo_reports:section", args=[report.pk, section.pk])).content
    assert "Posts left vacant" in page.decode()
    french = chair.get(
        reverse("ilo_reports:section", args=[report.pk, section.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Composition du réseau, arrivées et départs" in french

    # Now that a report uses it, the version reads only.
    page = admin.get(reverse("ilo_reports:template_version", args=[draft.pk])).content.decode()
    assert "copy it into a new draft to change it" in page
    assert (
        f"View version {draft.number}"
        in admin.get(reverse("ilo_reports:templates")).content.decode()
    )


def test_a_question_is_removed_and_the_questions_reordered(cast, client_for):
    admin = client_for(cast.commission_admin)
    draft = draft_of_current(cast)
    section = draft.sections.get(questions__key="flows")
    keys = list(section.questions.values_list("key", flat=True))
    assert len(keys) >= 2
    changes = {"questions-0-DELETE": "on"} | {
        f"questions-{i}-ORDER": str(len(keys) - i) for i in range(1, len(keys))
    }
    response = admin.post(section_url(section), section_page_data(section, **changes))
    assert response.status_code == 302
    assert list(section.questions.values_list("key", flat=True)) == list(reversed(keys[1:]))
    assert list(section.questions.values_list("order", flat=True)) == list(range(1, len(keys)))
    assert not TemplateQuestion.objects.filter(section__version=draft, key=keys[0]).exists()


def test_sections_are_added_moved_and_removed(cast, client_for):
    admin = client_for(cast.commission_admin)
    draft = draft_of_current(cast)
    version_url = reverse("ilo_reports:template_version", args=[draft.pk])
    part_one = list(draft.sections.filter(part="I").order_by("order"))
    response = admin.post(
        reverse("ilo_reports:template_section_add", args=[draft.pk]),
        {"new-part": "I", "new-heading": "Cooperation with Frontex", "new-source": "portal"},
        follow=True,
    )
    assert "Section “Cooperation with Frontex” added." in response.content.decode()
    added = draft.sections.get(heading="Cooperation with Frontex")
    # Last of Part I, before Part II.
    assert headings(draft)[: len(part_one) + 1] == [s.heading for s in part_one] + [added.heading]

    first, second = part_one[0], part_one[1]
    move = reverse("ilo_reports:template_section_move", args=[draft.pk, first.pk])
    assert admin.post(move, {"direction": "down"}).status_code == 302
    assert headings(draft)[:2] == [second.heading, first.heading]
    # Not past the end of its part.
    up_again = reverse("ilo_reports:template_section_move", args=[draft.pk, second.pk])
    response = admin.post(up_again, {"direction": "up"}, follow=True)
    assert "already at that end of its part" in response.content.decode()
    assert headings(draft)[:2] == [second.heading, first.heading]

    removed_keys = list(first.questions.values_list("key", flat=True))
    remove = reverse("ilo_reports:template_section_remove", args=[draft.pk, first.pk])
    response = admin.post(remove, follow=True)
    assert f"Section “{first.heading}” and its questions removed." in response.content.decode()
    assert first.heading not in headings(draft)
    assert not TemplateQuestion.objects.filter(
        section__version=draft, key__in=removed_keys
    ).exists()
    assert response.redirect_chain[-1][0] == version_url
    orders = list(draft.sections.order_by("order").values_list("order", flat=True))
    assert orders == list(range(1, len(orders) + 1))


def test_a_section_changed_to_another_part_goes_to_its_end(cast, client_for):
    admin = client_for(cast.commission_admin)
    draft = draft_of_current(cast)
    section = first_section(draft)
    admin.post(section_url(section), section_page_data(section, **{"section-part": "III"}))
    assert headings(draft)[-1] == section.heading
    parts = list(draft.sections.order_by("order").values_list("part", flat=True))
    assert parts == sorted(parts, key=["I", "II", "III"].index)


def version_in_use(cast, network, semester, which: str) -> TemplateVersion:
    if which == "active":
        draft = draft_of_current(cast)
        template_version_activate(actor=cast.commission_admin, version=draft)
        return draft
    used = TemplateVersion.current()  # a report is opened in it, then another one is active
    report_open(actor=cast.ilo_fr_tr, network=network, semester=semester)
    template_version_activate(actor=cast.commission_admin, version=draft_of_current(cast))
    return used


@pytest.mark.parametrize("which", ["active", "used"])
def test_a_version_in_use_is_read_only(cast, client_for, network, semester, which):
    version = version_in_use(cast, network, semester, which)
    admin = client_for(cast.commission_admin)
    section = first_section(version)
    before = headings(version)
    questions = list(TemplateQuestion.objects.filter(section__version=version).values())

    page = admin.get(reverse("ilo_reports:template_version", args=[version.pk])).content.decode()
    assert "This version cannot be changed" in page
    assert "reports opened in this version keep it; copy it into a new draft to change it" in (
        page.lower()
    )
    assert section_url(section) not in page and "Add a section" not in page
    response = admin.get(section_url(section))
    assert response.status_code == 302

    base = [version.pk]
    refused = [
        (section_url(section), section_page_data(section, **{"section-heading": "Changed"})),
        (
            reverse("ilo_reports:template_section_add", args=base),
            {"new-part": "I", "new-heading": "Added", "new-source": "portal"},
        ),
        (
            reverse("ilo_reports:template_section_move", args=[*base, section.pk]),
            {"direction": "down"},
        ),
        (reverse("ilo_reports:template_section_remove", args=[*base, section.pk]), {}),
    ]
    for url, data in refused:
        assert admin.post(url, data).status_code == 403, url
    assert headings(version) == before
    assert list(TemplateQuestion.objects.filter(section__version=version).values()) == questions

    section.heading = "Changed by a service call"
    with pytest.raises(PermissionDenied):
        template_section_save(actor=cast.commission_admin, section=section)
    assert headings(version) == before


def test_only_the_commission_edits_the_template(cast, client_for):
    draft = draft_of_current(cast)
    section = first_section(draft)
    before = headings(draft)
    for role in ("ilo_fr_tr", "fr_ncp", "fr_admin", "de_officer"):
        client = client_for(getattr(cast, role))
        for url in (reverse("ilo_reports:template_version", args=[draft.pk]), section_url(section)):
            assert client.get(url).status_code == 403, (role, url)
        for url, data in (
            (section_url(section), section_page_data(section, **{"section-heading": "X"})),
            (
                reverse("ilo_reports:template_section_add", args=[draft.pk]),
                {"new-part": "I", "new-heading": "X", "new-source": "portal"},
            ),
            (
                reverse("ilo_reports:template_section_move", args=[draft.pk, section.pk]),
                {"direction": "down"},
            ),
            (reverse("ilo_reports:template_section_remove", args=[draft.pk, section.pk]), {}),
        ):
            assert client.post(url, data).status_code == 403, (role, url)
    assert headings(draft) == before
    with pytest.raises(PermissionDenied):
        template_section_save(actor=cast.fr_admin, section=section)


def test_a_bad_input_says_what_is_wrong_and_keeps_what_was_typed(cast, client_for):
    admin = client_for(cast.commission_admin)
    draft = draft_of_current(cast)
    section = draft.sections.get(questions__key="flows")
    heading = section.heading
    new = f"questions-{section.questions.count()}-"

    response = admin.post(
        section_url(section),
        section_page_data(
            section,
            **{
                "section-heading": "",
                "section-guidance": "Describe the flows of the semester.",
                f"{new}key": "routes",  # the key of a question of another section
                f"{new}label": "Routes, once more",
            },
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter the heading." in page
    assert "Another question of this version already has the key “routes”." in page
    assert "Describe the flows of the semester." in page and 'value="Routes, once more"' in page
    section.refresh_from_db()
    assert section.heading == heading
    assert not TemplateQuestion.objects.filter(section__version=draft, label="Routes, once more")

    # The version page's form for a new section likewise.
    response = admin.post(
        reverse("ilo_reports:template_section_add", args=[draft.pk]),
        {
            "new-part": "II",
            "new-heading": "",
            "new-heading_fr": "Coopération",
            "new-source": "portal",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Enter the heading." in page
    assert 'value="Coopération"' in page
    assert not draft.sections.filter(heading_fr="Coopération").exists()


def test_a_table_question_keeps_its_rows_and_columns(cast, client_for):
    admin = client_for(cast.commission_admin)
    draft = draft_of_current(cast)
    statistics = TemplateQuestion.objects.get(section__version=draft, key="statistics")
    section = statistics.section
    page = admin.get(section_url(section)).content.decode()
    assert "Rows and columns of the table (not changed here)" in page
    index = list(section.questions.values_list("pk", flat=True)).index(statistics.pk)
    data = section_page_data(
        section,
        **{
            f"questions-{index}-label": "Statistics of the half-year",
            f"questions-{index}-field_type": "text",
        },
    )
    assert admin.post(section_url(section), data).status_code == 302
    statistics.refresh_from_db()
    assert statistics.label == "Statistics of the half-year"
    assert statistics.field_type == "table" and statistics.table["rows"]


def test_the_editor_pages_cost_the_same_for_few_or_many_sections(
    cast, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = client_for(cast.commission_admin)
    draft = draft_of_current(cast)
    section = first_section(draft)
    urls = [reverse("ilo_reports:template_version", args=[draft.pk]), section_url(section)]
    costs = []
    for url in urls:
        admin.get(url)
        with CaptureQueriesContext(connection) as captured:
            admin.get(url)
        costs.append(len(captured))
    for number in range(5):
        added = TemplateSection.objects.create(
            version=draft, part="III", order=100 + number, heading=f"Added {number}"
        )
        TemplateQuestion.objects.create(section=added, order=1, key=f"added_{number}", label="A")
        TemplateQuestion.objects.create(
            section=section, order=100 + number, key=f"more_{number}", label="More"
        )
    for url, cost in zip(urls, costs, strict=True):
        with django_assert_max_num_queries(cost):
            assert admin.get(url).status_code == 200
