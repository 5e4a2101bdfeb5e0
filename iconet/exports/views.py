"""Exports of lists: the buttons' target, the job's page, its progress and its file.

A job belongs to the user who asked for it: anyone else is answered 404, as for a job that
does not exist."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..files.pipeline import file_response
from ..models import ExportJob
from . import services
from . import sources as exports


@require_POST
def export_start(request):
    source = exports.export_source(request.POST.get("source", ""))
    fmt = request.POST.get("format", "")
    if source is None or fmt not in ExportJob.Format.values:
        raise Http404
    params = exports.export_params(request.POST.get("query", ""))
    try:
        kind, result, table = services.export_request(
            request=request, source=source, params=params, fmt=fmt
        )
    except services.ExportRefused as exc:
        messages.error(request, str(exc))
        return redirect(source.back_url(params))
    if kind == "job":
        return redirect("exports:detail", pk=result.pk)
    name = exports.file_name(source, fmt, table.made_at)
    response = file_response(result, name=name, content_type=exports.CONTENT_TYPES[fmt])
    response["X-Export-Rows"] = str(len(table.rows))
    return response


def _job(request, pk: int) -> ExportJob:
    return get_object_or_404(ExportJob, pk=pk, owner=request.user)


@require_GET
def export_detail(request, pk: int):
    job = _job(request, pk)
    if job.state == ExportJob.State.DONE and not services.job_still_readable(job):
        services.job_withdraw(job)
    if not job.is_active:
        services.job_ready_seen(job)
    source = exports.export_source(job.source)
    params = services.params_load(job.parameters)
    return render(
        request,
        "exports/job_detail.html",
        {
            "job": job,
            "source": source,
            "filters": exports.filters_text(params),
            "back_url": source.back_url(params) if source else None,
            "marking_label": exports.marking_label(job.marking),
            "status": status_text(job),
        },
    )


def status_text(job: ExportJob) -> str:
    if job.state == ExportJob.State.PENDING:
        return _("Waiting to start.")
    if job.state == ExportJob.State.RUNNING:
        if job.total is None:
            return _("Reading the list.")
        return _("%(done)s of %(total)s rows written (%(percent)s %%).") % {
            "done": job.progress,
            "total": job.total,
            "percent": job.percent,
        }
    if job.state == ExportJob.State.DONE:
        return _("Ready: %(total)s rows.") % {"total": job.total or 0}
    if job.state == ExportJob.State.FAILED:
        return _("The export failed. Start it again from the list.")
    if job.state == ExportJob.State.CANCELLED:
        return _("You cancelled this export; no file was kept.")
    if job.state == ExportJob.State.WITHDRAWN:
        return _(
            "The file held items you may no longer read, so it was removed. Export the list "
            "again for what you may read now."
        )
    return _("The file was removed after the retention period.")


@require_POST
def export_cancel(request, pk: int):
    job = _job(request, pk)
    if services.job_cancel(actor=request.user, job=job):
        messages.success(request, _("The export was cancelled."))
    else:
        messages.info(request, _("The export had already ended; nothing was cancelled."))
    back = request.POST.get("next", "")
    if back == reverse("exports:list"):  # the list of the user's exports, or the job's page
        return redirect(back)
    return redirect("exports:detail", pk=job.pk)


@require_GET
def export_status(request, pk: int):
    job = _job(request, pk)
    return JsonResponse(
        {
            "state": job.state,
            "active": job.is_active,
            "progress": job.progress,
            "total": job.total,
            "percent": job.percent,
            "text": status_text(job),
        }
    )


@require_GET
def export_download(request, pk: int):
    job = _job(request, pk)
    if job.state != ExportJob.State.DONE or not job.file:
        raise Http404
    if not services.job_still_readable(job):
        services.job_withdraw(job)
        messages.error(request, status_text(job))
        return redirect("exports:detail", pk=job.pk)
    services.job_download_log(request=request, job=job)
    source = exports.export_source(job.source)
    name = (
        exports.file_name(source, job.format, job.finished_at or job.created_at)
        if source
        else f"export-{job.pk}.{job.format}"
    )
    return file_response(job.file, name=name, content_type=exports.CONTENT_TYPES[job.format])


@require_GET
def export_list(request):
    """The user's own recent exports."""
    jobs = []
    for job in ExportJob.objects.filter(owner=request.user)[:50]:
        source = exports.export_source(job.source)
        jobs.append((job, source.label if source else job.source))
    return render(request, "exports/job_list.html", {"jobs": jobs})
