"""The ILO pages refuse unbounded answers and answer a bad semester with the portal's page."""

import pytest
from django.urls import reverse

from ilo_reports.models import IloReport, TemplateQuestion

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["0-S1", "99999-S2", "-1-S1", "2026-S3", "abc"])
def test_a_bad_semester_answers_400(cast, client_for, network, code):
    response = client_for(cast.commission_admin).get(
        reverse("ilo_reports:missing"), {"semester": code}
    )
    assert response.status_code == 400
    assert "The request could not be processed" in response.content.decode()


def test_an_over_long_answer_is_refused_and_kept(cast, client_for, report):
    question = next(
        q
        for q in TemplateQuestion.objects.filter(section__version=report.template).order_by(
            "section__order", "order"
        )
        if q.field_type == "long_text"
    )
    text = "z" * 10_001
    response = client_for(cast.ilo_fr_tr).post(
        reverse("ilo_reports:section", args=[report.pk, question.section_id]),
        {"lock_version": 0, f"q{question.pk}": text},
    )
    assert response.status_code == 200
    assert (
        "at most 10000 characters" in response.content.decode()
        and text in response.content.decode()
    )
    assert IloReport.objects.get(pk=report.pk).answers == {}


def test_a_short_answer_refuses_a_line_break(cast, client_for, report):
    # A template may ask for short texts (version 1 has none since nationalities are picked).
    section = report.template.sections.order_by("order").first()
    question = TemplateQuestion.objects.create(
        section=section, order=99, key="place", label="Place", field_type="text"
    )
    response = client_for(cast.ilo_fr_tr).post(
        reverse("ilo_reports:section", args=[report.pk, question.section_id]),
        {"lock_version": 0, f"q{question.pk}": "Ankara\nBcc: x@y"},
    )
    assert response.status_code == 200 and "Write this on one line" in response.content.decode()
