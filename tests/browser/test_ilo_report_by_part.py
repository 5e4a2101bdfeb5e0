"""A report filled one part at a time in the browser without JavaScript: the chair fills
Part I on one page, is refused at submission while the statistics and the assessment are
missing, follows the list to the parts that lack them, fills them, and submits. The
synthesis and the home page's queues pass axe."""

import re

import pytest
from playwright.sync_api import expect

from ilo_reports.models import TemplateQuestion
from tests.browser.test_accessibility import sign_in_browser, violations
from tests.browser.test_ilo_editor import browser_page, draft
from tests.ilo_reports.test_synthesis import world  # noqa: F401, F811 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PART_I = "Part I – Activities of the network"
PART_II = "Part II – Situation in the host country"
PART_III = "Part III – Assessment and recommendations"


def test_a_report_filled_by_part_and_refused_while_incomplete(browser, live_server, cast):
    report = draft(cast)
    statistics = TemplateQuestion.objects.get(section__version=report.template, key="statistics")
    rows = statistics.table["rows"]
    # Fields of long texts, by name: their labels are also the headings of their sections.
    meetings = TemplateQuestion.objects.get(section__version=report.template, key="meetings")
    assessment = TemplateQuestion.objects.get(section__version=report.template, key="assessment")
    chair = browser_page(browser, live_server, cast.ilo_fr_tr)

    # Part I: its sections on one page, saved at once.
    chair.goto(report.get_absolute_url())
    chair.get_by_role("link", name="Edit the draft").click()
    chair.get_by_role("link", name=f"Edit {PART_I}").click()
    expect(chair.get_by_role("heading", level=1, name=PART_I)).to_be_visible()
    chair.get_by_label("Composition and changes").fill("Two officers arrived in September.")
    chair.locator(f'textarea[name="q{meetings.pk}"]').fill("Three meetings, in Ankara.")
    chair.get_by_role("button", name=f"Save {PART_I}").click()
    expect(chair.locator("body")).to_contain_text(f"{PART_I} saved.")
    expect(chair.locator(f'textarea[name="q{meetings.pk}"]')).to_have_value(
        "Three meetings, in Ankara."
    )
    contents = chair.get_by_role("navigation", name="Contents")
    item = contents.get_by_role("listitem").filter(has_text="Meetings held")
    expect(item).to_contain_text("Answered")

    # Submission is refused: the required answers are listed, each with its way there.
    chair.get_by_role("link", name="Check and submit for review").click()
    missing = chair.get_by_role("region", name=re.compile("required answers are missing"))
    expect(missing).to_contain_text(f"{len(rows) + 1} required answers are missing")
    expect(chair.get_by_role("button", name="Submit anyway")).to_have_count(0)
    expect(chair.get_by_role("button", name="Submit for review")).to_have_count(0)
    missing.get_by_role("link", name=re.compile(re.escape(rows[0]["label"]))).click()

    # Part II: a figure in every statistics row (0 when there was none).
    expect(chair.get_by_role("heading", level=1, name=PART_II)).to_be_visible()
    for number, row in enumerate(rows):
        chair.get_by_label(f"{row['label']} – Number", exact=True).fill(str(number))
    chair.get_by_role("button", name=f"Save {PART_II}").click()
    expect(chair.locator("body")).to_contain_text(f"{PART_II} saved.")
    chair.get_by_role("link", name="Next: Part III").click()
    chair.locator(f'textarea[name="q{assessment.pk}"]').fill("Pressure on the land border rose.")
    chair.get_by_role("button", name=f"Save {PART_III}").click()
    expect(chair.locator("body")).to_contain_text(f"{PART_III} saved.")

    # Now complete in what is required: the empty sections are confirmed, and it submits.
    chair.get_by_role("link", name="Check and submit for review").click()
    expect(chair.locator("body")).not_to_contain_text("required answers are missing")
    chair.get_by_role("button", name="Submit anyway").click()
    expect(chair.locator("body")).to_contain_text("Report submitted for review.")
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.answers[str(statistics.pk)][rows[-1]["key"]] == {"number": len(rows) - 1}


def test_the_synthesis_and_the_home_queues_pass_axe(page, live_server, cast, world):  # noqa: F811
    sign_in_browser(page, live_server, cast.commission_admin)
    for url in (f"/ilo/synthesis/?semester={world['semester']}", "/"):
        page.goto(url)
        assert violations(page) == [], url
