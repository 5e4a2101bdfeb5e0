"""The ILO report editor in the browser without JavaScript: the chair moves through the
sections from the contents list, saves a section and goes on to the next, and meets the
completeness check before submitting an incomplete report; the colleague of another Member
State sees who edits and submits. Plus the pages' accessibility (axe, with JavaScript)."""

import re

import pytest
from playwright.sync_api import expect

from ilo_reports.models import Semester, TemplateQuestion, TemplateSection
from ilo_reports.services import report_open
from tests.browser.test_accessibility import sign_in_browser, violations
from tests.ilo_reports.conftest import required_answered
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
    # A link per section, and one per part to edit the part's sections on one page.
    parts = {section.part for section in sections}
    expect(contents.get_by_role("link")).to_have_count(len(sections) + len(parts))
    expect(chair.locator("body")).to_contain_text(
        f"{len(sections)} of {len(sections)} sections are empty."
    )

    # A section's own page, saved on its own.
    contents.get_by_role("link", name=first.heading).click()
    expect(chair.get_by_role("heading", level=1, name=first.heading)).to_be_visible()
    expect(chair.locator("body")).to_contain_text(f"Section 1 of {len(sections)}")
    chair.get_by_label("Composition and changes").fill("Two officers arrived in September.")
    chair.get_by_role("button", name="Save", exact=True).click()
    expect(chair.locator("body")).to_contain_text(f"Section “{first.heading}” saved.")
    expect(chair.get_by_label("Composition and changes")).to_have_value(
        "Two officers arrived in September."
    )

    # On to the next section, saved and left with "Save and go to the next section".
    chair.get_by_role("link", name=f"Next section: {second.heading}").click()
    chair.get_by_label("Meetings held").fill("Three meetings, in Ankara and Istanbul.")
    chair.get_by_role("button", name="Save and go to the next section").click()
    expect(chair.get_by_role("heading", level=1, name=third.heading)).to_be_visible()

    # Back to the contents: the two sections are answered, the others still empty.
    chair.get_by_role("link", name="Back to the contents").click()
    expect(chair.get_by_role("navigation", name="Contents")).to_be_visible()

    def state(section):
        """The cell that tells whether the section is answered."""
        row = chair.get_by_role("row").filter(has_text=section.heading)
        return row.get_by_role("cell").first

    for section, answer in ((first, "answered"), (second, "answered"), (third, "empty")):
        expect(state(section)).to_have_text(answer, ignore_case=True, use_inner_text=True)
    empty = len(sections) - 2
    expect(chair.locator("body")).to_contain_text(f"{empty} of {len(sections)} sections are empty.")

    # Submitting meets the completeness check: what is empty, with a way to each (the
    # required answers given, the empty sections may be confirmed).
    required_answered(report)
    empty -= len(
        {
            q.section_id
            for q in TemplateQuestion.objects.filter(
                section__version=report.template, required=True
            )
        }
    )
    chair.get_by_role("link", name="Check and submit for review").click()
    expect(chair.get_by_role("heading", name="Check before submitting")).to_be_visible()
    listed = chair.get_by_role("region", name=re.compile("sections have no answer"))
    expect(listed.get_by_role("link")).to_have_count(empty)
    expect(listed.get_by_role("link", name=re.compile(re.escape(first.heading)))).to_have_count(0)
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
    expect(chair.locator("body")).to_contain_text("Report submitted for review.")
    expect(chair.locator("body")).to_contain_text("The Commission reviews and publishes the report")
    chair.wait_for_load_state()  # the whole page, before what it must no longer hold is counted
    expect(chair.get_by_role("link", name="Edit the draft")).to_have_count(0)


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
        f"/ilo/{report.pk}/edit/part/II/",
    ):
        page.goto(url)
        assert violations(page) == [], url
