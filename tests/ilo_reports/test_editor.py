"""The report editor: the contents with each section's state, one page and one save per
section, the completeness check before submission, the nationality pickers, and the buttons
each role sees."""

import pytest
from django.urls import reverse

from ilo_reports.models import IloReport, ReportStatus, TemplateQuestion, TemplateSection
from ilo_reports.services import report_save
from tests.ilo_reports.conftest import required_answered

pytestmark = pytest.mark.django_db


def sections(report):
    return list(TemplateSection.objects.filter(version=report.template).order_by("order"))


def section_url(report, section):
    return reverse("ilo_reports:section", args=[report.pk, section.pk])


def text_question(section):
    return section.questions.get(field_type="long_text")


def save(client, report, section, lock_version, **data):
    return client.post(section_url(report, section), {"lock_version": lock_version, **data})


def complete(cast, report) -> IloReport:
    """Every question of the report answered."""
    answers = {}
    for question in TemplateQuestion.objects.filter(section__version=report.template):
        if question.field_type == "table":
            column = question.table["columns"][0]
            value = 1 if column.get("type") == "number" else "x"
            answers[str(question.pk)] = {
                row["key"]: {column["key"]: value} for row in question.table["rows"]
            }
        elif question.field_type == "countries":
            answers[str(question.pk)] = "SY"
        else:
            answers[str(question.pk)] = "Answered."
    return report_save(
        actor=cast.ilo_fr_tr, report=report, answers=answers, lock_version=report.lock_version
    )


# --- the contents and the section pages -----------------------------------------------------


def test_the_contents_shows_each_sections_state_and_links_to_its_page(cast, client_for, report):
    flows = TemplateSection.objects.get(
        version=report.template, questions__key="flows_nationalities"
    )
    first = sections(report)[0]
    chair = client_for(cast.ilo_fr_tr)
    save(chair, report, first, 0, **{f"q{text_question(first).pk}": "Two officers arrived."})
    save(chair, report, flows, 1, **{f"q{text_question(flows).pk}": "Flows rose by a tenth."})
    report.refresh_from_db()
    progress = {p.section.pk: p.state for p in report.progress()}
    assert progress[first.pk] == "answered" and progress[flows.pk] == "partly"
    assert list(progress.values()).count("empty") == len(progress) - 2
    page = chair.get(reverse("ilo_reports:edit", args=[report.pk])).content.decode()
    assert f"{len(progress) - 2} of {len(progress)} sections are empty." in page
    for section in sections(report):
        assert section_url(report, section) in page
    assert page.count("Partly answered") == 1 and page.count(">Answered<") == 1
    assert reverse("ilo_reports:submit", args=[report.pk]) in page


def test_a_section_is_saved_on_its_own_and_keeps_the_others(cast, client_for, report):
    first, second, *_rest = sections(report)
    chair = client_for(cast.ilo_fr_tr)
    response = save(chair, report, first, 0, **{f"q{text_question(first).pk}": "Composition."})
    assert response.status_code == 302 and response.url == section_url(report, first)
    response = save(
        chair, report, second, 1, then="next", **{f"q{text_question(second).pk}": "Meetings."}
    )
    # "Save and go to the next section"
    assert response.status_code == 302 and response.url == section_url(report, sections(report)[2])
    report.refresh_from_db()
    assert report.answers == {
        str(text_question(first).pk): "Composition.",
        str(text_question(second).pk): "Meetings.",
    }
    assert report.lock_version == 2
    # Emptying a section removes its answer only.
    save(chair, report, first, 2, **{f"q{text_question(first).pk}": ""})
    report.refresh_from_db()
    assert report.answers == {str(text_question(second).pk): "Meetings."}


def test_the_last_sections_next_goes_back_to_the_contents(cast, client_for, report):
    last = sections(report)[-1]
    response = save(client_for(cast.ilo_fr_tr), report, last, 0, then="next")
    assert response.status_code == 302
    assert response.url == reverse("ilo_reports:edit", args=[report.pk])
    page = client_for(cast.ilo_fr_tr).get(section_url(report, last)).content.decode()
    assert "Save and go back to the contents" in page and "Next section" not in page


def test_a_conflict_on_a_section_keeps_what_the_user_typed(cast, client_for, report):
    first = sections(report)[0]
    name = f"q{text_question(first).pk}"
    save(client_for(cast.ilo_fr_tr), report, first, 0, **{name: "Saved by the chair."})
    # A colleague still has the section loaded at version 0.
    response = save(client_for(cast.fr_ncp), report, first, 0, **{name: "Typed by a colleague."})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved" in page and "Saved by the chair." in page
    assert "Typed by a colleague.</textarea>" in page
    assert 'name="lock_version" value="1"' in page
    report.refresh_from_db()
    assert report.answers[name[1:]] == "Saved by the chair." and report.lock_version == 1
    # A save in another section conflicts too: the lock is the report's.
    other = sections(report)[1]
    response = save(
        client_for(cast.fr_ncp), report, other, 0, **{f"q{text_question(other).pk}": "x"}
    )
    assert response.status_code == 200 and "Someone else saved" in response.content.decode()


def test_a_section_page_is_the_drafters_and_of_the_reports_template(cast, client_for, report):
    first = sections(report)[0]
    assert client_for(cast.ilo_fr_tr).get(section_url(report, first)).status_code == 200
    assert client_for(cast.ilo_de_tr).get(section_url(report, first)).status_code == 403
    assert client_for(cast.de_officer).get(section_url(report, first)).status_code == 404
    assert save(client_for(cast.ilo_de_tr), report, first, 0).status_code == 403
    stranger = TemplateSection.objects.create(
        version=report.template.__class__.objects.create(number=99, title="Other"),
        part="I",
        order=1,
        heading="Not in the report",
    )
    assert client_for(cast.ilo_fr_tr).get(section_url(report, stranger)).status_code == 404
    # The contents page takes no POST: sections are saved on their own pages.
    edit = reverse("ilo_reports:edit", args=[report.pk])
    assert client_for(cast.ilo_fr_tr).post(edit, {"lock_version": 0}).status_code == 405


# --- nationalities ------------------------------------------------------------------------------


def test_nationalities_are_picked_and_stored_as_before(cast, client_for, report):
    flows = TemplateQuestion.objects.get(
        section__version=report.template, key="flows_nationalities"
    )
    statistics = TemplateQuestion.objects.get(section__version=report.template, key="statistics")
    assert flows.field_type == "countries"
    assert statistics.table["columns"][1]["type"] == "countries"
    # A report written when nationalities were typed: codes, and a word that is not one.
    report_save(
        actor=cast.ilo_fr_tr,
        report=report,
        lock_version=0,
        answers={
            str(flows.pk): "SY, AF, Syria",
            str(statistics.pk): {"returns": {"nationalities": "IQ"}},
        },
    )
    chair = client_for(cast.ilo_fr_tr)
    page = chair.get(section_url(report, flows.section)).content.decode()
    assert f'<select name="q{flows.pk}__1"' in page
    assert '<option value="SY" selected>' in page and '<option value="AF" selected>' in page
    assert '<option value="SYRIA" selected>SYRIA (as typed)</option>' in page
    assert "Main nationalities – most frequent" in page
    table = chair.get(section_url(report, statistics.section)).content.decode()
    assert f'name="q{statistics.pk}__returns__nationalities__3"' in table
    assert '<option value="IQ" selected>' in table
    # A nationality chosen twice is refused, and what was typed stays in the form.
    response = save(
        chair,
        report,
        flows.section,
        1,
        **{f"q{flows.pk}__1": "ER", f"q{flows.pk}__2": "SD", f"q{flows.pk}__3": "ER"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Eritrea is already chosen above; choose each nationality once." in page
    assert '<option value="SD" selected>' in page
    report.refresh_from_db()
    assert report.answers[str(flows.pk)] == "SY, AF, Syria" and report.lock_version == 1
    # Saving keeps the stored form: codes, most frequent first.
    response = save(
        chair, report, flows.section, 1, **{f"q{flows.pk}__1": "ER", f"q{flows.pk}__2": "SD"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.answers[str(flows.pk)] == "ER, SD"
    assert report.answers[str(statistics.pk)] == {"returns": {"nationalities": "IQ"}}
    # Readers see the countries' names.
    detail = chair.get(report.get_absolute_url()).content.decode()
    assert "Eritrea (ER), Sudan (SD)" in detail
    refused = save(chair, report, flows.section, 2, **{f"q{flows.pk}__1": "XX"})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()


# --- the completeness check ---------------------------------------------------------------------


def submit_url(report):
    return reverse("ilo_reports:submit", args=[report.pk])


def test_a_report_without_its_required_answers_is_refused_with_what_is_missing(
    cast, client_for, report
):
    chair = client_for(cast.ilo_fr_tr)
    statistics = TemplateQuestion.objects.get(section__version=report.template, key="statistics")
    rows = statistics.table["rows"]
    report_save(
        actor=cast.ilo_fr_tr,
        report=report,
        lock_version=0,
        answers={str(statistics.pk): {rows[0]["key"]: {"number": 0}}},
    )
    page = chair.get(submit_url(report)).content.decode()
    missing = len(rows)  # every statistics row but the first, and the assessment
    assert f"{missing} required answers are missing" in page
    for row in rows[1:]:
        assert f"Statistics: Statistics of the semester – {row['label']}" in page
    assert f"Statistics of the semester – {rows[0]['label']}" not in page
    assert "Assessment: " in page
    part_two = reverse("ilo_reports:part", args=[report.pk, "II"])
    assert f'href="{part_two}#section-{statistics.section_id}"' in page
    assert "Submit anyway" not in page and 'name="confirm_empty"' not in page
    # Even a forged confirmation of every section does not submit it.
    confirm = [str(section.pk) for section in sections(report)]
    response = chair.post(submit_url(report), {"confirm_empty": confirm}, follow=True)
    assert f"{missing} required answers are missing" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_an_incomplete_report_meets_the_completeness_check(cast, client_for, report):
    first = sections(report)[0]
    chair = client_for(cast.ilo_fr_tr)
    save(chair, report, first, 0, **{f"q{text_question(first).pk}": "Composition."})
    report = required_answered(report)
    response = chair.post(submit_url(report))
    assert response.status_code == 302 and response.url == submit_url(report)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    page = chair.get(submit_url(report)).content.decode()
    answered = {s.pk for s in sections(report) if s.questions.filter(required=True).exists()} | {
        first.pk
    }
    empty = [s for s in sections(report) if s.pk not in answered]
    assert f"{len(empty)} of {len(sections(report))} sections have no answer" in page
    for section in empty:
        assert section_url(report, section) in page and section.heading in page
    assert section_url(report, first) not in page and "required answer" not in page
    assert "Submit anyway" in page and reverse("ilo_reports:edit", args=[report.pk]) in page
    # "Submit anyway" confirms the sections listed.
    confirm = [str(section.pk) for section in empty]
    response = chair.post(submit_url(report), {"confirm_empty": confirm})
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_section_emptied_after_the_check_asks_again(cast, client_for, report):
    first = sections(report)[0]
    chair = client_for(cast.ilo_fr_tr)
    save(chair, report, first, 0, **{f"q{text_question(first).pk}": "Composition."})
    report = required_answered(report)
    confirm = [str(section.pk) for section in report.empty_sections()]
    save(chair, report, first, 2, **{f"q{text_question(first).pk}": ""})  # emptied meanwhile
    response = chair.post(submit_url(report), {"confirm_empty": confirm})
    assert response.status_code == 302 and response.url == submit_url(report)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_a_complete_report_submits_directly(cast, client_for, report):
    complete(cast, report)
    chair = client_for(cast.ilo_fr_tr)
    page = chair.get(submit_url(report)).content.decode()
    assert "Every section has an answer." in page and "Submit anyway" not in page
    response = chair.post(submit_url(report))
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_the_completeness_check_is_the_drafters(cast, client_for, report):
    assert client_for(cast.ilo_fr_tr).get(submit_url(report)).status_code == 200
    assert client_for(cast.ilo_de_tr).get(submit_url(report)).status_code == 403
    assert client_for(cast.de_officer).get(submit_url(report)).status_code == 404
    confirm = [str(section.pk) for section in sections(report)]
    assert (
        client_for(cast.ilo_de_tr).post(submit_url(report), {"confirm_empty": confirm}).status_code
        == 403
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


# --- the buttons each role sees -----------------------------------------------------------------

EDIT, SUBMIT = "Edit the draft", "Submit for review"
CONTRIBUTE, REVIEW = "Contribute to a section", "Mark as reviewed"
COMMISSION_NOTE = "The Commission reviews and publishes the report once it is submitted."
CHAIR_NOTE = "edits the report and submits it for review."


def detail(client_for, user, report) -> str:
    return client_for(user).get(report.get_absolute_url()).content.decode()


def test_the_draft_shows_each_role_its_own_buttons_and_who_does_the_rest(cast, client_for, report):
    chair = detail(client_for, cast.ilo_fr_tr, report)
    assert EDIT in chair and SUBMIT in chair and COMMISSION_NOTE in chair
    assert REVIEW not in chair and CHAIR_NOTE not in chair
    assert "sections have no answer yet" in chair
    member = detail(client_for, cast.ilo_de_tr, report)
    assert EDIT not in member and SUBMIT not in member and CONTRIBUTE in member
    assert f"The chairing service, {report.owner}, {CHAIR_NOTE}" in member
    assert "You can send it a contribution to a section." in member
    assert reverse("ilo_reports:edit", args=[report.pk]) not in member
    assert submit_url(report) not in member


def test_the_submitted_report_shows_the_reviewer_his_buttons_and_the_chair_who_reviews(
    cast, client_for, report
):
    complete(cast, report)
    client_for(cast.ilo_fr_tr).post(submit_url(report))
    chair = detail(client_for, cast.ilo_fr_tr, report)
    assert EDIT not in chair and SUBMIT not in chair and REVIEW not in chair
    assert "The Commission reviews and publishes the report; if it returns" in chair
    assert reverse("ilo_reports:publish", args=[report.pk]) not in chair
    reviewer = detail(client_for, cast.commission_admin, report)
    assert REVIEW in reviewer and "Return for correction" in reviewer
    assert EDIT not in reviewer and "The Commission reviews" not in reviewer


def test_open_a_report_is_offered_only_to_who_can_open_one(cast, client_for, network, semester):
    url = reverse("ilo_reports:open")
    listing = reverse("ilo_reports:list")
    assert url in client_for(cast.ilo_fr_tr).get(listing).content.decode()
    for user in (cast.ilo_de_tr, cast.commission_admin):
        page = client_for(user).get(listing).content.decode()
        assert url not in page and "The service chairing a network" in page, user
    # Once the chair's report is open, nothing is left to open.
    client_for(cast.ilo_fr_tr).post(
        url, {"network": network.pk, "semester": str(semester), "marking": "AMBER"}
    )
    assert IloReport.objects.exists()
    assert url not in client_for(cast.ilo_fr_tr).get(listing).content.decode()
