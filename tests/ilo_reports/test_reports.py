"""The network report from draft to publication, through the pages its users use."""

import io

import pytest
from django.urls import reverse

from iconet.models import Notification, State
from ilo_reports.models import (
    Contribution,
    IloReport,
    ReportStatus,
    TemplateQuestion,
    TemplateSection,
    TemplateVersion,
)
from tests.ilo_reports.conftest import named, required_answered

pytestmark = pytest.mark.django_db


def questions(report):
    return list(
        TemplateQuestion.objects.filter(section__version=report.template).order_by(
            "section__order", "order"
        )
    )


def first_text_question(report):
    return next(q for q in questions(report) if q.field_type == "long_text")


def section_url(report, section_id):
    return reverse("ilo_reports:section", args=[report.pk, section_id])


def edit(client, report, lock_version, answers):
    """Save answers of one section (that of the first question given) on its page."""
    section_id = TemplateQuestion.objects.get(pk=next(iter(answers))).section_id
    data = {"lock_version": lock_version, **{f"q{pk}": text for pk, text in answers.items()}}
    return client.post(section_url(report, section_id), data)


def step(client, name, report, **data):
    return client.post(reverse(f"ilo_reports:{name}", args=[report.pk]), data)


def submit(client, report):
    """Submit with the required answers given, confirming every section that may be empty."""
    required_answered(report)
    sections = report.template.sections.values_list("pk", flat=True)
    return step(client, "submit", report, confirm_empty=[str(pk) for pk in sections])


def test_version_1_holds_the_2005_687_format():
    version = TemplateVersion.objects.get(number=1)
    parts = set(version.sections.values_list("part", flat=True))
    assert parts == {"I", "II", "III"}
    statistics = TemplateQuestion.objects.get(section__version=version, key="statistics")
    assert statistics.field_type == "table"
    assert [row["key"] for row in statistics.table["rows"]][:3] == [
        "refusals_land",
        "refusals_air",
        "refusals_sea",
    ]


def test_a_draft_is_visible_to_the_network_members_only(cast, client_for, report):
    url = report.get_absolute_url()
    for role in ("ilo_fr_tr", "ilo_de_tr", "fr_ncp"):
        assert client_for(getattr(cast, role)).get(url).status_code == 200, role
    # Another Member State's officer, the Commission (before submission) and agencies: as if absent.
    for role in ("de_officer", "de_ncp", "commission_admin", "frontex_user", "fr_no_area"):
        assert client_for(getattr(cast, role)).get(url).status_code == 404, role
    assert set(IloReport.objects.visible_to(cast.de_officer)) == set()
    # A member of another service sees the draft but only the chair's side edits it.
    assert (
        client_for(cast.ilo_de_tr).get(reverse("ilo_reports:edit", args=[report.pk])).status_code
        == 403
    )
    assert (
        client_for(cast.de_officer).get(reverse("ilo_reports:edit", args=[report.pk])).status_code
        == 404
    )


def test_only_the_chairing_service_opens_the_report_once(cast, client_for, network, semester):
    url = reverse("ilo_reports:open")
    response = client_for(cast.ilo_de_tr).post(
        url, {"network": network.pk, "semester": str(semester), "marking": "AMBER"}
    )
    assert response.status_code == 200 and not IloReport.objects.exists()
    response = client_for(cast.ilo_fr_tr).post(
        url, {"network": network.pk, "semester": str(semester), "marking": "AMBER"}
    )
    report = IloReport.objects.get()
    assert response.status_code == 302 and report.owner == cast.ilo_fr_tr.organisation
    assert report.template == TemplateVersion.current() and report.status == ReportStatus.DRAFT
    again = client_for(cast.ilo_fr_tr).post(
        url, {"network": network.pk, "semester": str(semester), "marking": "AMBER"}
    )
    assert again.status_code == 200 and IloReport.objects.count() == 1
    # The other members were told the report is open.
    assert Notification.objects.filter(
        recipient=cast.ilo_de_tr, url=report.get_absolute_url()
    ).exists()


def test_the_contents_and_the_section_pages_follow_the_template_completely(
    cast, client_for, report
):
    chair = client_for(cast.ilo_fr_tr)
    contents = chair.get(reverse("ilo_reports:edit", args=[report.pk])).content.decode()
    assert "personal data of migrants" in contents
    for section in TemplateSection.objects.filter(version=report.template):
        assert section.heading in contents and section_url(report, section.pk) in contents
    for question in questions(report):
        page = chair.get(section_url(report, question.section_id)).content.decode()
        assert "data-warn-unsaved" in page and question.section.heading in page
        if question.field_type == "table":
            for row in question.table["rows"]:
                assert row["label"] in page
                assert (
                    f'name="q{question.pk}__{row["key"]}__{question.table["columns"][0]["key"]}"'
                    in page
                )
        elif question.field_type == "countries":
            assert f'name="q{question.pk}__1"' in page
        else:
            assert f'name="q{question.pk}"' in page


def test_saving_keeps_the_text_and_a_concurrent_save_is_a_conflict(cast, client_for, report):
    question = first_text_question(report)
    chair = client_for(cast.ilo_fr_tr)
    assert edit(chair, report, 0, {question.pk: "Five meetings held."}).status_code == 302
    report.refresh_from_db()
    assert report.answers[str(question.pk)] == "Five meetings held." and report.lock_version == 1
    # A colleague of the chair's service still has the form loaded at version 0.
    colleague = client_for(cast.fr_ncp)
    response = edit(colleague, report, 0, {question.pk: "Four meetings and a workshop."})
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Someone else saved" in page
        and "Five meetings held." in page
        and "Four meetings and a workshop." in page
    )
    assert 'name="lock_version" value="1"' in page  # saving again is now deliberate
    report.refresh_from_db()
    assert report.answers[str(question.pk)] == "Five meetings held." and report.lock_version == 1
    assert (
        edit(colleague, report, 1, {question.pk: "Five meetings and a workshop."}).status_code
        == 302
    )
    report.refresh_from_db()
    assert (
        report.answers[str(question.pk)] == "Five meetings and a workshop."
        and report.lock_version == 2
    )


def test_table_answers_are_saved_by_row_and_column(cast, client_for, report):
    statistics = TemplateQuestion.objects.get(section__version=report.template, key="statistics")
    data = {
        "lock_version": 0,
        f"q{statistics.pk}__refusals_air__number": "120",
        f"q{statistics.pk}__refusals_air__nationalities__1": "SY",
        f"q{statistics.pk}__refusals_air__nationalities__2": "AF",
        f"q{statistics.pk}__returns__number": "abc",
    }
    url = section_url(report, statistics.section_id)
    response = client_for(cast.ilo_fr_tr).post(url, data)
    assert response.status_code == 200 and "Enter a whole number." in response.content.decode()
    data[f"q{statistics.pk}__returns__number"] = "7"
    assert client_for(cast.ilo_fr_tr).post(url, data).status_code == 302
    report.refresh_from_db()
    assert report.answers[str(statistics.pk)] == {
        "refusals_air": {"number": 120, "nationalities": "SY, AF"},
        "returns": {"number": 7},
    }


def test_members_contribute_and_the_chair_incorporates(cast, client_for, report):
    question = first_text_question(report)
    url = reverse("ilo_reports:contribute", args=[report.pk])
    assert (
        client_for(cast.de_officer)
        .post(url, {"section": question.section_id, "text": "x"})
        .status_code
        == 404
    )
    response = client_for(cast.ilo_de_tr).post(
        url, {"section": question.section_id, "text": "German ILO joined in May."}
    )
    assert response.status_code == 302
    contribution = Contribution.objects.get()
    assert contribution.organisation == cast.ilo_de_tr.organisation
    assert Notification.objects.filter(
        recipient=cast.ilo_fr_tr, title__contains="contribution"
    ).exists()
    incorporate = reverse("ilo_reports:incorporate", args=[report.pk, contribution.pk])
    assert client_for(cast.ilo_de_tr).post(incorporate).status_code == 403
    assert client_for(cast.ilo_fr_tr).post(incorporate).status_code == 302
    report.refresh_from_db()
    assert (
        "German ILO joined in May." in report.answers[str(question.pk)] and report.lock_version == 1
    )
    contribution.refresh_from_db()
    assert contribution.incorporated_by == cast.ilo_fr_tr


def test_submit_review_publish(cast, client_for, report):
    chair, reviewer = client_for(cast.ilo_fr_tr), client_for(cast.commission_admin)
    assert step(client_for(cast.ilo_de_tr), "submit", report).status_code == 403
    assert submit(chair, report).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.state == State.DRAFT
    # Submitted: the reviewers read it now, and were told; the chair can no longer edit.
    assert reviewer.get(report.get_absolute_url()).status_code == 200
    assert Notification.objects.filter(
        recipient=cast.commission_admin,
        title=f"{report.reference}: {named(report)} was submitted for review",
    ).exists()
    assert chair.get(reverse("ilo_reports:edit", args=[report.pk])).status_code == 403
    assert client_for(cast.de_officer).get(report.get_absolute_url()).status_code == 404
    # Only a reviewer reviews and publishes.
    assert step(chair, "review", report).status_code == 403
    assert step(reviewer, "publish", report, audience="network", marking="AMBER").status_code == 403
    assert step(reviewer, "review", report, comment="Complete.").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.REVIEWED and report.reviewed_by == cast.commission_admin
    assert Notification.objects.filter(
        recipient=cast.ilo_fr_tr, title=f"{report.reference}: {named(report)} was reviewed"
    ).exists()
    page = reviewer.get(reverse("ilo_reports:publish", args=[report.pk])).content.decode()
    assert 'value="network" checked' in page or ('value="network"' in page and "checked" in page)
    assert step(reviewer, "publish", report, audience="network", marking="GREEN").status_code == 302
    report.refresh_from_db()
    assert (report.status, report.state, report.marking) == (
        ReportStatus.PUBLISHED,
        State.PUBLISHED,
        "GREEN",
    )
    # Published to the network: every Member State's ILO-area users, not the agencies; read-only.
    assert client_for(cast.de_officer).get(report.get_absolute_url()).status_code == 200
    assert client_for(cast.frontex_user).get(report.get_absolute_url()).status_code == 404
    assert chair.get(reverse("ilo_reports:edit", args=[report.pk])).status_code == 403
    assert Notification.objects.filter(
        recipient=cast.ilo_de_tr, title=f"{report.reference}: {named(report)} was published"
    ).exists()
    assert list(report.events.values_list("status", flat=True)) == [
        "draft",
        "submitted",
        "reviewed",
        "published",
    ]


def test_return_for_correction_needs_a_comment_and_reopens_the_draft(cast, client_for, report):
    chair, reviewer = client_for(cast.ilo_fr_tr), client_for(cast.commission_admin)
    submit(chair, report)
    assert step(client_for(cast.fr_ncp), "return", report, comment="No").status_code == 403
    response = step(reviewer, "return", report, comment="")
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert step(reviewer, "return", report, comment="Statistics missing.").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.review_comment == "Statistics missing."
    assert Notification.objects.filter(
        recipient=cast.ilo_fr_tr, title__endswith=f"{named(report)} was returned for correction"
    ).exists()
    assert "Statistics missing." in chair.get(report.get_absolute_url()).content.decode()
    assert chair.get(reverse("ilo_reports:edit", args=[report.pk])).status_code == 200
    assert submit(chair, report).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def publish(client_for, cast, report):
    submit(client_for(cast.ilo_fr_tr), report)
    step(client_for(cast.commission_admin), "review", report)
    step(client_for(cast.commission_admin), "publish", report, audience="network", marking="AMBER")
    report.refresh_from_db()
    return report


def test_a_correction_is_a_new_revision_with_its_differences(cast, client_for, report):
    question = first_text_question(report)
    chair = client_for(cast.ilo_fr_tr)
    edit(chair, report, 0, {question.pk: "Three meetings.\nNo incident."})
    publish(client_for, cast, report)
    assert step(client_for(cast.ilo_de_tr), "revise", report).status_code == 403
    assert step(chair, "revise", report).status_code == 302
    revision = IloReport.objects.get(previous=report)
    assert (
        revision.revision == 2
        and revision.status == ReportStatus.DRAFT
        and revision.answers == report.answers
    )
    assert revision.reference.endswith("-R2")
    assert step(chair, "revise", report).status_code == 403  # one correction per revision
    edit(chair, revision, 0, {question.pk: "Four meetings.\nNo incident."})
    page = chair.get(reverse("ilo_reports:changes", args=[revision.pk])).content.decode()
    assert "-Three meetings." in page and "+Four meetings." in page and question.label in page
    # The published revision itself is untouched.
    report.refresh_from_db()
    assert report.answers[str(question.pk)] == "Three meetings.\nNo incident."


def test_print_view_and_pdf_carry_every_heading_and_the_marking(cast, client_for, report):
    from pypdf import PdfReader

    question = first_text_question(report)
    edit(client_for(cast.ilo_fr_tr), report, 0, {question.pk: "Answer text."})
    client = client_for(cast.ilo_fr_tr)
    slug = report.type_slug()
    page = client.get(reverse("sharing:print", args=[slug, report.pk])).content.decode()
    headings = list(
        TemplateSection.objects.filter(version=report.template).values_list("heading", flat=True)
    )
    assert "TLP:AMBER" in page and "Answer text." in page
    for heading in headings:
        assert heading in page
    response = client.get(reverse("sharing:export_pdf", args=[slug, report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) > 1
    assert all("TLP:AMBER" in text for text in texts)
    whole = " ".join(" ".join(texts).split())
    for heading in headings:
        assert " ".join(heading.split()) in whole, heading
