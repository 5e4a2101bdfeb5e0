"""Fixtures of the ILO area: the Türkiye network, chaired by France, with its two posted ILOs."""

import pytest

from iconet.models import Organisation
from ilo_reports.models import Network, NetworkChair, Semester
from ilo_reports.services import report_open
from tests.items import ilo_network_chaired


def network_make(code: str = "TR", name: str = "Türkiye") -> Network:
    """A network whose members are the cast's ILOs posted in its host country."""
    return ilo_network_chaired(chairs={}, host_country=code, name=name)


@pytest.fixture
def semester():
    return Semester.reporting()


@pytest.fixture
def network(cast, semester):
    network = network_make()
    fr = Organisation.objects.get(short_name="BP-FR")
    NetworkChair.objects.create(
        network=network, semester=str(semester), organisation=fr, officer=cast.ilo_fr_tr
    )
    return network


@pytest.fixture
def report(cast, network, semester):
    """A draft opened by the chair's ILO."""
    return report_open(actor=cast.ilo_fr_tr, network=network, semester=semester)


def named(report) -> str:
    """How a notification's title names the report (in English)."""
    return f"The report of {report.network} for {report.semester}"


def required_answered(report, actor=None):
    """The report with its required answers given (a figure in every statistics row, a text
    elsewhere), its other answers kept: what submission needs."""
    from ilo_reports.models import IloReport, TemplateQuestion
    from ilo_reports.services import report_save

    report = IloReport.objects.get(pk=report.pk)
    answers = dict(report.answers)
    for question in TemplateQuestion.objects.filter(
        section__version=report.template, required=True
    ):
        key = str(question.pk)
        if question.field_type == "table":
            first = question.table["columns"][0]["key"]
            table = {row: dict(cells) for row, cells in (answers.get(key) or {}).items()}
            for row in question.table["rows"]:
                table.setdefault(row["key"], {}).setdefault(first, 0)
            answers[key] = table
        elif not answers.get(key):
            answers[key] = "Answered."
    return report_save(
        actor=actor or report.author,
        report=report,
        answers=answers,
        lock_version=report.lock_version,
    )
