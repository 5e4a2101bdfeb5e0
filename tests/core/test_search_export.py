"""Exports of a search: the CSV or PDF holds every match the user may read, in the order of the
search's pages and of every area, and never an item the user may not read; a large one is
made by the worker for its requester only."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils.text import capfirst
from pypdf import PdfReader

from iconet.models import AccessLog, Audience, ExportJob
from iconet.search.services import SearchFilters, search
from tests.core.test_exports import wait_for
from tests.core.test_search import SEARCHED, text_field
from tests.items import item_make

pytestmark = pytest.mark.django_db


def make(slug, text, **kwargs):
    return item_make(slug, **{text_field(dict(SEARCHED)[slug]): text, **kwargs})


def export(client, query, fmt="csv"):
    return client.post(
        reverse("exports:start"), {"source": "search", "format": fmt, "query": query}
    )


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_export_of_a_search_holds_every_readable_match_of_every_area_in_order(cast, client_for):
    reader = cast.fr_ncp
    visible = [
        make(slug, "Zorblatt " * (index + 1) + "route", author=cast.fr_officer, marking="GREEN")
        for index, (slug, _type) in enumerate(SEARCHED)
    ]
    hidden = [
        make(slug, "Zorblatt quixotrel", author=cast.de_ncp, audience=Audience.OWNER)
        for slug, _type in SEARCHED
    ]
    make(SEARCHED[0][0], "Unrelated words", author=cast.fr_officer, marking="GREEN")
    client = client_for(reader)

    page = client.get(reverse("search"), {"q": "zorblatt"}).content.decode()
    assert 'name="source" value="search"' in page and 'value="q=zorblatt"' in page

    response = export(client, "q=zorblatt")
    assert response.status_code == 200
    rows = csv_rows(response.content)
    assert rows[-2][0].startswith("TLP:GREEN:")
    headings, body = rows[0], rows[1:-3]
    references = [row[headings.index("Reference")] for row in body]
    shown = search(reader, SearchFilters(text="zorblatt"), page_size=100).hits
    assert references == [hit.item.reference for hit in shown]
    assert sorted(references) == sorted(item.reference for item in visible)
    assert {row[headings.index("Type")] for row in body} == {
        capfirst(item._meta.verbose_name) for item in visible
    }
    text = response.content.decode("utf-8-sig")
    assert "quixotrel" not in text.lower()
    assert all(item.reference not in text for item in hidden if item.reference)
    assert AccessLog.objects.filter(
        actor=reader,
        event=AccessLog.Event.DOWNLOAD,
        detail__startswith=f"export of search as CSV, {len(visible)} rows; filters: q = zorblatt",
    ).exists()


def test_the_export_of_a_search_keeps_its_filters_and_its_pdf_states_the_marking(cast, client_for):
    slug = SEARCHED[0][0]
    green = make(slug, "Zorblatt seen", author=cast.fr_officer, marking="GREEN")
    amber = make(slug, "Zorblatt seen again", author=cast.fr_officer, marking="AMBER")
    client = client_for(cast.fr_ncp)
    body = export(client, "q=zorblatt&marking=GREEN").content.decode("utf-8-sig")
    assert green.title in body and amber.title not in body

    pdf = export(client, "q=zorblatt", fmt="pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert all("TLP:AMBER" in page.extract_text() for page in pages)


def test_an_export_of_words_nothing_readable_matches_is_empty_and_says_so(cast, client_for):
    make(SEARCHED[0][0], "Quixotrel", author=cast.de_ncp, audience=Audience.OWNER)
    client = client_for(cast.fr_ncp)
    page = client.get(reverse("search"), {"q": "quixotrel"}).content.decode()
    assert 'value="search"' not in page  # nothing to export is not offered
    rows = csv_rows(export(client, "q=quixotrel").content)
    assert rows[-2] == ["This export is empty: no item of the list matches its filters."]
    assert len(rows) == 4  # the headings, a blank line, the statement and the title line


@pytest.mark.django_db(transaction=True)
def test_a_large_export_of_a_search_is_made_by_the_worker(
    cast, client_for, celery_worker, settings
):
    settings.EXPORT_SYNC_LIMIT = 3
    slug = SEARCHED[0][0]
    visible = [make(slug, f"Zorblatt case {n}", author=cast.fr_officer) for n in range(5)]
    hidden = make(slug, "Zorblatt quixotrel", author=cast.de_ncp, audience=Audience.OWNER)
    client = client_for(cast.fr_ncp)
    response = export(client, "q=zorblatt")
    job = ExportJob.objects.get(owner=cast.fr_ncp)
    assert response["Location"] == reverse("exports:detail", args=[job.pk])
    job = wait_for(job.pk)
    assert job.state == ExportJob.State.DONE, (job.state, job.error)
    download = client.get(reverse("exports:download", args=[job.pk]))
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert all(item.title in text for item in visible)
    assert "quixotrel" not in text.lower() and hidden.title not in text
    detail = client.get(reverse("exports:detail", args=[job.pk])).content.decode()
    assert reverse("search") + "?q=zorblatt" in detail  # the way back to the search


def test_a_search_export_of_several_types_is_withdrawn_once_one_match_is_no_longer_readable(
    cast, client_for, settings, tmp_path
):
    from iconet.exports.services import job_produce
    from iconet.sharing.services import grants_sync

    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_SYNC_LIMIT = 1
    matches = [make(slug, "Zorblatt route", author=cast.fr_officer) for slug, _type in SEARCHED]
    reader = client_for(cast.de_ncp)
    assert export(reader, "q=zorblatt").status_code == 302
    job = ExportJob.objects.get(owner=cast.de_ncp)
    assert job_produce(job.pk) == "done"
    job.refresh_from_db()
    assert set(job.items) == {item.type_slug() for item in matches}
    download = reverse("exports:download", args=[job.pk])
    assert reader.get(download).status_code == 200

    # The last type's match is kept to its owner from now on: the whole file is withdrawn.
    narrowed = matches[-1]
    narrowed.audience = Audience.OWNER
    narrowed.save()
    grants_sync(narrowed)
    response = reader.get(download)
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.state == ExportJob.State.WITHDRAWN and not job.file
