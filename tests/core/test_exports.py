"""Exports of every registered list: the rows the user sees on the page, with its filters, and
none other; the marking on the CSV's first line and on every PDF page; the access log; the
background job for a large list, owned by its requester only."""

import csv
import datetime
import io
import re
import time

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from iconet.exports.services import jobs_purge, jobs_sweep
from iconet.exports.sources import datetime_text, export_source
from iconet.models import AccessLog, ExportJob
from iconet.sharing.registry import item_types
from tests.items import item_make

LISTS = [(item_type.model._meta.label_lower, item_type.list_url) for _a, item_type in item_types()]
IDS = [slug for slug, _url in LISTS]


def export(client, list_url, fmt="csv", query=""):
    return client.post(
        reverse("exports:start"), {"source": list_url, "format": fmt, "query": query}
    )


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def page_text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def filter_for(list_url, item):
    """A filter of the list's form that the item's own value of a choice field answers."""
    form_class = export_source(list_url).rows.__closure__[0].cell_contents.filter_form_class
    if form_class is None:
        return None
    model = type(item)
    for name in form_class(user=None).fields:
        try:
            model_field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001
            continue
        choices = list(getattr(model_field, "choices", None) or [])
        if len(choices) > 1 and not model_field.is_relation:
            return name, choices
    return None


@pytest.mark.parametrize("type_slug,list_url", LISTS, ids=IDS)
def test_export_holds_exactly_the_rows_of_the_list(cast, client_for, type_slug, list_url):
    shared = item_make(type_slug, author=cast.fr_ncp, audience="network", marking="GREEN")
    red = item_make(type_slug, author=cast.fr_ncp, audience="network", marking="RED")
    hidden = item_make(type_slug, author=cast.fr_ncp, audience="owner", marking="CLEAR")
    draft = item_make(type_slug, author=cast.fr_ncp, state="draft", marking="CLEAR")
    reader = client_for(cast.de_ncp)
    page = page_text(reader, reverse(list_url))
    assert export_source(list_url) is not None
    assert 'value="csv"' in page and 'value="pdf"' in page, "no export buttons on the list"

    response = export(reader, list_url)
    assert response.status_code == 200
    rows = csv_rows(response)
    body = response.content.decode("utf-8-sig")
    made = [shared, red, hidden, draft]
    on_page = {item.reference for item in made if item.reference in page}
    exported = {item.reference for item in made if item.reference in body}
    assert exported == on_page
    assert {shared.reference, red.reference} <= exported
    assert hidden.reference not in body and draft.reference not in body
    # The header comes first, so that a spreadsheet reads the columns; the marking follows.
    assert rows[-2][0].startswith("TLP:RED:"), rows[-2]
    assert "Handle this file accordingly" in rows[-2][0] and rows[-3] == []
    headings = rows[0]
    published = [row[headings.index("Published")] for row in rows[1:-3]]
    assert published and all(
        re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+0[12]:00", value) for value in published
    ), published
    assert headings[:2] == ["Reference", "Title"] and "Marking" in headings
    assert {"State", "Owner", "Published"} <= set(headings)

    entry = AccessLog.objects.filter(event=AccessLog.Event.DOWNLOAD, actor=cast.de_ncp).first()
    assert entry is not None and list_url in entry.detail and "CSV" in entry.detail
    assert f"{len(rows) - 4} rows" in entry.detail
    assert shared.title not in entry.detail

    # The owner sees its own unpublished items; the export follows the page for them too.
    owner = client_for(cast.fr_ncp)
    owner_page = page_text(owner, reverse(list_url))
    owner_body = export(owner, list_url).content.decode("utf-8-sig")
    assert {i.reference for i in made if i.reference in owner_page} == {
        i.reference for i in made if i.reference in owner_body
    }


@pytest.mark.parametrize("type_slug,list_url", LISTS, ids=IDS)
def test_export_applies_the_list_filters(cast, client_for, type_slug, list_url):
    sample = item_make(type_slug, author=cast.fr_ncp, audience="network")
    found = filter_for(list_url, sample)
    if found is None:
        pytest.skip(f"{list_url} has no choice filter on a field of its own")
    name, choices = found
    chosen, other = choices[-1][0], choices[0][0]
    wanted = item_make(type_slug, author=cast.fr_ncp, audience="network", **{name: chosen})
    unwanted = item_make(type_slug, author=cast.fr_ncp, audience="network", **{name: other})
    reader = client_for(cast.de_ncp)
    query = f"{name}={chosen}"
    page = page_text(reader, f"{reverse(list_url)}?{query}")
    body = export(reader, list_url, query=query).content.decode("utf-8-sig")
    assert wanted.reference in page and wanted.reference in body
    assert unwanted.reference not in page and unwanted.reference not in body
    assert f"{name} = {chosen}" in body.splitlines()[-1]


def test_filters_are_tried_on_most_lists(cast):
    with_filter = [
        list_url
        for type_slug, list_url in LISTS
        if filter_for(list_url, item_make(type_slug, author=cast.fr_ncp)) is not None
    ]
    assert len(with_filter) >= 3, with_filter


@pytest.mark.parametrize("type_slug,list_url", LISTS[:1] + LISTS[-1:], ids=IDS[:1] + IDS[-1:])
def test_pdf_carries_the_marking_on_every_page(cast, client_for, type_slug, list_url, settings):
    settings.EXPORT_SYNC_LIMIT_PDF = 60  # made at once, to read it here
    for number in range(60):
        item_make(type_slug, author=cast.fr_ncp, marking="AMBER" if number else "AMBER+STRICT")
    response = export(client_for(cast.de_ncp), list_url, fmt="pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) > 1
    for number, pdf_page in enumerate(reader.pages, start=1):
        text = pdf_page.extract_text()
        assert "TLP:AMBER+STRICT" in text, number
        assert "de_ncp" in text or cast.de_ncp.get_full_name() in text
        assert f"{number} / {len(reader.pages)}" in text


def test_an_empty_export_says_so(cast, client_for):
    _slug, list_url = LISTS[0]
    reader = client_for(cast.de_ncp)
    rows = csv_rows(export(reader, list_url))
    assert "empty" in rows[-2][0] and len(rows) == 4
    pdf = PdfReader(io.BytesIO(export(reader, list_url, fmt="pdf").content))
    assert "No item of the list matches its filters" in pdf.pages[0].extract_text()


def test_unknown_list_or_format_is_404(cast, client_for):
    reader = client_for(cast.de_ncp)
    assert export(reader, "accounts:security").status_code == 404
    assert export(reader, LISTS[0][1], fmt="xls").status_code == 404
    assert reader.get(reverse("exports:start")).status_code == 405


def wait_for(job_id: int, timeout: float = 60) -> ExportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ExportJob.objects.get(pk=job_id)
        if not job.is_active:
            return job
        time.sleep(0.2)
    return ExportJob.objects.get(pk=job_id)


@pytest.mark.django_db(transaction=True)
def test_large_export_runs_in_the_worker_for_its_owner_only(
    cast, client_for, celery_worker, settings
):
    settings.EXPORT_SYNC_LIMIT = 5
    type_slug, list_url = LISTS[0]
    visible = [item_make(type_slug, author=cast.fr_ncp) for _ in range(8)]
    hidden = item_make(type_slug, author=cast.fr_ncp, audience="owner")
    reader = client_for(cast.de_ncp)
    response = export(reader, list_url)
    assert response.status_code == 302
    job = ExportJob.objects.get(owner=cast.de_ncp)
    assert response["Location"] == reverse("exports:detail", args=[job.pk])
    job = wait_for(job.pk)
    assert job.state == ExportJob.State.DONE, (job.state, job.error)
    detail = page_text(reader, reverse("exports:detail", args=[job.pk]))
    assert reverse("exports:download", args=[job.pk]) in detail

    download = reader.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert all(item.reference in body for item in visible)
    assert hidden.reference not in body
    assert body.splitlines()[-2].startswith("TLP:AMBER:")
    details = list(
        AccessLog.objects.filter(actor=cast.de_ncp, event=AccessLog.Event.DOWNLOAD).values_list(
            "detail", flat=True
        )
    )
    assert any(
        d.startswith(f"export job {job.pk} of {list_url}") and "8 rows" in d for d in details
    )
    assert any(d.startswith(f"download of export job {job.pk}") for d in details)

    other = client_for(cast.fr_ncp)
    for name in ("detail", "status", "download"):
        assert other.get(reverse(f"exports:{name}", args=[job.pk])).status_code == 404

    # After the retention period, the file is removed.
    settings.EXPORT_RETENTION_HOURS = 0
    assert jobs_purge() == 1
    job.refresh_from_db()
    assert job.state == ExportJob.State.EXPIRED and not job.file
    assert reader.get(reverse("exports:download", args=[job.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_job_no_worker_took_is_handed_over_by_the_sweep(cast, client_for, settings):
    settings.EXPORT_SYNC_LIMIT = 1
    settings.EXPORT_PENDING_GRACE_SECONDS = 0
    type_slug, list_url = LISTS[0]
    for _ in range(3):
        item_make(type_slug, author=cast.fr_ncp)
    # No worker runs: the job waits; a job abandoned mid-run is released once its lease ends.
    assert export(client_for(cast.de_ncp), list_url).status_code == 302
    job = ExportJob.objects.get(owner=cast.de_ncp)
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.RUNNING, lease_until=job.created_at
    )
    assert jobs_sweep() == 1
    job.refresh_from_db()
    assert job.state == ExportJob.State.PENDING


def test_running_exports_per_user_are_bounded(cast, client_for, settings):
    settings.EXPORT_SYNC_LIMIT = 1
    settings.EXPORT_MAX_ACTIVE_PER_USER = 2
    type_slug, list_url = LISTS[0]
    for _ in range(3):
        item_make(type_slug, author=cast.fr_ncp)
    reader = client_for(cast.de_ncp)
    assert export(reader, list_url).status_code == 302
    assert export(reader, list_url).status_code == 302
    refused = export(reader, list_url)
    assert refused.status_code == 302 and refused["Location"].startswith(reverse(list_url))
    assert ExportJob.objects.filter(owner=cast.de_ncp).count() == 2
    page = page_text(reader, refused["Location"])
    assert "already have 2 exports in progress" in page


def test_a_pdf_goes_to_the_worker_sooner_than_a_csv(cast, client_for, settings):
    settings.EXPORT_SYNC_LIMIT = 200
    settings.EXPORT_SYNC_LIMIT_PDF = 2
    type_slug, list_url = LISTS[0]
    for _ in range(3):
        item_make(type_slug, author=cast.fr_ncp)
    reader = client_for(cast.de_ncp)
    csv_now = export(reader, list_url, "csv")
    assert csv_now.status_code == 200 and csv_now["X-Export-Rows"] == "3"
    pdf_later = export(reader, list_url, "pdf")
    job = ExportJob.objects.get(owner=cast.de_ncp)
    assert pdf_later.status_code == 302
    assert pdf_later["Location"] == reverse("exports:detail", args=[job.pk])
    assert job.format == "pdf" and job.total == 3


def test_exports_asked_of_the_worker_per_user_and_hour_are_bounded(cast, client_for, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.EXPORT_SYNC_LIMIT = 1
    settings.EXPORT_MAX_ACTIVE_PER_USER = 10
    settings.EXPORT_MAX_PER_HOUR = 2
    type_slug, list_url = LISTS[0]
    for _ in range(3):
        item_make(type_slug, author=cast.fr_ncp)
    reader = client_for(cast.de_ncp)
    assert export(reader, list_url).status_code == 302
    assert export(reader, list_url).status_code == 302
    # Both finished: none is in progress, and still a third one within the hour is refused.
    ExportJob.objects.filter(owner=cast.de_ncp).update(state=ExportJob.State.CANCELLED)
    refused = export(reader, list_url)
    assert refused.status_code == 302 and refused["Location"].startswith(reverse(list_url))
    assert ExportJob.objects.filter(owner=cast.de_ncp).count() == 2
    page = page_text(reader, refused["Location"])
    assert "You have asked for 2 large exports in the last hour" in page
    assert "another in 60 minutes" in page
    # Another user is not held back by them; and an hour later, the same user is not either.
    assert export(client_for(cast.nl_ncp), list_url).status_code == 302
    ExportJob.objects.filter(owner=cast.de_ncp).update(
        created_at=timezone.now() - timedelta(minutes=61)
    )
    assert export(reader, list_url).status_code == 302
    assert ExportJob.objects.filter(owner=cast.de_ncp).count() == 3
    # A small list still downloads at once whatever the count.
    settings.EXPORT_SYNC_LIMIT = 200
    assert export(reader, list_url).status_code == 200


def test_my_exports_lists_only_my_own(cast, client_for, settings):
    settings.EXPORT_SYNC_LIMIT = 0
    type_slug, list_url = LISTS[0]
    item_make(type_slug, author=cast.fr_ncp)
    mine = client_for(cast.de_ncp)
    assert export(mine, list_url).status_code == 302
    job = ExportJob.objects.get(owner=cast.de_ncp)
    assert reverse("exports:detail", args=[job.pk]) in page_text(mine, reverse("exports:list"))
    other = page_text(client_for(cast.fr_ncp), reverse("exports:list"))
    assert reverse("exports:detail", args=[job.pk]) not in other


@pytest.mark.parametrize("type_slug,list_url", LISTS, ids=IDS)
def test_hostile_filters_never_crash_an_export(cast, client_for, type_slug, list_url):
    item_make(type_slug, author=cast.fr_ncp)
    reader = client_for(cast.de_ncp)
    reader.raise_request_exception = False
    form_class = export_source(list_url).rows.__closure__[0].cell_contents.filter_form_class
    names = list(form_class(user=None).fields) if form_class else ["sort"]
    for value in ("%00", "'\"<>", "9" * 40, "2026-13-45", "x" * 3000, "-1"):
        query = "&".join(f"{name}={value}" for name in names)
        response = export(reader, list_url, query=query)
        # 400 for a NUL byte, as the list page answers it.
        assert response.status_code in (200, 302, 400), (value[:10], response.status_code)
        assert response.status_code != 400 or value == "%00"


def test_the_owner_cancels_a_waiting_export_and_no_worker_takes_it_up(
    cast, client_for, settings, tmp_path
):
    from auditlog.models import LogEntry

    from iconet.exports.services import job_produce

    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_SYNC_LIMIT = 1
    settings.EXPORT_MAX_ACTIVE_PER_USER = 1
    settings.EXPORT_PENDING_GRACE_SECONDS = 0
    type_slug, list_url = LISTS[0]
    for _ in range(3):
        item_make(type_slug, author=cast.fr_ncp)
    owner = client_for(cast.de_ncp)
    assert export(owner, list_url).status_code == 302
    job = ExportJob.objects.get(owner=cast.de_ncp)
    detail_url = reverse("exports:detail", args=[job.pk])
    cancel_url = reverse("exports:cancel", args=[job.pk])
    assert cancel_url in page_text(owner, detail_url)

    # Nobody else may cancel it, nor learn that it exists; a GET changes nothing.
    assert client_for(cast.fr_ncp).post(cancel_url).status_code == 404
    assert owner.get(cancel_url).status_code == 405
    job.refresh_from_db()
    assert job.state == ExportJob.State.PENDING

    response = owner.post(cancel_url, follow=True)
    assert response.redirect_chain[-1][0] == detail_url
    page = response.content.decode()
    assert "The export was cancelled." in page
    assert "You cancelled this export; no file was kept." in page
    assert cancel_url not in page and "<progress" not in page
    job.refresh_from_db()
    assert job.state == ExportJob.State.CANCELLED and job.finished_at is not None
    assert "Cancelled" in page_text(owner, reverse("exports:list"))

    # The change is in the audit trail, by its owner.
    entry = LogEntry.objects.get_for_object(job).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor_id == cast.de_ncp.pk
    assert entry.changes_dict["state"] == ["pending", "cancelled"]

    # The task already queued, and the sweep, leave it cancelled: no file is ever made.
    assert jobs_sweep() == 0
    assert job_produce(job.pk) == "skipped"
    job.refresh_from_db()
    assert job.state == ExportJob.State.CANCELLED and not job.file
    assert not list(tmp_path.rglob("*.csv"))

    # From the list of my exports, a waiting one has its Cancel button, which leads back there.
    assert export(owner, list_url).status_code == 302
    second = ExportJob.objects.filter(owner=cast.de_ncp, state="pending").get()
    listing = page_text(owner, reverse("exports:list"))
    assert reverse("exports:cancel", args=[second.pk]) in listing
    assert cancel_url not in listing  # the cancelled one has none
    back = owner.post(
        reverse("exports:cancel", args=[second.pk]), {"next": reverse("exports:list")}
    )
    assert back["Location"] == reverse("exports:list")
    second.refresh_from_db()
    assert second.state == ExportJob.State.CANCELLED
    elsewhere = owner.post(cancel_url, {"next": "https://elsewhere.example/"})
    assert elsewhere["Location"] == detail_url

    # A second cancel says so; the cancelled job no longer counts against the user's bound.
    again = owner.post(cancel_url, follow=True).content.decode()
    assert "The export had already ended; nothing was cancelled." in again
    assert export(owner, list_url).status_code == 302
    assert ExportJob.objects.filter(owner=cast.de_ncp, state="pending").count() == 1


def test_a_running_export_stops_at_the_next_chunk_when_cancelled(
    cast, client_for, settings, tmp_path
):
    """The owner's cancel lands while the worker writes the rows: at the end of the chunk it
    is in, the worker sees the job is no longer running and stops without keeping a file."""
    from django.db import connection

    from iconet.exports.services import job_cancel, job_produce

    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_SYNC_LIMIT = 1
    settings.EXPORT_CHUNK_ROWS = 2
    type_slug, list_url = LISTS[0]
    for _ in range(5):
        item_make(type_slug, author=cast.fr_ncp)
    assert export(client_for(cast.de_ncp), list_url).status_code == 302
    job = ExportJob.objects.get(owner=cast.de_ncp)
    worker_updates = []
    owner_acting = []

    def cancel_during_first_chunk(execute, sql, params, many, context):
        if sql.startswith('UPDATE "iconet_exportjob"') and not owner_acting:
            worker_updates.append(sql)
            if 'SET "progress"' in sql:  # the first chunk's end: the owner cancels just now
                owner_acting.append(True)
                assert job_cancel(actor=cast.de_ncp, job=ExportJob.objects.get(pk=job.pk))
                owner_acting.clear()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(cancel_during_first_chunk):
        outcome = job_produce(job.pk)
    assert outcome == "cancelled"
    progress_steps = [sql for sql in worker_updates if 'SET "progress"' in sql]
    # It stopped after that chunk: no further chunk reported, no attempt to finish the job.
    assert len(progress_steps) == 1
    assert worker_updates[-1] == progress_steps[0]
    job.refresh_from_db()
    assert job.state == ExportJob.State.CANCELLED
    assert job.progress == 0 and not job.file
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not AccessLog.objects.filter(detail__startswith=f"export job {job.pk} ").exists()


@pytest.mark.parametrize("type_slug,list_url", LISTS, ids=IDS)
def test_a_file_is_never_handed_out_once_its_owner_may_no_longer_read_an_item_of_it(
    cast, client_for, settings, tmp_path, type_slug, list_url
):
    from auditlog.models import LogEntry

    from iconet.exports.services import job_produce
    from iconet.sharing.services import grants_sync

    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_SYNC_LIMIT = 1
    items = [item_make(type_slug, author=cast.fr_ncp, marking="GREEN") for _ in range(3)]
    owner = client_for(cast.de_ncp)
    assert export(owner, list_url).status_code == 302
    job = ExportJob.objects.get(owner=cast.de_ncp)
    assert job_produce(job.pk) == "done"
    detail_url = reverse("exports:detail", args=[job.pk])
    download_url = reverse("exports:download", args=[job.pk])
    assert download_url in page_text(owner, detail_url)
    assert owner.get(download_url).status_code == 200
    downloads = AccessLog.objects.filter(actor=cast.de_ncp, detail__startswith="download of")

    # The owner of one of the items keeps it to their own service from now on.
    narrowed = items[1]
    narrowed.audience = "owner"
    narrowed.save()
    grants_sync(narrowed)

    response = owner.get(download_url, follow=True)
    assert response.redirect_chain[-1][0] == detail_url
    page = response.content.decode()
    assert "The file held items you may no longer read, so it was removed." in page
    assert download_url not in page
    assert downloads.count() == 1  # the refused download handed nothing out
    job.refresh_from_db()
    assert job.state == ExportJob.State.WITHDRAWN and not job.file
    # What the file held stays on record, for the items' footprint.
    assert narrowed.pk in job.items[narrowed.type_slug()]
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]
    assert owner.get(download_url).status_code == 404
    assert "Withdrawn" in page_text(owner, reverse("exports:list"))
    change = LogEntry.objects.get_for_object(job).filter(changes__icontains="withdrawn").get()
    assert change.actor == cast.de_ncp and change.changes_dict["state"] == ["done", "withdrawn"]

    # Exported again, the list holds what its owner may read now.
    assert export(owner, list_url, fmt="csv").status_code == 302
    again = ExportJob.objects.filter(owner=cast.de_ncp).exclude(pk=job.pk).get()
    assert job_produce(again.pk) == "done"
    body = b"".join(owner.get(reverse("exports:download", args=[again.pk])).streaming_content)
    assert narrowed.reference.encode() not in body
    assert all(item.reference.encode() in body for item in (items[0], items[2]))


def test_the_detail_page_withdraws_a_file_that_is_no_longer_readable(
    cast, client_for, settings, tmp_path
):
    from iconet.exports.services import job_produce

    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_SYNC_LIMIT = 1
    type_slug, list_url = LISTS[0]
    items = [item_make(type_slug, author=cast.fr_ncp) for _ in range(2)]
    owner = client_for(cast.de_ncp)
    export(owner, list_url)
    job = ExportJob.objects.get(owner=cast.de_ncp)
    assert job_produce(job.pk) == "done"
    items[0].delete()  # withdrawn from the network altogether
    page = page_text(owner, reverse("exports:detail", args=[job.pk]))
    assert reverse("exports:download", args=[job.pk]) not in page
    assert "you may no longer read" in page


def test_the_readable_check_reads_a_large_file_in_chunks(
    cast, client_for, settings, tmp_path, monkeypatch
):
    from iconet.exports import services

    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_SYNC_LIMIT = 1
    type_slug, list_url = LISTS[0]
    items = [item_make(type_slug, author=cast.fr_ncp) for _ in range(5)]
    export(client_for(cast.de_ncp), list_url)
    job = ExportJob.objects.get(owner=cast.de_ncp)
    assert services.job_produce(job.pk) == "done"
    job.refresh_from_db()
    assert sorted(job.items[type_slug]) == sorted(item.pk for item in items)
    monkeypatch.setattr(services, "READABLE_CHECK_CHUNK", 2)  # three chunks: 2, 2 and 1
    assert services.job_still_readable(job)
    items[-1].delete()  # in the last chunk only
    assert not services.job_still_readable(job)


@pytest.mark.parametrize(
    "language,ready", [("en", "is ready."), ("fr", "est prêt.")], ids=["en", "fr"]
)
def test_the_owner_is_told_in_the_portal_when_the_file_is_ready(
    cast, client_for, settings, tmp_path, language, ready
):
    from iconet.exports.services import job_produce
    from iconet.models import EmailDelivery, Notification

    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_SYNC_LIMIT = 1
    type_slug, list_url = LISTS[0]
    red = item_make(type_slug, author=cast.fr_ncp, marking="RED")
    item_make(type_slug, author=cast.fr_ncp)
    type(cast.de_ncp).objects.filter(pk=cast.de_ncp.pk).update(language=language)
    owner = client_for(cast.de_ncp)
    export(owner, list_url)
    job = ExportJob.objects.get(owner=cast.de_ncp)
    assert not Notification.objects.filter(recipient=cast.de_ncp).exists()
    assert job_produce(job.pk) == "done"
    assert job_produce(job.pk) == "skipped"  # a task delivered twice tells once
    told = Notification.objects.get(recipient=cast.de_ncp)
    assert told.title.endswith(ready) and "(CSV)" in told.title
    assert red.reference not in told.title and red.title not in told.title
    assert told.url == reverse("exports:detail", args=[job.pk])
    assert not EmailDelivery.objects.filter(recipient=cast.de_ncp).exists()
    page = page_text(owner, reverse("notifications"))
    assert told.title in page
    # Once the owner has seen the export's page, the notification is read.
    assert told.read_at is None
    page_text(owner, told.url)
    told.refresh_from_db()
    assert told.read_at is not None
    # Nobody else is told.
    assert Notification.objects.filter(url=told.url).count() == 1


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_export_writes_every_date_and_time_as_the_pages_do(language):
    """Over a year and a half of instants (both sides of each change of summer time), the
    export's dates read exactly as the portal's format writes them, in the export's language."""
    start = timezone.now() - datetime.timedelta(days=540)
    with translation.override(language):
        for hours in range(0, 540 * 24, 37):
            local = timezone.localtime(
                start + datetime.timedelta(hours=hours, seconds=hours % 60),
                timezone.get_default_timezone(),
            )
            assert datetime_text(local) == formats.date_format(local, "DATETIME_FORMAT")
