"""Writes of the alerts area: create, publish with its recipients, acknowledge, follow up,
escalate and send the digest. Each takes the acting user and owns its transaction. Who was
told and what became of it is the core's recipient tracking (iconet.outbox.services.recipients);
this module says who the candidates are, what the e-mail says and who waits for the digest."""

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from iconet.limits import one_line_text
from iconet.models import (
    CONTENT_FREE_MARKINGS,
    Area,
    Audience,
    EmailDelivery,
    ItemRecipient,
    Marking,
    User,
)
from iconet.outbox.services.notify import InLanguage, email_enqueue, site_url, user_language
from iconet.outbox.services.recipients import (
    recipient_acknowledge,
    recipient_read_record,
    recipients_escalate_overdue,
)
from iconet.sharing.declarations import preference

from .models import DIGEST_ROUTINE, Alert, RecipientReason, Urgency

# Most restrictive first: a digest carries the strictest marking of what it lists.
MARKING_ORDER = [Marking.RED, Marking.AMBER_STRICT, Marking.AMBER, Marking.GREEN, Marking.CLEAR]


# --- recipients and publication ---------------------------------------------------------


def alert_recipient_candidates(alert: Alert) -> dict[int, str]:
    """Alerts-area NCPs the rule names: destination, transit and audience organisations, by user
    id."""
    ncps = User.objects.filter(
        is_active=True,
        areas__contains=[Area.ALERTS],
        ncp_areas__contains=[Area.ALERTS],
    ).exclude(organisation_id=alert.owner_id)
    destinations = set(alert.destination_states.values_list("code", flat=True))
    transits = set(alert.transit_countries) - destinations
    reasons: dict[int, str] = {}
    if alert.audience == Audience.GROUPS:
        # A network-wide or public audience makes the alert readable by all; only named
        # groups widen who is told, or every alert would go to every contact point.
        groups = alert.audience_groups.filter(is_active=True)
        for pk in ncps.filter(
            Q(organisation__access_groups__in=groups) | Q(access_groups__in=groups)
        ).values_list("pk", flat=True):
            reasons[pk] = RecipientReason.AUDIENCE
    for pk in ncps.filter(organisation__country_id__in=transits).values_list("pk", flat=True):
        reasons[pk] = RecipientReason.TRANSIT
    for pk in ncps.filter(organisation__country_id__in=destinations).values_list("pk", flat=True):
        reasons[pk] = RecipientReason.DESTINATION
    return reasons


def alert_email(alert: Alert, *, resend: bool = False) -> tuple[str, str]:
    """Subject and body of the alert e-mail; RED and AMBER+STRICT carry no content."""
    content_free = alert.marking in CONTENT_FREE_MARKINGS
    marking = alert.get_marking_display()
    if content_free:
        subject = _("[%(marking)s] ICONet alert %(ref)s") % {
            "marking": marking,
            "ref": alert.reference,
        }
    else:
        subject = _("[%(marking)s] ICONet %(urgency)s alert %(ref)s: %(headline)s") % {
            "marking": marking,
            "urgency": alert.get_urgency_display().lower(),
            "ref": alert.reference,
            "headline": alert.headline,
        }
    if resend:
        subject = _("REMINDER: %(subject)s") % {"subject": subject}
    subject = one_line_text(subject)  # a headline saved before line breaks were refused
    body = render_to_string(
        "alerts/email_alert.txt",
        {
            "alert": alert,
            "content_free": content_free,
            "resend": resend,
            "url": site_url(alert.get_absolute_url()) + "?acknowledge=1#acknowledge",
        },
    )
    return subject, body


def email_priority(alert: Alert) -> int:
    """Immediate alerts go out before routine mail."""
    return (
        EmailDelivery.Priority.URGENT
        if alert.urgency == Urgency.IMMEDIATE
        else EmailDelivery.Priority.ROUTINE
    )


def alert_message(alert: Alert, *, resend: bool = False) -> dict:
    """What the recipients of an alert are told: notification title and link, e-mail key,
    subject, body and priority (the arguments of the core's `recipients_tell`); the texts are
    built in each recipient's language."""

    def title() -> str:
        text = _("%(marking)s alert %(ref)s") % {
            "marking": alert.get_marking_display(),
            "ref": alert.reference,
        }
        if alert.marking not in CONTENT_FREE_MARKINGS:
            text = f"{text}: {alert.headline}"
        return text

    email = InLanguage(lambda: alert_email(alert, resend=resend))
    return {
        "title": InLanguage(title),
        "url": alert.get_absolute_url(),
        "subject": InLanguage(lambda: email.current()[0]),
        "body": InLanguage(lambda: email.current()[1]),
        "key": f"alert:{alert.pk}:resend" if resend else f"alert:{alert.pk}",
        "priority": email_priority(alert),
    }


def alert_in_digest(alert: Alert):
    """Routine alerts wait for the daily digest of the users who chose it."""
    return lambda user: (
        alert.urgency == Urgency.ROUTINE
        and preference(
            user,
            Area.ALERTS,
            DIGEST_ROUTINE,
        )
    )


def alert_publication_recipients(alert: Alert) -> list[tuple[User, str]]:
    """The contact points the rule names for the alert as it stands, each with the reason (the
    core tells those the audience chosen lets read it, once each, however often it is
    re-shared: `ItemType.publication_recipients`)."""
    reasons = alert_recipient_candidates(alert)
    users = User.objects.filter(pk__any_of=list(reasons)).select_related("organisation__country")
    return [(user, reasons[user.pk]) for user in users]


def alert_publication_message(alert: Alert, *, resend: bool = False) -> dict:
    """What a publication tells them (`ItemType.publication_message`): the alert's message,
    routine alerts waiting for the digest of the users who chose it."""
    return {**alert_message(alert, resend=resend), "in_digest": alert_in_digest(alert)}


# --- reading, acknowledging, following up -------------------------------------------------


def alert_mark_read(*, actor: User, alert: Alert) -> None:
    """Note the first time a recipient opened the alert."""
    recipient_read_record(user=actor, item=alert)


def alert_acknowledge(*, actor: User, alert: Alert) -> ItemRecipient:
    """A recipient confirms receipt; the first acknowledgement counts and is audited."""
    return recipient_acknowledge(actor=actor, item=alert)


# --- escalation and digest (run by beat) --------------------------------------------------


def alerts_escalate() -> int:
    """Escalate the immediate alerts left unacknowledged past the deadline (reminders say so)."""
    return recipients_escalate_overdue(model=Alert, message=alert_message)


def digest_send(*, user: User, day) -> int:
    """One e-mail listing the routine alerts still waiting for the user's digest, in the user's
    language."""
    with transaction.atomic(), translation.override(user_language(user)):
        rows = list(
            ItemRecipient.objects.of_type(Alert)
            .select_for_update()
            .filter(user=user, in_digest=True, email__isnull=True)
            .order_by("pk")
        )
        # Only what the user still reads: an audience narrowed since leaves no title behind.
        published = Alert.objects.visible_to(user).filter(
            pk__in=[row.object_id for row in rows],
            state="published",
        )
        alerts = list(published.order_by("published_at"))
        rows = [row for row in rows if row.object_id in {a.pk for a in alerts}]
        if not rows:
            return 0
        strictest = min((a.marking for a in alerts), key=lambda m: MARKING_ORDER.index(m))
        marking_label = dict(Marking.choices)[strictest]
        subject = _("[%(marking)s] ICONet daily digest: %(count)s routine alerts") % {
            "marking": marking_label,
            "count": len(alerts),
        }
        body = render_to_string(
            "alerts/email_digest.txt",
            {
                "marking": marking_label,
                "entries": [
                    {
                        "alert": a,
                        "content_free": a.marking in CONTENT_FREE_MARKINGS,
                        "url": site_url(a.get_absolute_url()) + "?acknowledge=1#acknowledge",
                    }
                    for a in alerts
                ],
            },
        )
        email = email_enqueue(
            key=f"alert-digest:{user.pk}:{day.isoformat()}:{rows[0].pk}",
            recipient=user,
            subject=subject,
            body=body,
        )
        ItemRecipient.objects.filter(pk__in=[row.pk for row in rows]).update(email=email)
        return len(rows)
