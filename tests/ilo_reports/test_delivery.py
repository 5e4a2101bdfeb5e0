"""Workflow e-mails go out through the outbox, a real Celery worker and a real SMTP server."""

from email.header import decode_header, make_header

import pytest

from ilo_reports.services import report_submit


def subject_of(message) -> str:
    """The subject as its reader sees it (the network's name may need encoding)."""
    return str(make_header(decode_header(message["Subject"])))


@pytest.mark.django_db(transaction=True)
def test_submission_mails_the_reviewers_with_the_marking_and_no_content(
    cast, report, smtp_server, celery_worker
):
    report.answers = {"1": "Route via the Aegean"}
    report.save()
    report_submit(actor=cast.ilo_fr_tr, report=report)
    # The German ILO was told first that the report opened, then both of its submission.
    messages = [m for m in smtp_server.wait_for(3) if "submitted" in subject_of(m)]
    recipients = sorted(m["To"] for m in messages)
    assert recipients == ["commission_admin@example.test", "ilo_de_tr@example.test"]
    for message in messages:
        subject = subject_of(message)
        assert subject.startswith("[TLP:AMBER]") and report.reference in subject
        assert f"{report.network} for {report.semester}" in subject
        assert "Aegean" not in message.get_payload(decode=True).decode()
