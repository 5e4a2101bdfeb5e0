"""The semester's synthesis across networks: statistics added up from the reports the reader
may read only, the networks without a report, and Part III's follow-up actions tracked as
tasks whose owners are reminded through the outbox."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse

from iconet.models import EmailDelivery, Notification
from ilo_reports import services
from ilo_reports.models import FollowUpTask, Semester, TemplateQuestion
from ilo_reports.selectors import late_semester
from tests.ilo_reports.conftest import required_answered
from tests.items import ilo_network_chaired

pytestmark = pytest.mark.django_db


def answered(report, actor, statistics: dict, follow_up: dict | None = None):
    """The report with its statistics rows (row: (number, nationalities)) and its follow-up
    actions written, the other required answers given."""
    question = TemplateQuestion.objects.get(section__version=report.template, key="statistics")
    answers = {
        str(question.pk): {
            row: {"number": number, **({"nationalities": codes} if codes else {})}
            for row, (number, codes) in statistics.items()
        }
    }
    if follow_up:
        table = TemplateQuestion.objects.get(section__version=report.template, key="follow_up")
        answers[str(table.pk)] = follow_up
    report = services.report_save(
        actor=actor, report=report, answers=answers, lock_version=report.lock_version
    )
    return required_answered(report, actor)


def submitted(network, semester, chair, statistics, follow_up=None):
    report = services.report_open(actor=chair, network=network, semester=semester)
    report = answered(report, chair, statistics, follow_up)
    return services.report_submit(actor=chair, report=report)


def published(report, reviewer, **audience):
    services.report_review(actor=reviewer, report=report)
    return services.report_publish(actor=reviewer, report=report, marking="AMBER", **audience)


@pytest.fixture
def world(cast):
    """On the latest semester past its deadline: Türkiye's report published to the network,
    Morocco's submitted, under review (the Commission reads it, France's contact point,
    the reader, may not), and Lebanon without a report (late); Türkiye's
    report on the semester before, too."""
    semester = late_semester()
    before = semester.previous()
    turkiye = ilo_network_chaired(
        chairs={str(semester): cast.ilo_fr_tr, str(before): cast.ilo_fr_tr}
    )
    morocco = ilo_network_chaired(
        chairs={str(semester): cast.de_ncp}, host_country="MA", name="Morocco"
    )
    lebanon = ilo_network_chaired(
        chairs={str(semester): cast.it_ncp}, host_country="LB", name="Lebanon"
    )
    admin = cast.commission_admin
    seen = submitted(
        turkiye,
        semester,
        cast.ilo_fr_tr,
        {"refusals_air": (10, "AF, SY"), "returns": (5, "SY"), "refusals_land": (0, "")},
        {
            "action_1": {
                "action": "Joint training for carriers",
                "owner": "FR",
                "deadline": "2027-03-31",
            }
        },
    )
    seen = published(seen, admin, audience="network")
    previous = submitted(turkiye, before, cast.ilo_fr_tr, {"refusals_air": (4, "AF")})
    previous = published(previous, admin, audience="network")
    hidden = submitted(
        morocco,
        semester,
        cast.de_ncp,
        {"refusals_air": (1000, "MA, SY"), "returns": (300, "")},
        {"action_1": {"action": "Hidden action of Morocco", "owner": "DE"}},
    )
    return {
        "semester": semester,
        "seen": seen,
        "previous": previous,
        "hidden": hidden,
        "networks": (turkiye, morocco, lebanon),
    }


def row_of(page: str, key: str) -> str:
    found = re.search(rf'<tr id="row-{key}">(.*?)</tr>', page, re.S)
    assert found, key
    return found[1]


def cells(row: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell.replace("<br>", " | ")).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]


def test_the_synthesis_adds_up_only_what_the_reader_may_read(cast, client_for, world):
    reader = client_for(cast.fr_ncp)
    seen, previous, hidden = world["seen"], world["previous"], world["hidden"]
    assert reader.get(hidden.get_absolute_url()).status_code == 404  # the premise
    url = f"{reverse('ilo_reports:synthesis')}?semester={world['semester']}"
    page = reader.get(url).content.decode()
    assert "Added up from 1 report you may read" in page
    assert "TLP:AMBER" in page and "TLP:RED" not in page  # the marking of what is added up
    air = row_of(page, "refusals_air")
    assert cells(air) == [
        "Refusals of entry – air borders",
        "10 | Türkiye: 10",
        "4 | Türkiye: 4",
        "Up",
        "Afghanistan (Türkiye); Syria (Türkiye)",
        "—",
    ]
    assert f'href="{seen.get_absolute_url()}">Türkiye: 10</a>' in air
    assert f'href="{previous.get_absolute_url()}">Türkiye: 4</a>' in air
    returns = cells(row_of(page, "returns"))
    assert returns[1:5] == ["5 | Türkiye: 5", "0 | Türkiye: 0", "Up", "Syria (Türkiye)"]
    land = cells(row_of(page, "refusals_land"))
    assert land[1:4] == ["0 | Türkiye: 0", "0 | Türkiye: 0", "Stable"]
    # Morocco's figures, nationalities and actions count nowhere; its network has no report
    # the reader may read, like Lebanon, which is late.
    assert "1000" not in page and "300" not in page and "Morocco (MA)" not in page
    assert "Hidden action of Morocco" not in page and hidden.reference not in page
    missing = re.search(r'<ul class="list" id="synthesis-missing">(.*?)</ul>', page, re.S)[1]
    names = re.findall(r">([^<]+)</a>", missing)
    assert names == ["Lebanon", "Morocco"] and missing.count("Late") == 2
    assert "Türkiye" not in missing
    actions = re.search(
        r'<table class="table table--stack" id="synthesis-actions">(.*?)</table>', page, re.S
    )[1]
    assert "Joint training for carriers" in actions and seen.reference in actions
    assert "2027-03-31" in actions
    # The Commission reads both reports: Morocco's figures add up for it, and only Lebanon
    # has no report it may read.
    commission = client_for(cast.commission_admin).get(url).content.decode()
    air = cells(row_of(commission, "refusals_air"))
    assert (
        air[1] == "1010 | Türkiye: 10, Morocco: 1000"
        or air[1] == "1010 | Morocco: 1000, Türkiye: 10"
    )
    assert air[4] == "Syria (Morocco, Türkiye); Afghanistan (Türkiye); Morocco (Morocco)"
    assert cells(row_of(commission, "returns"))[1].startswith("305 |")
    missing = re.search(r'<ul class="list" id="synthesis-missing">(.*?)</ul>', commission, re.S)[1]
    assert re.findall(r">([^<]+)</a>", missing) == ["Lebanon"]
    assert "Hidden action of Morocco" in commission


def test_the_synthesis_as_csv(cast, client_for, world):
    url = f"{reverse('ilo_reports:synthesis_csv')}?semester={world['semester']}"
    response = client_for(cast.fr_ncp).get(url)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "TLP:AMBER"
    by_label = {row[0]: row for row in rows if row}
    air = by_label["Refusals of entry – air borders"]
    assert air == [
        "Refusals of entry – air borders",
        "10",
        "4",
        "Up",
        "AF (1), SY (1)",
        world["seen"].reference,
    ]
    assert by_label["Returns"][1:3] == ["5", "0"]
    assert ["Lebanon", "LB"] in rows and ["Morocco", "MA"] in rows
    assert "1000" not in response.content.decode()


def test_the_synthesis_as_pdf_holds_only_what_the_reader_may_read(cast, client_for, world):
    from pypdf import PdfReader

    url = f"{reverse('ilo_reports:synthesis_pdf')}?semester={world['semester']}"
    response = client_for(cast.fr_ncp).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
    ).replace("\n", " ")
    assert "TLP:AMBER" in text
    assert "Refusals of entry – air borders" in text
    assert world["seen"].reference in text
    assert "Lebanon" in text and "Morocco" in text  # networks without a report France may read
    assert "1000" not in text  # the Commission's totals, from a report France may not read


def test_a_follow_up_action_becomes_a_task_with_an_owner(cast, client_for, world):
    admin = client_for(cast.commission_admin)
    seen, hidden = world["seen"], world["hidden"]
    prefix = f"task-{seen.pk}-action_1"
    data = {
        "prefix": prefix,
        f"{prefix}-report": seen.pk,
        f"{prefix}-row_key": "action_1",
        f"{prefix}-owner": cast.commission_admin.pk,
        f"{prefix}-deadline": "2027-03-31",
    }
    url = reverse("ilo_reports:task_add") + f"?semester={world['semester']}"
    # Not a reviewer: refused, nothing tracked.
    assert client_for(cast.ilo_fr_tr).post(url, data).status_code == 403
    assert not FollowUpTask.objects.exists()
    response = admin.post(url, data, follow=True)
    task = FollowUpTask.objects.get()
    assert (task.report, task.owner, task.deadline) == (
        seen,
        cast.commission_admin,
        datetime.date(2027, 3, 31),
    )
    assert task.action == "Joint training for carriers"
    assert "Follow-up action tracked as a task." in response.content.decode()
    assert "Owned by" in response.content.decode()
    # A report the user may not read is out of scope; one he reads but is no reviewer of,
    # forbidden.
    forged = {**data, f"{prefix}-report": hidden.pk}
    assert client_for(cast.fr_ncp).post(url, forged).status_code == 404
    assert client_for(cast.fr_ncp).post(url, data).status_code == 403
    # Closing it.
    close = reverse("ilo_reports:task_close", args=[task.pk])
    assert client_for(cast.ilo_fr_tr).post(close).status_code == 403
    admin.post(close)
    task.refresh_from_db()
    assert task.closed_by == cast.commission_admin


def test_task_owners_are_reminded_through_the_outbox_until_it_is_closed(cast, world):
    seen = world["seen"]
    today = datetime.date(2027, 3, 1)
    task = services.follow_up_task_create(
        actor=cast.commission_admin,
        report=seen,
        row_key="action_1",
        owner=cast.commission_admin,
        deadline=today + datetime.timedelta(days=3),
    )
    assert services.follow_up_reminders_send(today - datetime.timedelta(days=10)) == 0  # not yet
    assert services.follow_up_reminders_send(today) == 1
    assert services.follow_up_reminders_send(today) == 0  # once per task and kind
    title = f"Follow-up action of Türkiye for {seen.semester} due on"
    assert (
        Notification.objects.filter(recipient=cast.commission_admin, title__contains=title).count()
        == 1
    )
    mail = EmailDelivery.objects.get(recipient=cast.commission_admin, subject__contains=title)
    assert mail.subject.startswith(f"[TLP:AMBER] {seen.reference}")
    assert "Joint training" not in mail.body and "/ilo/synthesis/" in mail.body
    overdue = task.deadline + datetime.timedelta(days=1)
    assert services.follow_up_reminders_send(overdue) == 1
    assert services.follow_up_reminders_send(overdue + datetime.timedelta(days=6)) == 0
    assert EmailDelivery.objects.filter(subject__contains="overdue since").count() == 1
    # Every week while it stays open.
    assert services.follow_up_reminders_send(overdue + datetime.timedelta(days=7)) == 1
    assert EmailDelivery.objects.filter(subject__contains="overdue since").count() == 2
    services.follow_up_task_close(actor=cast.commission_admin, task=task)
    FollowUpTask.objects.filter(pk=task.pk).update(deadline=overdue)
    assert services.follow_up_reminders_send(overdue + datetime.timedelta(days=30)) == 0


def test_a_task_owner_must_read_the_report(cast, world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.follow_up_task_create(
            actor=cast.commission_admin,
            report=world["seen"],
            row_key="action_1",
            owner=cast.frontex_user,  # the network audience leaves out agencies
            deadline=datetime.date(2027, 1, 1),
        )
    assert Semester.parse(world["seen"].semester) == world["semester"]


def test_the_reports_added_up_export_as_csv_and_pdf_through_the_core(cast, client_for, world):
    reader = client_for(cast.fr_ncp)
    page = reader.get(
        f"{reverse('ilo_reports:synthesis')}?semester={world['semester']}"
    ).content.decode()
    assert 'name="source" value="ilo_reports:synthesis"' in page
    data = {"source": "ilo_reports:synthesis", "query": f"semester={world['semester']}"}
    response = reader.post(reverse("exports:start"), {**data, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]  # the header first; the marking's statement follows the rows
    references = [row[header.index("Reference")] for row in rows[1:] if len(row) == len(header)]
    assert references == [world["seen"].reference]  # not Morocco's, not the semester before
    commission = client_for(cast.commission_admin).post(
        reverse("exports:start"), {**data, "format": "csv"}
    )
    assert world["hidden"].reference in commission.content.decode("utf-8-sig")
    pdf = reader.post(reverse("exports:start"), {**data, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
