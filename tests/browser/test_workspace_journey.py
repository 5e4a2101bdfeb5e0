"""A group's library in the browser, without JavaScript: the German officer, named by the
group's manager, uploads a second version of a document with a note; the Belgian member sees
who uploaded which version and downloads the second one marked with their own name; someone
outside the group is told the document does not exist."""

import io

import pytest
from PIL import Image

from iconet.models import Organisation
from tests.browser.test_accessibility import sign_in_browser
from tests.factories import AccessGroupFactory
from tests.files import png_bytes
from tests.workspaces.conftest import upload
from workspaces import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_second_version_uploaded_by_one_member_is_downloaded_marked_by_another(
    browser, live_server, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    group = AccessGroupFactory(
        name="Document fraud experts",
        managing_organisation=Organisation.objects.get(short_name="BP-FR"),
        members=[cast.fr_admin, cast.de_officer],
        organisations=[cast.be_ncp.organisation],
    )
    services.contributor_name(actor=cast.fr_admin, group=group, user=cast.de_officer)
    document = services.document_add(
        actor=cast.fr_admin,
        group=group,
        folder=None,
        title="Guide to UV features",
        description="",
        marking="AMBER",
        upload=upload("guide.png"),
        note="First edition",
    )
    germany = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    belgium = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    outside = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    de_page, be_page, nl_page = germany.new_page(), belgium.new_page(), outside.new_page()
    sign_in_browser(de_page, live_server, cast.de_officer)
    sign_in_browser(be_page, live_server, cast.be_ncp)
    sign_in_browser(nl_page, live_server, cast.nl_ncp)

    de_page.goto(f"/workspaces/groups/{group.pk}/")
    de_page.get_by_role("link", name="Guide to UV features").click()
    de_page.get_by_label("File").set_input_files(
        {
            "name": "guide-v2.png",
            "mimeType": "image/png",
            "buffer": png_bytes(240, 160, (255, 255, 255)),
        }
    )
    de_page.get_by_label("Note on this version").fill("German UV lamp settings added")
    de_page.get_by_role("button", name="Upload the version").click()
    assert "Version 2 added." in de_page.content()

    be_page.goto(document.get_absolute_url())
    rows = be_page.locator("table tbody tr")
    assert "German UV lamp settings added" in rows.nth(0).inner_text()
    assert cast.de_officer.get_full_name() in rows.nth(0).inner_text()
    with be_page.expect_download() as info:
        be_page.get_by_role("link", name="Download guide-v2.png (marked for you)").click()
    marked = Image.open(io.BytesIO(open(info.value.path(), "rb").read())).convert("RGB")
    assert marked.size == (240, 160)
    band = [marked.getpixel((x, y)) for x in range(240) for y in range(140, 160)]
    assert any(r > 120 and g < 90 and b < 90 for r, g, b in band)  # the red text of the mark

    assert nl_page.goto(document.get_absolute_url()).status == 404
    assert nl_page.goto(f"/workspaces/groups/{group.pk}/").status == 404
