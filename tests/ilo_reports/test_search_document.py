"""A report's stored search vector follows every write that changes what search reads of it:
its answers and the reviewer's comment however they are written, and its network's name."""

import pytest

from iconet.models import Language
from iconet.search.services import SearchFilters, search
from ilo_reports.models import IloReport
from tests.items import item_make

pytestmark = pytest.mark.django_db

REPORT = "ilo_reports.iloreport"


def found(user, text) -> list:
    return [hit.item for hit in search(user, SearchFilters(text=text)).hits]


def test_answers_and_comment_are_found_as_they_are_written(cast):
    report = item_make(
        REPORT,
        author=cast.ilo_fr_tr,
        answers={"1": "Facilitators forged Bulgarian visas", "2": {"a": {"b": "Edirne"}}},
    )
    reader = cast.de_ncp
    assert found(reader, "forging") == [report]  # English stemming of the report's language
    assert found(reader, "Edirne") == [report]  # a table's cell
    # A write that bypasses the model's save (an update of the rows) is followed too.
    IloReport.objects.filter(pk=report.pk).update(
        review_comment="The chair should mention the Kapikule crossing"
    )
    assert found(reader, "Kapikule") == [report]
    IloReport.objects.filter(pk=report.pk).update(answers={"1": "Nothing new"})
    assert found(reader, "Edirne") == []


def test_a_french_report_is_stemmed_in_french(cast):
    report = item_make(
        REPORT,
        author=cast.ilo_fr_tr,
        language=Language.FRENCH,
        answers={"1": "Les passeurs falsifiaient des passeports"},
    )
    assert found(cast.de_ncp, "falsifier") == [report]


def test_a_renamed_network_is_found_under_its_new_name_only(cast):
    report = item_make(REPORT, author=cast.ilo_fr_tr, answers={"1": "Routine"})
    network = report.network
    old_name = network.name
    assert report in found(cast.de_ncp, old_name)
    network.name = "Anatolia liaison network"
    network.save()
    assert found(cast.de_ncp, "Anatolia") == [report]
    assert report not in found(cast.de_ncp, old_name)
