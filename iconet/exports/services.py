"""Producing exports: at once for a small list, through an `ExportJob` and the worker for a
large one. Every export produced, and every download of a job's file, is written to the access
log with who, which list, its filters, the format and the number of rows (never content).

A job is claimed by a conditional update under a lease that each progress step renews; a
worker that dies stops renewing it and `exports_sweep` (beat) hands the job over again, as it
does a job the broker never delivered. Finished files are removed after
``EXPORT_RETENTION_HOURS`` by `exports_purge`.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation

from ..audit.services import access_log_write
from ..models import AccessLog, ExportJob, Notification
from . import sources as exports

logger = logging.getLogger(__name__)


class ExportRefused(Exception):
    """The export cannot be made as asked; the message says why, for the user."""


class JobCancelled(Exception):
    """The job's owner cancelled it while the worker was producing it."""


def lease_time() -> timedelta:
    return timedelta(seconds=settings.EXPORT_LEASE_SECONDS)


def params_store(params: QueryDict) -> dict[str, list[str]]:
    return {name: params.getlist(name) for name in params}


def params_load(stored: dict[str, list[str]]) -> QueryDict:
    params = QueryDict(mutable=True)
    for name, values in (stored or {}).items():
        params.setlist(name, [str(v) for v in values])
    return params


def export_log(
    *,
    actor,
    source: str,
    fmt: str,
    count: int,
    params: QueryDict,
    request=None,
    what: str = "export",
) -> None:
    filters = exports.filters_text(params) or "none"
    access_log_write(
        event=AccessLog.Event.DOWNLOAD,
        request=request,
        actor=actor,
        detail=f"{what} of {source} as {fmt.upper()}, {count} rows; filters: {filters}",
    )


def export_produce(
    *, source: exports.ExportSource, user, params: QueryDict, fmt: str, rows=None, progress=None
) -> tuple[bytes, exports.ExportTable]:
    """The file of an export, its rows read now for `user`."""
    if rows is None:
        rows = source.rows(user, params)
    table = exports.table_build(
        source, user, params, rows, progress=progress, iso_dates=fmt == ExportJob.Format.CSV
    )
    return exports.WRITERS[fmt](table), table


def sync_limit(fmt: str) -> int:
    """Up to how many rows an export is made at once, in the request: fewer for a PDF, whose
    layout costs a web worker far more per row than a CSV line."""
    if fmt == ExportJob.Format.PDF:
        return min(settings.EXPORT_SYNC_LIMIT, settings.EXPORT_SYNC_LIMIT_PDF)
    return settings.EXPORT_SYNC_LIMIT


def export_request(*, request, source: exports.ExportSource, params: QueryDict, fmt: str):
    """Start an export for the signed-in user: ``("file", data, table)`` when it is small
    enough to make now, ``("job", job, None)`` when the worker will make it."""
    user = request.user
    rows = source.rows(user, params)
    count = exports.rows_count(rows)
    if fmt == ExportJob.Format.PDF and count > settings.EXPORT_PDF_MAX_ROWS:
        raise ExportRefused(
            translation.gettext(
                "A PDF holds at most %(max)s rows and this list has %(count)s: narrow the "
                "filters, or export it as CSV."
            )
            % {"max": settings.EXPORT_PDF_MAX_ROWS, "count": count}
        )
    if count <= sync_limit(fmt):
        data, table = export_produce(source=source, user=user, params=params, fmt=fmt, rows=rows)
        export_log(
            actor=user,
            request=request,
            source=source.name,
            fmt=fmt,
            count=len(table.rows),
            params=params,
        )
        return "file", data, table
    return (
        "job",
        export_job_create(user=user, source=source, params=params, fmt=fmt, total=count),
        None,
    )


def export_job_create(
    *, user, source: exports.ExportSource, params: QueryDict, fmt: str, total: int | None = None
) -> ExportJob:
    with transaction.atomic():
        # One user's requests are counted one at a time, so the bound holds under double clicks.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        active = ExportJob.objects.filter(owner=user, state__in=ExportJob.ACTIVE_STATES).count()
        if active >= settings.EXPORT_MAX_ACTIVE_PER_USER:
            raise ExportRefused(
                translation.gettext(
                    "You already have %(count)s exports in progress; wait until one is ready."
                )
                % {"count": active}
            )
        hour_ago = timezone.now() - timedelta(hours=1)
        recent = ExportJob.objects.filter(owner=user, created_at__gte=hour_ago)
        if recent.count() >= settings.EXPORT_MAX_PER_HOUR:
            oldest = recent.order_by("created_at").values_list("created_at", flat=True).first()
            wait = max(int(((oldest or hour_ago) - hour_ago).total_seconds() // 60) + 1, 1)
            raise ExportRefused(
                translation.ngettext(
                    "You have asked for %(count)s large exports in the last hour, the most "
                    "allowed; you can ask for another in %(minutes)s minute.",
                    "You have asked for %(count)s large exports in the last hour, the most "
                    "allowed; you can ask for another in %(minutes)s minutes.",
                    wait,
                )
                % {"count": settings.EXPORT_MAX_PER_HOUR, "minutes": wait}
            )
        job = ExportJob.objects.create(
            owner=user,
            source=source.name,
            parameters=params_store(params),
            format=fmt,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            total=total,
        )
        transaction.on_commit(lambda: job_hand_over(job.pk))
    return job


def job_hand_over(job_id: int) -> None:
    """Tell the worker; if the broker is down the job stays pending for the sweep."""
    from ..celery import app

    try:
        # By name: the task module calls these services, so they do not import it.
        app.send_task("iconet.export_tasks.export_run", args=(job_id,))
    except Exception:  # noqa: BLE001 - the sweep hands the job over again
        logger.warning("export %s not handed over; the sweep will", job_id, exc_info=True)


def job_claim(job_id: int) -> int | None:
    """Take a pending job under a lease; its attempt number, or None if it is not pending."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.PENDING).update(
        state=ExportJob.State.RUNNING,
        started_at=now,
        lease_until=now + lease_time(),
        attempts=F("attempts") + 1,
        progress=0,
    )
    if not claimed:
        return None
    return ExportJob.objects.values_list("attempts", flat=True).get(pk=job_id)


def job_produce(job_id: int) -> str:
    """Make the file of a job for its owner, with the rows they may see now."""
    attempt = job_claim(job_id)
    if attempt is None:
        return "skipped"
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    mine = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.RUNNING, attempts=attempt)
    if attempt > settings.EXPORT_MAX_ATTEMPTS:
        mine.update(state=ExportJob.State.FAILED, error="too many attempts", lease_until=None)
        return "failed"
    source = exports.export_source(job.source)
    owner = job.owner
    if source is None or not owner.is_active:
        mine.update(state=ExportJob.State.FAILED, error="list unavailable", lease_until=None)
        return "failed"
    params = params_load(job.parameters)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            rows = source.rows(owner, params)
            total = exports.rows_count(rows)
            if not mine.update(total=total):
                raise JobCancelled

            def progress(done: int) -> None:
                # Between chunks: a job that is no longer running (cancelled) stops here.
                if not mine.update(progress=done, lease_until=timezone.now() + lease_time()):
                    raise JobCancelled

            data, table = export_produce(
                source=source,
                user=owner,
                params=params,
                fmt=job.format,
                rows=rows,
                progress=progress,
            )
            name = exports.file_name(source, job.format, table.made_at)
    except JobCancelled:
        return "cancelled"
    except Exception as exc:  # noqa: BLE001 - recorded on the job, content-free
        logger.exception("export %s failed", job_id)
        mine.update(
            state=ExportJob.State.FAILED,
            error=type(exc).__name__[:255],
            lease_until=None,
            finished_at=timezone.now(),
        )
        return "failed"
    stored = ContentFile(data, name=name)
    job.file.save(name, stored, save=False)
    with transaction.atomic():  # finished, logged and told together, or not at all
        finished = mine.update(
            state=ExportJob.State.DONE,
            file=job.file.name,
            progress=len(table.rows),
            total=len(table.rows),
            marking=table.marking,
            items=table.items,
            lease_until=None,
            finished_at=timezone.now(),
            error="",
        )
        if finished:
            export_log(
                actor=owner,
                source=source.name,
                fmt=job.format,
                count=len(table.rows),
                params=params,
                what=f"export job {job.pk}",
            )
            job_ready_tell(job, source)
    if not finished:  # cancelled meanwhile, or the lease expired and another run took it over
        job.file.storage.delete(job.file.name)
        state = ExportJob.objects.values_list("state", flat=True).get(pk=job_id)
        return "cancelled" if state == ExportJob.State.CANCELLED else "superseded"
    return "done"


def job_ready_tell(job: ExportJob, source: exports.ExportSource) -> None:
    """The owner is told in the portal that the file is ready, in their language; no e-mail,
    since the file is only in the portal. The title names the list, never a row of it."""
    from ..outbox.services.notify import InLanguage, users_tell

    title = InLanguage(
        lambda: (
            translation.gettext("Your export of %(list)s (%(format)s) is ready.")
            % {"list": source.label, "format": job.get_format_display()}
        )
    )
    users_tell(
        item=None,
        users=[job.owner],
        title=title,
        url=reverse("exports:detail", args=[job.pk]),
        key=f"export:{job.pk}:ready",
        subject="",
        body="",
        email_to=lambda _user: False,
    )


def job_ready_seen(job: ExportJob) -> int:
    """The owner has seen the finished job's page: its "ready" notification is read."""
    return Notification.objects.filter(
        recipient_id=job.owner_id,
        url=reverse("exports:detail", args=[job.pk]),
        read_at__isnull=True,
    ).update(read_at=timezone.now())


def job_cancel(*, actor, job: ExportJob) -> bool:
    """Cancel the owner's job if it is still waiting or running; whether it was.

    The worker sees the state between two chunks of rows and stops without keeping a file;
    the sweep hands over only pending and running jobs, so a cancelled job stays cancelled.
    The change is in the audit trail (django-auditlog records the job's state)."""
    if job.owner_id != actor.pk:
        raise PermissionError("only the owner of an export may cancel it")
    with transaction.atomic():
        current = ExportJob.objects.select_for_update().get(pk=job.pk)
        if current.state not in ExportJob.ACTIVE_STATES:
            return False
        current.state = ExportJob.State.CANCELLED
        current.lease_until = None
        current.finished_at = timezone.now()
        current.save(update_fields=["state", "lease_until", "finished_at"])
    return True


# How many of a file's items one query of `job_still_readable` checks.
READABLE_CHECK_CHUNK = 5000


def job_still_readable(job: ExportJob) -> bool:
    """Whether the job's owner may still read every item its file holds (one query per type).

    Access changes after a file is made (a membership ends, an audience narrows, an item is
    withdrawn): the file is then never handed out, since it would show what its owner may no
    longer read."""
    from ..sharing.registry import shared_item_models

    if job.total and not job.items:
        return False  # a file whose items were not recorded cannot be checked
    models_by_slug = shared_item_models()
    for slug, pks in job.items.items():
        model = models_by_slug.get(slug)
        if model is None:
            return False
        wanted = sorted(set(pks))
        for start in range(0, len(wanted), READABLE_CHECK_CHUNK):
            chunk = wanted[start : start + READABLE_CHECK_CHUNK]
            readable = model.objects.visible_to(job.owner).filter(pk__in=chunk)
            if readable.values("pk").distinct().count() != len(chunk):
                return False
    return True


def job_withdraw(job: ExportJob) -> bool:
    """Remove the file of a finished job whose owner may no longer read all of it; whether it
    was removed now. The change of state is in the audit trail, like a cancellation."""
    with transaction.atomic():
        current = ExportJob.objects.select_for_update().get(pk=job.pk)
        if current.state != ExportJob.State.DONE:
            job.refresh_from_db()
            return False
        name, storage = current.file.name, current.file.storage
        current.state = ExportJob.State.WITHDRAWN
        current.file = ""
        # The record of what the file held stays: the items' footprint lists the copy.
        current.save(update_fields=["state", "file"])
    if name:
        storage.delete(name)
    job.refresh_from_db()
    return True


def job_download_log(*, request, job: ExportJob) -> None:
    export_log(
        actor=request.user,
        request=request,
        source=job.source,
        fmt=job.format,
        count=job.total or 0,
        params=params_load(job.parameters),
        what=f"download of export job {job.pk}",
    )


def jobs_sweep(limit: int = 200) -> int:
    """Hand over again the jobs the broker never delivered and those whose worker died."""
    now = timezone.now()
    ExportJob.objects.filter(state=ExportJob.State.RUNNING, lease_until__lt=now).update(
        state=ExportJob.State.PENDING, lease_until=None
    )
    grace = now - timedelta(seconds=settings.EXPORT_PENDING_GRACE_SECONDS)
    due = list(
        ExportJob.objects.filter(state=ExportJob.State.PENDING)
        .filter(Q(started_at__isnull=False) | Q(created_at__lt=grace))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for job_id in due:
        job_hand_over(job_id)
    return len(due)


def jobs_purge() -> int:
    """Remove the files of exports finished longer ago than the retention period."""
    limit = timezone.now() - timedelta(hours=settings.EXPORT_RETENTION_HOURS)
    removed = 0
    for job in ExportJob.objects.filter(
        state__in=(ExportJob.State.DONE, ExportJob.State.FAILED), finished_at__lt=limit
    ):
        if job.file:
            job.file.storage.delete(job.file.name)
        removed += ExportJob.objects.filter(pk=job.pk, state=job.state).update(
            state=ExportJob.State.EXPIRED, file=""
        )
    return removed
