"""Writing the access log."""

from django.contrib.contenttypes.models import ContentType

from ..models import LOGGED_MARKINGS, AccessLog


def client_address(request) -> str | None:
    # Behind the production proxy REMOTE_ADDR is rewritten by the proxy's trusted header
    # handling; the application never trusts X-Forwarded-For on its own.
    return request.META.get("REMOTE_ADDR") if request is not None else None


def access_log_write(
    *, event: str, request=None, actor=None, item=None, username: str = "", detail: str = ""
) -> AccessLog:
    """Record one access event: who, which organisation, what, when and from where."""
    if actor is None and request is not None and getattr(request.user, "is_authenticated", False):
        actor = request.user
    entry = AccessLog(
        event=event,
        actor=actor,
        username=username or (actor.get_username() if actor else ""),
        organisation_id=getattr(actor, "organisation_id", None),
        remote_addr=client_address(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else ""),
        detail=detail[:255],
    )
    if item is not None:
        entry.content_type = ContentType.objects.get_for_model(item)
        entry.object_id = item.pk
        # The reference only: the log is read by administrators, who never read content.
        entry.object_repr = item.reference[:255]
        entry.marking = getattr(item, "marking", "")
        entry.owner_id = getattr(item, "owner_id", None)
    entry.save()
    from ..operations.metrics import access_event_count

    access_event_count(event)
    return entry


def item_read_record(*, request, item) -> None:
    """Log a read of a restricted item (RED, AMBER+STRICT, AMBER)."""
    if item.marking in LOGGED_MARKINGS:
        access_log_write(event=AccessLog.Event.READ, request=request, item=item)


def audited(service):
    """Record the model changes a service makes under its `actor`, also where no request set
    one (Celery tasks, management commands). Inside a request by the same user, the request's
    address is kept. (auditlog's context variable outlives its context, so it cannot tell
    whether a request is still under way; comparing the actor can.)"""
    import functools

    from auditlog.context import auditlog_value, set_actor

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        actor = kwargs.get("actor")
        if actor is None:
            return service(*args, **kwargs)
        current = auditlog_value.get(None) or {}
        same_actor = getattr(current.get("actor"), "pk", None) == actor.pk
        with set_actor(actor, remote_addr=current.get("remote_addr") if same_actor else None):
            return service(*args, **kwargs)

    return wrapper
