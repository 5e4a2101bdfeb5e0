"""The half-yearly report of an ILO network, end to end in the browser without JavaScript:
the chair drafts a section, a member of another Member State contributes, the chair
incorporates and submits past the completeness check, the Commission reviews and publishes,
and a contact point reads the published report."""

import re

import pytest
from playwright.sync_api import expect

from ilo_reports.models import IloReport, Semester
from tests.browser.test_accessibility import sign_in_browser
from tests.ilo_reports.conftest import required_answered
from tests.items import ilo_network_chaired

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def browser_page(browser, live_server, user):
    page = browser.new_context(base_url=live_server.url, java_script_enabled=False).new_page()
    sign_in_browser(page, live_server, user)
    return page


def test_report_from_draft_to_publication(browser, live_server, cast):
    semester = Semester.reporting()
    network = ilo_network_chaired(chairs={str(semester): cast.ilo_fr_tr})
    chair = browser_page(browser, live_server, cast.ilo_fr_tr)
    member = browser_page(browser, live_server, cast.ilo_de_tr)
    commission = browser_page(browser, live_server, cast.commission_admin)
    reader = browser_page(browser, live_server, cast.de_ncp)

    # The chair opens the report and saves a first answer, in its section's page.
    chair.goto("/ilo/")
    chair.get_by_role("link", name="Open the report of a semester").click()
    chair.get_by_label("Network").select_option(label=str(network))
    chair.get_by_role("button", name="Open the report").click()
    expect(chair).to_have_url(re.compile(r"/edit/$"))
    report_url = chair.url.removesuffix("edit/")
    chair.get_by_role("link", name="Composition of the network and changes").click()
    chair.get_by_label("Composition and changes").fill("Two officers arrived in September.")
    chair.get_by_role("button", name="Save", exact=True).click()
    # The answer is saved (its page says so) before the chair leaves for the report.
    expect(chair.locator("body")).to_contain_text(
        "Section “Composition of the network and changes” saved."
    )
    chair.goto(report_url)
    assert "Two officers arrived in September." in chair.content()

    # The draft is the network's: the German ILO reads it, a German contact point does not.
    assert reader.goto(report_url).status == 404
    member.goto(report_url)
    member.get_by_role("link", name="Contribute to a section").click()
    expect(member).to_have_url(re.compile(r"/contribute/$"))
    member.get_by_label("Section").select_option(index=1)
    member.get_by_label("Contribution").fill(
        "Germany's officer joined the network meeting of 12 October."
    )
    member.get_by_role("button", name="Send to the chair").click()
    expect(member.locator("body")).to_contain_text("Contribution sent to the chair.")

    # The chair incorporates the contribution and submits.
    chair.goto(report_url)
    assert "12 October" in chair.content()
    chair.get_by_role("button", name="Incorporate into the section").first.click()
    expect(chair.locator("body")).to_contain_text("Contribution added to the section.")
    # The required answers given (the statistics, the assessment), most sections are still
    # empty: the completeness check asks, and the chair submits anyway.
    required_answered(IloReport.objects.get(network=network, semester=str(semester)))
    chair.goto(report_url)
    chair.get_by_role("button", name="Submit for review").click()
    expect(chair.get_by_role("heading", name="Check before submitting")).to_be_visible()
    chair.get_by_role("button", name="Submit anyway").click()
    expect(chair.locator("body")).to_contain_text("Submitted")

    # The Commission reviews and publishes to the whole network.
    commission.goto(report_url)
    commission.get_by_role("button", name="Mark as reviewed").click()
    expect(commission.locator("body")).to_contain_text("Report marked as reviewed.")
    commission.get_by_role("link", name="Publish").first.click()
    commission.get_by_label("The whole network").check()
    commission.get_by_role("button", name="Publish").click()
    expect(commission.locator("body")).to_contain_text("is published")

    # A contact point of another Member State now reads it, read-only, with its marking.
    response = reader.goto(report_url)
    assert response.status == 200
    content = reader.content()
    assert "TLP:AMBER" in content and "Two officers arrived in September." in content
    assert reader.get_by_role("link", name="Edit the draft").count() == 0
