"""A document fraud note end to end in the browser, without JavaScript: France drafts it,
uploads a specimen, blacks out the photo area, is refused publication until it reviews the
redaction, publishes; Germany sees only the redacted image and downloads it marked, and
France sees the download in the access log."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_accessibility import sign_in_browser
from tests.documents.test_documents import photo_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def picture(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def test_note_from_upload_and_redaction_to_a_marked_download(
    browser, live_server, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    france = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    germany = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    fr_page, de_page = france.new_page(), germany.new_page()
    sign_in_browser(fr_page, live_server, cast.fr_ncp)
    sign_in_browser(de_page, live_server, cast.de_ncp)

    fr_page.goto("/documents/new/")
    fr_page.get_by_label("Title").fill("Counterfeit visa stickers with pale UV print")
    fr_page.get_by_label("Document category").select_option(label="Visa")
    fr_page.get_by_label("Issuing country").select_option(value="FR")
    fr_page.get_by_label("Fraud type").select_option(label="Counterfeit")
    fr_page.get_by_label("Description of the fraud").fill("The UV print is too pale.")
    fr_page.get_by_label("Date of detection").fill("2026-11-02")
    fr_page.get_by_role("button", name="Save draft").click()
    # The saved draft's own page, with its reference, before the reference and the address are read.
    expect(fr_page).to_have_url(re.compile(r"/documents/\d+/$"))
    expect(fr_page.locator("body")).to_contain_text(re.compile(r"DFN-\d{4}-FR-\d{4}"))
    reference = re.search(r"DFN-\d{4}-FR-\d{4}", fr_page.content()).group(0)
    note_url = fr_page.url

    # Upload a specimen: the author is taken to the redaction page.
    fr_page.get_by_label("Image", exact=True).set_input_files(
        {"name": "specimen.png", "mimeType": "image/png", "buffer": photo_bytes()}
    )
    fr_page.get_by_label("Caption").fill("Biodata page under UV")
    fr_page.get_by_label("Light source").select_option(value="uv")
    fr_page.get_by_role("button", name="Upload").click()
    expect(fr_page.locator("body")).to_contain_text("Black out personal data")
    fr_page.get_by_label("Areas to black out").fill("10 10 60 100")
    fr_page.get_by_role("button", name="Make the redacted copy").click()
    expect(fr_page.locator("body")).to_contain_text("Redacted copy made")

    # Publishing before the review is refused, with the reason.
    fr_page.goto(note_url)
    fr_page.get_by_role("link", name="Publish").first.click()
    fr_page.get_by_label("The whole network").check()
    fr_page.get_by_label("TLP:AMBER", exact=True).check()
    fr_page.get_by_role("button", name="Publish").click()
    expect(fr_page.locator("body")).to_contain_text("Review the redaction of the image")
    assert de_page.goto(note_url).status == 404

    # The author reviews the redacted preview, then publishes.
    fr_page.goto(note_url)
    fr_page.get_by_role("link", name="Redact and review").click()
    fr_page.get_by_role("button", name=re.compile("I have checked the redacted copy")).click()
    fr_page.get_by_role("link", name="Publish").first.click()
    fr_page.get_by_label("The whole network").check()
    fr_page.get_by_label("TLP:AMBER", exact=True).check()
    fr_page.get_by_role("button", name="Publish").click()
    expect(fr_page.locator("body")).to_contain_text(f"{reference} is published.")

    # Germany sees the note and only the redacted image.
    assert de_page.goto(note_url).status == 200
    assert "Original (your organisation only)" not in de_page.content()
    thumbnail = de_page.locator("#images img").first.get_attribute("src")
    image_url = thumbnail.replace("thumbnail.jpg", "image.jpg")
    redacted = picture(de_page.request.get(image_url).body())
    assert max(redacted.getpixel((40, 60))) < 30
    assert de_page.request.get(image_url.replace("image.jpg", "original/")).status == 403

    # The download carries the mark, and France sees it in the access log.
    with de_page.expect_download() as info:
        de_page.get_by_role("link", name="Download (marked)").click()
    marked = picture(open(info.value.path(), "rb").read())
    foot = [marked.getpixel((x, marked.height - 3)) for x in range(0, marked.width, 4)]
    assert sum(1 for p in foot if min(p) > 200) > 10  # the white band of the mark
    assert any(
        p[0] > 120 and p[1] < 90
        for p in (
            marked.getpixel((x, y))
            for x in range(marked.width)
            for y in range(marked.height - 24, marked.height)
        )
    )
    fr_page.goto(
        f"/sharing/items/documents.documentnote/{note_url.rstrip('/').split('/')[-1]}/access-log/"
    )
    assert "de_ncp" in fr_page.content() or str(cast.de_ncp) in fr_page.content()
    france.close()
    germany.close()
