"""The ILO report editor in the browser without JavaScript: the chair moves through the
sections from the contents list, saves a section and goes on to the next, and meets the
completeness check before submitting an incomplete report; the colleague of another Member
State sees who edits and submits. Plus the pages' accessibility (axe, with JavaScript)."""

import re

import pytest
from playwright.sync_api import expect

from ilo_reports.models import Semester, TemplateSection
from ilo_reports.services import report_open
from tests.browser.test_accessibility import sign_in_browser, violations
from tests.items import ilo_network_chaired

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def browser_page(browser, live_server, user):
    page = browser.new_context(base_url=live_server.url, java_script_enabled=False).new_page()
    sign_in_browser(page, live_server, user)
    return page


def draft(cast):
    semester = Semester.reporting()
    network = ilo_network_chaired(chairs={str(semester): cast.ilo_fr_tr})
    return report_open(actor=cast.ilo_fr_tr, network=network, semester=semester)


def test_sections_through_the_contents_and_the_completeness_check(browser, live_server, cast):
    report = draft(cast)
    sections = list(TemplateSection.objects.filter(version=report.template).order_by("order"))
    first, second, third = sections[:3]
    chair = browser_page(browser, live_server, cast.ilo_fr_tr)

    # From the report to its contents: every section, all empty.
    chair.goto(report.get_absolute_url())
    chair.get_by_role("link", name="Edit the draft").click()
    contents = chair.get_by_role("navigation", name="Contents")
    expect(contents.get_by_role("link")).to_have_count(len(sections))
    assert f"{len(sections)} of {len(sections)} sections are empty." in chair.content()

    # A section's own page, saved on its own.
    contents.get_by_role("link", name=first.heading).click()
    expect(chair.get_by_role("heading", level=1, name=first.heading)).to_be_visible()
    assert f"Section 1 of {len(sections)}" in chair.content()
    chair.get_by_label("Composition and changes").fill("Two officers arrived in September.")
    chair.get_by_role("button", name="Save", exact=True).click()
    assert f"Section “{first.heading}” saved." in chair.content()
    assert chair.get_by_label("Composition and changes").input_value() == (
        "Two officers arrived in September."
    )

    # On to the next section, saved and left with "Save and go to the next section".
    chair.get_by_role("link", name=f"Next section: {second.heading}").click()
    chair.get_by_label("Meetings held").fill("Three meetings, in Ankara and Istanbul.")
    chair.get_by_role("button", name="Save and go to the next section").click()
    expect(chair.get_by_role("heading", level=1, name=third.heading)).to_be_visible()

    # Back to the contents: the two sections are answered, the others still empty.
    chair.get_by_role("link", name="Back to the contents").click()

    def state(section):
        row = chair.get_by_role("row").filter(has_text=section.heading)
        return row.get_by_role("cell").first.inner_text().strip().lower()

    assert (state(first), state(second), state(third)) == ("answered", "answered", "empty")
    empty = len(sections) - 2
    assert f"{empty} of {len(sections)} sections are empty." in chair.content()

    # Submitting meets the completeness check: what is empty, with a way to each.
    chair.get_by_role("link", name="Check and submit for review").click()
    expect(chair.get_by_role("heading", name="Check before submitting")).to_be_visible()
    listed = chair.get_by_role("region", name=re.compile("sections have no answer"))
    assert listed.get_by_role("link").count() == empty
    assert listed.get_by_role("link", name=re.compile(re.escape(first.heading))).count() == 0
    # "Go back" returns to the contents; the report is still a draft.
    chair.get_by_role("link", name="Go back and complete the report").click()
    expect(chair.get_by_role("navigation", name="Contents")).to_be_visible()
    report.refresh_from_db()
    assert report.status == "draft"
    chair.goto(report.get_absolute_url())

    # The report page's Submit also stops at the check; "Submit anyway" submits.
    chair.get_by_role("button", name="Submit for review").click()
    expect(chair.get_by_role("heading", name="Check before submitting")).to_be_visible()
    chair.get_by_role("button", name="Submit anyway").click()
    assert "Report submitted for review." in chair.content()
    assert chair.get_by_role("link", name="Edit the draft").count() == 0
    assert "The Commission reviews and publishes the report" in chair.content()


def test_a_member_sees_who_edits_and_no_editing_button(browser, live_server, cast):
    report = draft(cast)
    member = browser_page(browser, live_server, cast.ilo_de_tr)
    member.goto(report.get_absolute_url())
    assert member.get_by_role("link", name="Edit the draft").count() == 0
    assert member.get_by_role("button", name="Submit for review").count() == 0
    assert member.get_by_role("link", name="Contribute to a section").count() == 1
    assert "edits the report and submits it for review." in member.content()
    member.goto("/ilo/")
    assert member.get_by_role("link", name="Open the report of a semester").count() == 0


def test_the_editor_pages_pass_axe(page, live_server, cast):
    report = draft(cast)
    sign_in_browser(page, live_server, cast.ilo_fr_tr)
    statistics = TemplateSection.objects.get(version=report.template, questions__key="statistics")
    for url in (
        f"/ilo/{report.pk}/edit/",
        f"/ilo/{report.pk}/edit/{statistics.pk}/",
        f"/ilo/{report.pk}/submit/",
    ):
        page.goto(url)
        assert violations(page) == [], url
