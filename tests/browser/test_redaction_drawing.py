"""Drawing a redaction area in the browser: the area shows on the image while it is drawn,
stays once drawn, follows what is typed in the text box, and is burnt into the copy that
others see."""

import io

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_accessibility import sign_in_browser
from tests.documents.test_documents import note_draft, photo_bytes
from tests.items import note_image_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_drawn_area_is_seen_on_the_image_and_burnt_into_the_copy(
    page, live_server, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    note = note_draft(cast.fr_officer)
    image = note_image_make(note, reviewed=False, data=photo_bytes())
    sign_in_browser(page, live_server, cast.fr_officer)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(reverse("documents:image_redact", args=[note.pk, image.pk]))

    original = page.locator("[data-redaction-image]")
    expect(original).to_be_visible()
    boxes = page.locator("[data-redaction-overlay] rect")
    expect(boxes).to_have_count(0)

    # Drag over the red "photo" area (10..70 × 10..110 of 200 × 120 pixels).
    bounds = original.bounding_box()
    scale = bounds["width"] / 200
    page.mouse.move(bounds["x"] + 10 * scale, bounds["y"] + 10 * scale)
    page.mouse.down()
    page.mouse.move(bounds["x"] + 40 * scale, bounds["y"] + 60 * scale, steps=5)
    expect(page.locator("rect.redaction__box--drawing")).to_have_count(1)  # seen while drawing
    page.mouse.move(bounds["x"] + 70 * scale, bounds["y"] + 110 * scale, steps=5)
    page.mouse.up()
    expect(boxes).to_have_count(1)
    drawn = boxes.first.bounding_box()
    # (the box's outline, 3 pixels on screen, adds to its size)
    assert abs(drawn["width"] - 60 * scale) <= 2 * scale + 4
    assert abs(drawn["height"] - 100 * scale) <= 2 * scale + 4
    field = page.get_by_label("Areas to black out")
    x, y, w, h = (int(v) for v in field.input_value().split())
    assert abs(x - 10) <= 2 and abs(y - 10) <= 2 and abs(w - 60) <= 2 and abs(h - 100) <= 2

    # The keyboard route: an area typed in the text box shows on the image at once.
    field.press("End")
    field.type("\n120 20 30 40")
    expect(boxes).to_have_count(2)

    page.get_by_role("button", name="Make the redacted copy").click()
    expect(page.locator("body")).to_contain_text("Redacted copy made")
    expect(boxes).to_have_count(2)  # drawn by the server, after the reload
    image.refresh_from_db()
    with image.redacted.open("rb") as handle:
        copy = Image.open(io.BytesIO(handle.read())).convert("RGB")
    red = sum(
        1
        for px in range(10, 70)
        for py in range(10, 110)
        if copy.getpixel((px, py))[0] > 150 and copy.getpixel((px, py))[1] < 100
    )
    assert red <= 60 * 100 * 0.02  # at most the edge of the drag, never the photo
