"""A list larger than the limit of an immediate download is exported in the background: the
user is taken to the export's page, follows its progress, and downloads the file from the link
that appears; with JavaScript (the page asks for the progress) and without (it refreshes)."""

import csv
import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from iconet.sharing.registry import item_types
from tests.browser.test_accessibility import sign_in_browser, violations
from tests.conftest import worker_running
from tests.items import item_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def export_in_browser(page, live_server, cast, settings, tmp_path, check_page=None):
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_SYNC_LIMIT = 5
    _area, item_type = item_types()[0]
    slug = item_type.model._meta.label_lower
    visible = [item_make(slug, author=cast.fr_ncp, marking="GREEN") for _ in range(12)]
    hidden = item_make(slug, author=cast.fr_ncp, audience="owner", marking="RED")
    sign_in_browser(page, live_server, cast.de_ncp)
    page.goto(reverse(item_type.list_url))
    page.get_by_role("button", name="Export CSV").click()

    # The export's page, before any worker took the job: waiting, with a progress bar. (Without
    # JavaScript it reloads itself every two seconds: each check retries across a reload.)
    page.wait_for_url(re.compile(r"/exports/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Export of"), use_inner_text=True
    )
    expect(page.locator("progress")).to_have_count(1)
    expect(page.get_by_role("status")).to_contain_text("Waiting to start.", use_inner_text=True)
    if check_page:
        check_page(page)

    with worker_running():
        link = page.get_by_role("link", name="Download the CSV file")
        link.wait_for(timeout=60_000)
        expect(page.locator("progress")).to_have_count(0)
        expect(page.get_by_role("status")).to_contain_text("Ready: 12 rows.", use_inner_text=True)
        with page.expect_download() as info:
            link.click()
        path = info.value.path()
    with open(path, encoding="utf-8-sig") as handle:
        content = handle.read()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[-2][0].startswith("TLP:GREEN:")
    assert all(item.reference in content for item in visible)
    assert hidden.reference not in content
    assert len(rows) == 4 + 12


def test_export_progress_with_javascript(page, live_server, cast, settings, tmp_path):
    def accessible(progress_page):
        assert violations(progress_page) == []

    export_in_browser(page, live_server, cast, settings, tmp_path, check_page=accessible)


def test_export_progress_without_javascript(browser, live_server, cast, settings, tmp_path):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        export_in_browser(page, live_server, cast, settings, tmp_path)
    finally:
        context.close()


def export_started(page, live_server, cast, settings, tmp_path, *, rows: int, limit: int):
    """Germany asks from the first list for a CSV export of `rows` GREEN items, more than the
    `limit` of an immediate download, and is taken to the export's page: the items made."""
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_SYNC_LIMIT = limit
    _area, item_type = item_types()[0]
    slug = item_type.model._meta.label_lower
    items = [item_make(slug, author=cast.fr_ncp, marking="GREEN") for _ in range(rows)]
    sign_in_browser(page, live_server, cast.de_ncp)
    page.goto(reverse(item_type.list_url))
    page.get_by_role("button", name="Export CSV").click()
    page.wait_for_url(re.compile(r"/exports/\d+/$"))
    return items


def test_an_export_cancelled_from_its_page_never_produces_a_file(
    page, live_server, cast, settings, tmp_path
):
    from iconet.models import ExportJob

    export_started(page, live_server, cast, settings, tmp_path, rows=4, limit=2)
    expect(page.get_by_role("status")).to_contain_text("Waiting to start.", use_inner_text=True)

    page.get_by_role("button", name="Cancel the export").click()
    expect(page.get_by_text("The export was cancelled.")).to_be_visible()
    expect(page.locator("[data-export-text]")).to_contain_text(
        "You cancelled this export", use_inner_text=True
    )
    page.wait_for_load_state()  # the whole page, before what it must no longer hold is counted
    expect(page.get_by_role("button", name="Cancel the export")).to_have_count(0)
    expect(page.locator("progress")).to_have_count(0)

    # The worker then takes the queued task up and leaves the job as it is.
    with worker_running():
        page.wait_for_timeout(1500)
    job = ExportJob.objects.get(owner=cast.de_ncp)
    assert job.state == ExportJob.State.CANCELLED and not job.file
    page.goto(reverse("exports:list"))
    assert "Cancelled" in page.get_by_role("table").inner_text()
    assert page.get_by_role("link", name=re.compile("Download")).count() == 0


def test_a_file_its_owner_may_no_longer_read_is_refused_on_its_page(
    page, live_server, cast, settings, tmp_path
):
    from iconet.exports.services import job_produce
    from iconet.models import ExportJob
    from iconet.sharing.services import grants_sync

    items = export_started(page, live_server, cast, settings, tmp_path, rows=3, limit=1)
    job = ExportJob.objects.get(owner=cast.de_ncp)
    assert job_produce(job.pk) == "done"  # no worker runs here: the test makes the file
    page.reload()
    link = page.get_by_role("link", name="Download the CSV file")
    expect(link).to_be_visible()

    # France keeps one of the alerts to itself before Germany clicks the link.
    items[0].audience = "owner"
    items[0].save()
    grants_sync(items[0])
    link.click()
    expect(page.get_by_text("The file held items you may no longer read")).to_have_count(2)
    expect(page.get_by_role("link", name="Download the CSV file")).to_have_count(0)
    assert "/exports/" in page.url
