"""Writes of the alerts area: create, publish with its recipients, acknowledge, follow up,
escalate and send the digest. Each takes the acting user and owns its transaction."""


from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from iconet.access import readers_among, require
from iconet.areas import preference
from iconet.limits import one_line_text
from iconet.models import (
    CONTENT_FREE_MARKINGS,
    Action,
    Area,
    Audience,
    EmailDelivery,
    Marking,
    Notification,
    Role,
    User,
)
from iconet.services.audit import audited
from iconet.services.notify import email_enqueue, emails_enqueue, site_url
from iconet.services.references import item_reference_allocate
from iconet.services.sharing import item_create, item_publish, item_update

from .models import (
    DIGEST_ROUTINE,
    Alert,
    AlertEscalation,
    AlertRecipient,
    FollowUp,
    Urgency,
)

# Most restrictive first: a digest carries the strictest marking of what it lists.
MARKING_ORDER = [Marking.RED, Marking.AMBER_STRICT, Marking.AMBER, Marking.GREEN, Marking.CLEAR]


# --- create and change ------------------------------------------------------------------

@audited
@transaction.atomic
def alert_create(*, actor: User, alert: Alert) -> Alert:
    """Save a new draft alert with its reference; only the owner organisation sees it."""
    if alert.reporting_contact_id is None:
        alert.reporting_contact = actor
    item_create(actor=actor, item=alert)
    alert.reference_code = item_reference_allocate(alert)
    alert.save(update_fields=["reference_code"])
    return alert


@audited
@transaction.atomic
def alert_update(*, actor: User, alert: Alert) -> Alert:
    """Save changes to an alert the actor may change."""
    return item_update(actor=actor, item=alert)


# --- recipients and publication ---------------------------------------------------------

def alert_recipient_candidates(alert: Alert) -> dict[int, str]:
    """Alerts-area NCPs the rule names: destination, transit and audience organisations, by user id."""
    ncps = User.objects.filter(
        is_active=True, areas__contains=[Area.ALERTS], ncp_areas__contains=[Area.ALERTS],
    ).exclude(organisation_id=alert.owner_id)
    destinations = set(alert.destination_states.values_list("code", flat=True))
    transits = set(alert.transit_countries) - destinations
    reasons: dict[int, str] = {}
    if alert.audience == Audience.GROUPS:
        # A network-wide or public audience makes the alert readable by all; only named
        # groups widen who is told, or every alert would go to every contact point.
        groups = alert.audience_groups.filter(is_active=True)
        for pk in ncps.filter(Q(organisation__access_groups__in=groups) | Q(access_groups__in=groups)).values_list("pk", flat=True):
            reasons[pk] = AlertRecipient.Reason.AUDIENCE
    for pk in ncps.filter(organisation__country_id__in=transits).values_list("pk", flat=True):
        reasons[pk] = AlertRecipient.Reason.TRANSIT
    for pk in ncps.filter(organisation__country_id__in=destinations).values_list("pk", flat=True):
        reasons[pk] = AlertRecipient.Reason.DESTINATION
    return reasons


def alert_email(alert: Alert, *, resend: bool = False) -> tuple[str, str]:
    """Subject and body of the alert e-mail; RED and AMBER+STRICT carry no content."""
    content_free = alert.marking in CONTENT_FREE_MARKINGS
    marking = alert.get_marking_display()
    if content_free:
        subject = _("[%(marking)s] ICONet alert %(ref)s") % {"marking": marking, "ref": alert.reference}
    else:
        subject = _("[%(marking)s] ICONet %(urgency)s alert %(ref)s: %(headline)s") % {
            "marking": marking, "urgency": alert.get_urgency_display().lower(), "ref": alert.reference,
            "headline": alert.headline,
        }
    if resend:
        subject = _("REMINDER: %(subject)s") % {"subject": subject}
    subject = one_line_text(subject)  # a headline saved before line breaks were refused
    body = render_to_string("alerts/email_alert.txt", {
        "alert": alert, "content_free": content_free, "resend": resend,
        "url": site_url(alert.get_absolute_url()) + "?acknowledge=1#acknowledge",
    })
    return subject, body


def email_priority(alert: Alert) -> int:
    """Immediate alerts go out before routine mail."""
    return EmailDelivery.Priority.URGENT if alert.urgency == Urgency.IMMEDIATE else EmailDelivery.Priority.ROUTINE


def _recipients_tell(alert: Alert, users_reasons: list[tuple[User, str]], *, escalated: bool = False) -> list[AlertRecipient]:
    """Recipient rows, in-app notifications and e-mails (or digest entries) for new recipients."""
    existing = set(AlertRecipient.objects.filter(alert=alert).values_list("user_id", flat=True))
    fresh = [(user, reason) for user, reason in users_reasons if user.pk not in existing]
    if not fresh:
        return []
    subject, body = alert_email(alert)

    def in_digest(user) -> bool:
        return alert.urgency == Urgency.ROUTINE and not escalated and preference(
            user, Area.ALERTS, DIGEST_ROUTINE,
        )

    priority = email_priority(alert)
    emails = emails_enqueue([
        {"key": f"alert:{alert.pk}:user:{user.pk}", "recipient": user, "subject": subject, "body": body,
         "priority": priority}
        for user, _reason in fresh if not in_digest(user)
    ])
    rows = [
        AlertRecipient(
            alert=alert, user=user, organisation_id=user.organisation_id, reason=reason,
            email=emails.get(f"alert:{alert.pk}:user:{user.pk}"), in_digest=in_digest(user), escalated=escalated,
        )
        for user, reason in fresh
    ]
    title = _("%(marking)s alert %(ref)s") % {"marking": alert.get_marking_display(), "ref": alert.reference}
    if alert.marking not in CONTENT_FREE_MARKINGS:
        title = f"{title}: {alert.headline}"
    Notification.objects.bulk_create([
        Notification.about(alert, recipient=user, title=title[:255], url=alert.get_absolute_url())
        for user, _reason in fresh
    ])
    # bulk_create skips auditlog; recipient rows are derived data, the publication itself is audited.
    return AlertRecipient.objects.bulk_create(rows, ignore_conflicts=True)


def alert_recipients_tell(alert: Alert) -> list[AlertRecipient]:
    """Tell every recipient the rule names who may read the alert (once each, however often it is re-shared)."""
    reasons = alert_recipient_candidates(alert)
    users = User.objects.filter(pk__in=reasons).select_related("organisation")
    readers = readers_among(alert, users)
    return _recipients_tell(alert, [(user, reasons[user.pk]) for user in readers])


def alert_published(sender, *, item: Alert, **kwargs) -> None:
    """Whichever page published the alert (or changed its audience), tell its new recipients;
    connected to the core's `item_published` by AlertsConfig.ready."""
    alert_recipients_tell(item)


@audited
@transaction.atomic
def alert_publish(*, actor: User, alert: Alert, audience: str, marking: str, groups=()) -> list[AlertRecipient]:
    """Publish (or re-share) the alert; returns the recipients told now (see alert_published)."""
    before = set(AlertRecipient.objects.filter(alert=alert).values_list("pk", flat=True))
    item_publish(actor=actor, item=alert, audience=audience, marking=marking, groups=groups)
    return list(AlertRecipient.objects.filter(alert=alert).exclude(pk__in=before).select_related("user"))


# --- reading, acknowledging, following up -------------------------------------------------

@audited
def alert_mark_read(*, actor: User, alert: Alert) -> None:
    """Note the first time a recipient opened the alert."""
    AlertRecipient.objects.filter(alert=alert, user=actor, read_at__isnull=True).update(read_at=timezone.now())


@audited
@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert) -> AlertRecipient:
    """A recipient confirms receipt; the first acknowledgement counts and is audited."""
    require(actor, Action.ACKNOWLEDGE, alert)
    row = AlertRecipient.objects.select_for_update().get(alert=alert, user=actor)
    if row.acknowledged_at is None:
        now = timezone.now()
        row.acknowledged_at = now
        row.read_at = row.read_at or now
        row.save(update_fields=["acknowledged_at", "read_at"])
    return row


@audited
@transaction.atomic
def follow_up_add(*, actor: User, alert: Alert, text: str) -> FollowUp:
    """A dated update by anyone who may see the alert; the owner's author is told in the portal."""
    require(actor, Action.FOLLOW_UP, alert)
    follow_up = FollowUp(alert=alert, author=actor, organisation_id=actor.organisation_id, text=text.strip())
    follow_up.full_clean()
    follow_up.save()
    if alert.author_id != actor.pk:
        Notification.about(
            alert, recipient=alert.author, url=alert.get_absolute_url() + "#follow-ups",
            title=(_("Follow-up on %(ref)s") % {"ref": alert.reference})[:255],
        ).save()
    return follow_up


# --- escalation and digest (run by beat) --------------------------------------------------

def overdue_organisations(alert: Alert) -> list[int]:
    """Recipient organisations that have not acknowledged the alert and were not yet escalated."""
    rows = AlertRecipient.objects.filter(alert=alert)
    told = set(rows.values_list("organisation_id", flat=True))
    acknowledged = set(rows.filter(acknowledged_at__isnull=False).values_list("organisation_id", flat=True))
    escalated = set(alert.escalations.values_list("organisation_id", flat=True))
    return sorted(told - acknowledged - escalated)


def alert_escalate(*, alert_id: int, organisation_id: int) -> AlertEscalation | None:
    """Re-send to the organisation's recipients and tell its other NCPs and national admins, once."""
    with transaction.atomic():
        alert = Alert.objects.select_related("owner").get(pk=alert_id)
        if alert.recipients.filter(organisation_id=organisation_id, acknowledged_at__isnull=False).exists():
            return None
        try:
            with transaction.atomic():
                # The unique (alert, organisation) row is the claim: a second run stops here.
                escalation = AlertEscalation.objects.create(alert=alert, organisation_id=organisation_id)
        except IntegrityError:
            return None
        subject, body = alert_email(alert, resend=True)
        first = list(alert.recipients.filter(organisation_id=organisation_id).select_related("user"))
        for row in first:
            email_enqueue(key=f"alert:{alert.pk}:resend:user:{row.user_id}", recipient=row.user, subject=subject, body=body,
                          priority=email_priority(alert))
        others = User.objects.filter(organisation_id=organisation_id, is_active=True).filter(
            Q(ncp_areas__contains=[Area.ALERTS]) | Q(role=Role.NATIONAL_ADMIN)
        ).exclude(pk__in=[row.user_id for row in first]).select_related("organisation")
        readers = readers_among(alert, others)
        added = _recipients_tell(alert, [(user, AlertRecipient.Reason.ESCALATION) for user in readers], escalated=True)
        escalation.notified_count = len(first) + len(added)
        escalation.save(update_fields=["notified_count"])
        return escalation


def digest_send(*, user: User, day) -> int:
    """One e-mail listing the routine alerts still waiting for the user's digest."""
    with transaction.atomic():
        rows = list(
            AlertRecipient.objects.select_for_update(of=("self",)).filter(user=user, in_digest=True, email__isnull=True)
            .select_related("alert").order_by("alert__published_at")
        )
        rows = [row for row in rows if row.alert.state == "published"]
        if not rows:
            return 0
        alerts = [row.alert for row in rows]
        strictest = min((a.marking for a in alerts), key=lambda m: MARKING_ORDER.index(m))
        marking_label = dict(Marking.choices)[strictest]
        subject = _("[%(marking)s] ICONet daily digest: %(count)s routine alerts") % {"marking": marking_label, "count": len(alerts)}
        body = render_to_string("alerts/email_digest.txt", {
            "marking": marking_label,
            "entries": [{
                "alert": a, "content_free": a.marking in CONTENT_FREE_MARKINGS,
                "url": site_url(a.get_absolute_url()) + "?acknowledge=1#acknowledge",
            } for a in alerts],
        })
        email = email_enqueue(key=f"alert-digest:{user.pk}:{day.isoformat()}:{rows[0].pk}", recipient=user, subject=subject, body=body)
        AlertRecipient.objects.filter(pk__in=[row.pk for row in rows]).update(email=email)
        return len(rows)
