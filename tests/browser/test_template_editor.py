"""The Commission changes the report template without a developer, in the browser without
JavaScript: it copies the version in use into a draft, changes a heading, uses the draft for new
reports, and the chair's new report shows the new heading. Plus the editor's accessibility."""

import pytest
from playwright.sync_api import expect

from ilo_reports.models import Semester, TemplateVersion
from tests.browser.test_accessibility import sign_in_browser, violations
from tests.browser.test_ilo_editor import browser_page
from tests.items import ilo_network_chaired

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_copy_edit_a_heading_activate_and_open_a_report(browser, live_server, cast):
    semester = Semester.reporting()
    ilo_network_chaired(chairs={str(semester): cast.ilo_fr_tr})
    current = TemplateVersion.current()
    heading = current.sections.order_by("order").first().heading
    admin = browser_page(browser, live_server, cast.commission_admin)

    admin.goto("/ilo/templates/")
    draft = TemplateVersion.objects.order_by("-number").first().number + 1
    admin.get_by_role("button", name=f"Copy version {current.number} into a new draft").click()
    expect(admin.locator("body")).to_contain_text(f"copied into version {draft}, a draft")
    admin.get_by_role("link", name=f"Edit version {draft}").click()
    expect(
        admin.get_by_role("heading", level=1, name=f"Report template version {draft}")
    ).to_be_visible()

    admin.get_by_role("link", name=f"Change section “{heading}” and its questions").click()
    admin.get_by_label("Heading", exact=True).fill("Members of the network and their changes")
    admin.get_by_role("button", name="Save the section and its questions").click()
    expect(admin.locator("body")).to_contain_text(
        "Section “Members of the network and their changes” saved."
    )

    admin.get_by_role("link", name=f"Back to version {draft}").click()
    admin.get_by_role("link", name="Back to the template versions").click()
    admin.get_by_role("button", name=f"Use version {draft} for new reports").click()
    expect(admin.locator("body")).to_contain_text(
        f"Version {draft} is used for the reports opened from now on."
    )
    expect(admin.get_by_role("link", name=f"View version {draft}")).to_have_count(1)

    chair = browser_page(browser, live_server, cast.ilo_fr_tr)
    chair.goto("/ilo/open/")
    chair.get_by_label("Network").select_option(label="Türkiye")
    chair.get_by_role("button", name="Open the report").click()
    contents = chair.get_by_role("navigation", name="Contents")
    expect(
        contents.get_by_role("link", name="Members of the network and their changes")
    ).to_have_count(1)
    expect(contents.get_by_role("link", name=heading)).to_have_count(0)


def test_the_template_editor_pages_pass_axe(page, live_server, cast):
    from ilo_reports.services import template_version_copy

    draft = template_version_copy(actor=cast.commission_admin, version=TemplateVersion.current())
    statistics = draft.sections.get(questions__key="statistics")
    sign_in_browser(page, live_server, cast.commission_admin)
    for url in (
        "/ilo/templates/",
        f"/ilo/templates/{draft.pk}/",
        f"/ilo/templates/{draft.pk}/sections/{statistics.pk}/",
        f"/ilo/templates/{TemplateVersion.objects.get(number=1).pk}/",
    ):
        page.goto(url)
        assert violations(page) == [], url
