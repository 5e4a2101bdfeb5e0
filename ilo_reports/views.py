"""Pages of the ILO area. Reports come only through `visible_to` (404 otherwise); actions
the report's policy does not allow answer 403."""

import csv
from typing import NamedTuple

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iconet.dashboard.charts import bar_chart
from iconet.exports.sources import export_offer, formula_safe
from iconet.files.pipeline import file_response
from iconet.models import Action, Area, Audience, Marking, State
from iconet.sharing.access import get_item_for_action, get_visible_or_404
from iconet.sharing.views.items import ItemDetailView, ItemListView
from iconet.sharing.views.sharing import publish_page
from iconet.sharing.views.steps import workflow_step

from . import services
from .forms import (
    CommentForm,
    ContributionForm,
    FollowUpTaskForm,
    MeetingForm,
    OpenReportForm,
    PostingForm,
    QuestionFormSet,
    ReportForm,
    ReturnForm,
    TemplateSectionForm,
)
from .models import (
    EDITABLE_STATUSES,
    FollowUpTask,
    IloAction,
    IloReport,
    Network,
    Posting,
    ReportStatus,
    SectionState,
    Semester,
    TemplateSection,
    TemplateVersion,
    answer_as_text,
    is_reviewer,
)
from .selectors import (
    current_postings,
    late_semester,
    networks_visible_to,
    networks_without_submission,
    postings_manageable_by,
    reports_visible_to,
    semester_synthesis,
    statistics_comparison,
    synthesis_marking,
)


def _report(request, pk, action: Action = Action.READ) -> IloReport:
    return get_item_for_action(reports_visible_to(request.user), request.user, pk, action)


def _require_area(request) -> None:
    if not request.user.has_area(Area.ILO):
        raise PermissionDenied


# --- reports ----------------------------------------------------------------------------


class ReportListView(ItemListView):
    model = IloReport
    template_name = "ilo_reports/report_list.html"
    export_fields = ("network", "semester", "status")

    def dispatch(self, request, *args, **kwargs):
        _require_area(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("network", "owner")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["networks"] = networks_visible_to(self.request.user)[:50]
        context["may_open"] = services.may_open_any_report(self.request.user)
        return context


class ReportDetailView(ItemDetailView):
    model = IloReport
    template_name = "ilo_reports/report_detail.html"

    def get_queryset(self):
        return reports_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, user = self.object, self.request.user
        context["workflow"] = {
            action.name.lower(): report.allows(user, action)
            for action in (
                Action.CHANGE,
                IloAction.SUBMIT,
                IloAction.CONTRIBUTE,
                IloAction.REVIEW,
                IloAction.RETURN_FOR_CORRECTION,
                IloAction.REVISE,
            )
        }
        # The workflow's publish page is for the reviewed draft (the core's re-shares).
        context["workflow"]["publish"] = report.status == ReportStatus.REVIEWED and report.allows(
            user, Action.PUBLISH
        )
        context["workflow_notes"] = workflow_notes(report, context["workflow"])
        if context["workflow"]["change"]:
            context["empty_count"] = len(report.empty_sections())
        context["sections"] = report.answered_sections()
        context["contributions"] = report.contributions.select_related(
            "section", "author", "organisation"
        )
        context["events"] = report.events.select_related("actor")
        revisions = reports_visible_to(user).filter(
            network=report.network_id, semester=report.semester
        )
        context["revisions"] = revisions.exclude(pk=report.pk).order_by("revision")
        context["review_form"] = CommentForm()
        return context


def workflow_notes(report: IloReport, workflow: dict) -> list[str]:
    """Who takes the report's next step, for a user whose buttons (`workflow`, from the
    report's policy) do not include it."""
    notes = []
    editable = report.state == State.DRAFT and report.status in EDITABLE_STATUSES
    if editable and not workflow["change"]:
        notes.append(
            _("The chairing service, %(org)s, edits the report and submits it for review.")
            % {"org": report.owner}
        )
        if workflow["contribute"]:
            notes.append(_("You can send it a contribution to a section."))
    if editable and workflow["submit"]:
        notes.append(_("The Commission reviews and publishes the report once it is submitted."))
    reviewing = report.status in (ReportStatus.SUBMITTED, ReportStatus.REVIEWED)
    if reviewing and not (workflow["review"] or workflow["return_for_correction"]):
        notes.append(
            _(
                "The Commission reviews and publishes the report; if it returns the report "
                "for correction, the chairing service corrects it."
            )
        )
    return notes


@require_http_methods(["GET", "POST"])
def report_open(request):
    _require_area(request)
    form = OpenReportForm(
        request.POST if request.method == "POST" else None,
        networks=networks_visible_to(request.user),
        # From the home page's "to open" list: the network and semester already chosen.
        initial={key: request.GET[key] for key in ("network", "semester") if key in request.GET},
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_open(
                actor=request.user,
                network=form.cleaned_data["network"],
                semester=form.cleaned_data["semester"],
                marking=form.cleaned_data["marking"],
            )
        except PermissionDenied:
            form.add_error(
                "network",
                _("Only the service chairing this network in that semester opens its report."),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Report %(ref)s opened.") % {"ref": report.reference})
            return redirect("ilo_reports:edit", pk=report.pk)
    return render(
        request,
        "ilo_reports/report_open.html",
        {"form": form, "may_open": services.may_open_any_report(request.user)},
    )


@require_GET
def report_edit(request, pk):
    """The contents of the draft: every section with how far it is answered, and its page."""
    report = _report(request, pk, Action.CHANGE)
    progress = report.progress()
    return render(
        request,
        "ilo_reports/report_contents.html",
        {
            "item": report,
            "progress": progress,
            "empty_count": sum(1 for p in progress if p.state == SectionState.EMPTY),
            "may_submit": report.allows(request.user, IloAction.SUBMIT),
            "missing": report.missing(),
        },
    )


class AnswersEdit(NamedTuple):
    """What the editor of a section or a part did with the request: the report as it now
    stands, the form to show, the answers another save changed meanwhile, and whether the
    answers were saved (the view then says so and moves on)."""

    report: IloReport
    form: ReportForm
    conflicts: list[dict]
    saved: bool


def answers_edit(request, report: IloReport, sections: list, **scope) -> AnswersEdit:
    """The editor of some `sections` of the draft (`scope` is the form's: `section=` or
    `part=`), saved at once under the report's optimistic lock. A form refused, or overtaken
    by another save, keeps what the user typed; after another save it is compared with
    theirs and saving again is a deliberate choice."""
    if request.method != "POST":
        return AnswersEdit(report, ReportForm(report=report, **scope), [], saved=False)
    form = ReportForm(request.POST, report=report, **scope)
    if not form.is_valid():
        return AnswersEdit(report, form, [], saved=False)
    try:
        services.report_save(
            actor=request.user,
            report=report,
            answers=form.answers(),
            lock_version=form.cleaned_data["lock_version"],
            questions=form.question_keys(),
        )
    except services.Conflict as conflict:
        report = conflict.current
        data = request.POST.copy()
        # What the user typed stays in the form; saving again is then a deliberate choice.
        data["lock_version"] = report.lock_version
        form = ReportForm(data, report=report, **scope)
        form.is_valid()
        conflicts = [
            answer
            for section in sections
            for answer in conflicting_answers(report, form.answers(), section)
        ]
        messages.warning(
            request,
            _(
                "Someone else saved this report while you were editing it. "
                "Your text has not been saved: "
                "compare it with theirs below, then save again."
            ),
        )
        return AnswersEdit(report, form, conflicts, saved=False)
    return AnswersEdit(report, form, [], saved=True)


@require_http_methods(["GET", "POST"])
def report_section_edit(request, pk, section_pk):
    """One section of the draft, saved on its own under the report's optimistic lock."""
    report = _report(request, pk, Action.CHANGE)
    sections = report.template.sections_with_questions()
    position = next((i for i, s in enumerate(sections) if s.pk == section_pk), None)
    if position is None:
        raise Http404
    section = sections[position]
    following = sections[position + 1] if position + 1 < len(sections) else None
    report, form, conflicts, saved = answers_edit(request, report, [section], section=section)
    if saved:
        messages.success(
            request, _("Section “%(heading)s” saved.") % {"heading": section.shown_heading}
        )
        if request.POST.get("then") == "next":
            if following is None:
                return redirect("ilo_reports:edit", pk=report.pk)
            return redirect("ilo_reports:section", pk=report.pk, section_pk=following.pk)
        return redirect("ilo_reports:section", pk=report.pk, section_pk=section.pk)
    return render(
        request,
        "ilo_reports/report_section.html",
        {
            "item": report,
            "form": form,
            "section": section,
            "number": position + 1,
            "count": len(sections),
            "previous_section": sections[position - 1] if position else None,
            "next_section": following,
            "conflicts": conflicts,
            "entries": next(iter(form.bound_layout()))[1],
            "contributions": report.contributions.filter(
                section=section, incorporated_at__isnull=True
            ).select_related("organisation"),
        },
    )


PARTS = [part.value for part in TemplateSection.Part]


@require_http_methods(["GET", "POST"])
def report_part_edit(request, pk, part):
    """One part of the draft with all its sections, saved at once under the report's
    optimistic lock, beside the contents list with the state of every section."""
    report = _report(request, pk, Action.CHANGE)
    if part not in PARTS:
        raise Http404
    sections = [s for s in report.template.sections_with_questions() if s.part == part]
    if not sections:
        raise Http404
    report, form, conflicts, saved = answers_edit(request, report, sections, part=part)
    if saved:
        messages.success(request, _("%(part)s saved.") % {"part": TemplateSection.Part(part).label})
        return redirect("ilo_reports:part", pk=report.pk, part=part)
    position = PARTS.index(part)
    present = {s.part for s in report.template.sections_with_questions()}
    return render(
        request,
        "ilo_reports/report_part.html",
        {
            "item": report,
            "form": form,
            "part": TemplateSection.Part(part),
            "layout": list(form.bound_layout()),
            "progress": report.progress(),
            "missing": report.missing(),
            "conflicts": conflicts,
            "previous_part": next((p for p in reversed(PARTS[:position]) if p in present), None),
            "next_part": next((p for p in PARTS[position + 1 :] if p in present), None),
            "may_submit": report.allows(request.user, IloAction.SUBMIT),
        },
    )


def conflicting_answers(report: IloReport, mine: dict, section) -> list[dict]:
    """The answers of the section that differ between the saved report and the form."""
    conflicts = []
    for question in section.questions.all():
        key = str(question.pk)
        theirs, yours = report.answers.get(key), mine.get(key)
        if theirs != yours:
            conflicts.append(
                {
                    "question": question,
                    "section": section,
                    "theirs": answer_as_text(question, theirs),
                    "yours": answer_as_text(question, yours),
                }
            )
    return conflicts


@require_http_methods(["GET", "POST"])
def contribution_add(request, pk):
    report = _report(request, pk, IloAction.CONTRIBUTE)
    form = ContributionForm(request.POST if request.method == "POST" else None, report=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.contribution_add(
                actor=request.user,
                report=report,
                section=form.cleaned_data["section"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Contribution sent to the chair."))
            return redirect(report.get_absolute_url())
    return render(request, "ilo_reports/contribution_form.html", {"item": report, "form": form})


@require_POST
def contribution_incorporate(request, pk, contribution_pk):
    report = _report(request, pk, Action.CHANGE)
    contribution = get_object_or_404(report.contributions.all(), pk=contribution_pk)
    return workflow_step(
        request,
        lambda: services.contribution_incorporate(actor=request.user, contribution=contribution),
        _("Contribution added to the section."),
        report.get_absolute_url(),
    )


def _workflow_step(request, pk, action, step, success, **kwargs):
    report = _report(request, pk, action)
    return workflow_step(
        request,
        lambda: step(actor=request.user, report=report, **kwargs),
        success,
        report.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
def report_submit(request, pk):
    """Submit a complete report; for one with empty sections, first the completeness check,
    which lists them and asks to confirm."""
    report = _report(request, pk, IloAction.SUBMIT)
    empty = report.empty_sections()
    missing = report.missing()
    if request.method == "POST":
        if missing:
            # The required answers are not a choice: nothing confirms them away.
            messages.error(
                request,
                _("The report cannot be submitted yet: %(count)s required answers are missing.")
                % {"count": len(missing)},
            )
            return redirect("ilo_reports:submit", pk=report.pk)
        confirmed = set(request.POST.getlist("confirm_empty"))
        # Confirmed for the very sections empty now: one emptied since asks again.
        if {str(section.pk) for section in empty} <= confirmed:
            return workflow_step(
                request,
                lambda: services.report_submit(actor=request.user, report=report),
                _("Report submitted for review."),
                report.get_absolute_url(),
            )
        return redirect("ilo_reports:submit", pk=report.pk)
    return render(
        request,
        "ilo_reports/report_submit.html",
        {
            "item": report,
            "empty_sections": empty,
            "count": len(report.progress()),
            "missing": missing,
        },
    )


@require_POST
def report_review(request, pk):
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    return _workflow_step(
        request,
        pk,
        IloAction.REVIEW,
        services.report_review,
        _("Report marked as reviewed."),
        comment=comment,
    )


@require_http_methods(["GET", "POST"])
def report_return(request, pk):
    report = _report(request, pk, IloAction.RETURN_FOR_CORRECTION)
    form = ReturnForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_return(
                actor=request.user, report=report, comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Report returned to the chair for correction."))
            return redirect(report.get_absolute_url())
    return render(request, "ilo_reports/report_return.html", {"item": report, "form": form})


@require_http_methods(["GET", "POST"])
def report_publish(request, pk):
    report = _report(request, pk, Action.PUBLISH)
    if report.status != ReportStatus.REVIEWED:
        raise PermissionDenied  # published: the core's publish page changes its audience
    return publish_page(
        request,
        report,
        template="ilo_reports/report_publish.html",
        initial={"audience": Audience.NETWORK, "marking": report.marking},
        publish=lambda **choice: services.report_publish(
            actor=request.user, report=report, **choice
        ),
    )


@require_POST
def report_revise(request, pk):
    report = _report(request, pk, IloAction.REVISE)
    revision = services.report_revise(actor=request.user, report=report)
    messages.success(
        request, _("Correction %(ref)s opened as a new revision.") % {"ref": revision.reference}
    )
    return redirect("ilo_reports:edit", pk=revision.pk)


def report_changes(request, pk):
    report = _report(request, pk)
    if report.previous_id is None:
        raise Http404
    previous = get_visible_or_404(
        reports_visible_to(request.user), request.user, pk=report.previous_id
    )
    return render(
        request,
        "ilo_reports/report_changes.html",
        {
            "item": report,
            "previous": previous,
            "changes": services.answers_diff(previous, report),
        },
    )


# --- networks ---------------------------------------------------------------------------


def network_list(request):
    _require_area(request)
    networks = networks_visible_to(request.user).prefetch_related("chairs__organisation")
    return render(
        request,
        "ilo_reports/network_list.html",
        {"networks": networks, "semester": Semester.reporting()},
    )


def _network(request, pk) -> Network:
    return get_object_or_404(networks_visible_to(request.user), pk=pk)


def network_detail(request, pk):
    network = _network(request, pk)
    return render(
        request,
        "ilo_reports/network_detail.html",
        {
            "network": network,
            "postings": current_postings(network),
            "chairs": network.chairs.select_related("organisation", "officer"),
            "meetings": network.meetings.all()[:20],
            "reports": reports_visible_to(request.user).filter(network=network),
            "may_add_meeting": network.allows(request.user, IloAction.RECORD_MEETING),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_add(request, pk):
    network = _network(request, pk)
    if not network.allows(request.user, IloAction.RECORD_MEETING):
        raise PermissionDenied
    form = MeetingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.meeting_record(
            actor=request.user, network=network, meeting=form.save(commit=False)
        )
        messages.success(request, _("Meeting recorded."))
        return redirect(network.get_absolute_url())
    return render(request, "ilo_reports/meeting_form.html", {"network": network, "form": form})


def network_compare(request, pk):
    network = _network(request, pk)
    comparison = statistics_comparison(request.user, network)
    charts = [
        {"row": row, "chart": bar_chart(row, comparison["semesters"])} for row in comparison["rows"]
    ]
    return render(
        request,
        "ilo_reports/network_compare.html",
        {"network": network, **comparison, "charts": charts},
    )


def networks_missing(request):
    """For the Commission: networks that have not yet submitted the report of a semester."""
    if not (request.user.is_commission_admin and request.user.has_area(Area.ILO)):
        raise PermissionDenied
    try:
        semester = (
            Semester.parse(request.GET["semester"])
            if request.GET.get("semester")
            else Semester.reporting()
        )
    except ValueError as exc:
        raise BadRequest(_("Not a semester: write it as 2026-S1.")) from exc
    networks = networks_without_submission(request.user, semester)
    return render(
        request,
        "ilo_reports/networks_missing.html",
        {
            "semester": semester,
            "networks": networks,
            "previous": semester.previous(),
            "next": semester.next(),
        },
    )


# --- the semester's synthesis across networks ------------------------------------------


def _semester_asked(request) -> Semester:
    try:
        if request.GET.get("semester"):
            return Semester.parse(request.GET["semester"])
    except ValueError as exc:
        raise BadRequest(_("Not a semester: write it as 2026-S1.")) from exc
    return late_semester()


def _synthesis(request) -> dict:
    _require_area(request)
    semester = _semester_asked(request)
    synthesis = semester_synthesis(request.user, semester)
    synthesis["marking"] = synthesis_marking(synthesis["reports"])
    return synthesis


@require_GET
def synthesis(request):
    """The semester across the networks whose reports the user may read."""
    context = _synthesis(request)
    semester = context["semester"]
    for row in context["rows"]:
        row["chart"] = bar_chart(
            {"label": row["label"], "cells": [row["previous"], row["total"]]},
            [str(semester.previous()), str(semester)],
        )
    marking = context["marking"]
    may_track = is_reviewer(request.user)
    for action in context["actions"]:
        if may_track and action["task"] is None:
            action["form"] = FollowUpTaskForm(
                owners=services.reviewers(),
                initial={
                    "report": action["report"].pk,
                    "row_key": action["row_key"],
                    "owner": request.user.pk,
                    "deadline": action["deadline"] or semester.next().deadline,
                },
                prefix=f"task-{action['report'].pk}-{action['row_key']}",
            )
    return render(
        request,
        "ilo_reports/synthesis.html",
        {
            **context,
            "marking_item": {"marking": marking, "get_marking_display": Marking(marking).label},
            "previous": semester.previous(),
            "next": semester.next(),
            "may_track": may_track,
            "export": export_offer(request, "ilo_reports:synthesis")
            if context["reports"]
            else None,
        },
    )


class SafeCsvWriter:
    """A CSV writer whose text cells a spreadsheet shows as text, never runs as formulas."""

    def __init__(self, stream):
        self.writer = csv.writer(stream)

    def writerow(self, row) -> None:
        self.writer.writerow([formula_safe(str(cell)) for cell in row])


@require_GET
def synthesis_csv(request):
    """The synthesis's statistics and the networks without a report, as CSV to annex."""
    context = _synthesis(request)
    semester = context["semester"]
    response = file_response(
        b"", name=f"ilo-synthesis-{semester}.csv", content_type="text/csv; charset=utf-8"
    )
    writer = SafeCsvWriter(response)
    writer.writerow(
        [
            f"TLP:{context['marking']}",
            _("ILO network reports, synthesis of %(semester)s") % {"semester": semester},
        ]
    )
    writer.writerow(
        [
            _("Indicator"),
            str(semester),
            str(semester.previous()),
            _("Trend"),
            _("Top nationalities"),
            _("Reports"),
        ]
    )
    for row in context["rows"]:
        writer.writerow(
            [
                row["label"],
                "" if row["total"] is None else row["total"],
                "" if row["previous"] is None else row["previous"],
                row["trend_label"],
                ", ".join(f"{top['code']} ({len(top['reports'])})" for top in row["top"]),
                " ".join(source["report"].reference for source in row["sources"]),
            ]
        )
    writer.writerow([])
    writer.writerow([_("Networks without a report you may read")])
    for network in context["networks_without_report"]:
        writer.writerow([network.name, network.host_country.code])
    return response


@require_GET
def synthesis_pdf(request):
    """The synthesis's statistics and the networks without a report, as PDF to annex."""
    from django.template.loader import render_to_string
    from django.utils import timezone
    from weasyprint import HTML

    from iconet.dates import moment_shown
    from iconet.exports.sources import static_only_fetcher

    context = _synthesis(request)
    html = render_to_string(
        "ilo_reports/synthesis_pdf.html",
        {
            **context,
            "made_by": str(request.user),
            "made_at": moment_shown(timezone.now()),
        },
        request=request,
    )
    pdf = HTML(
        string=html, base_url=request.build_absolute_uri("/"), url_fetcher=static_only_fetcher()
    ).write_pdf()
    semester = context["semester"]
    return file_response(pdf, name=f"ilo-synthesis-{semester}.pdf", content_type="application/pdf")


@require_POST
def follow_up_task_add(request):
    _require_area(request)
    semester = _semester_asked(request)
    form = FollowUpTaskForm(
        request.POST, owners=services.reviewers(), prefix=request.POST.get("prefix", "")
    )
    if not form.is_valid():
        messages.error(request, _("Choose the task's owner and its deadline."))
    else:
        report = get_visible_or_404(
            reports_visible_to(request.user), request.user, pk=form.cleaned_data["report"]
        )
        try:
            services.follow_up_task_create(
                actor=request.user,
                report=report,
                row_key=form.cleaned_data["row_key"],
                owner=form.cleaned_data["owner"],
                deadline=form.cleaned_data["deadline"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Follow-up action tracked as a task."))
    return redirect(f"{reverse('ilo_reports:synthesis')}?semester={semester}")


@require_POST
def follow_up_task_close(request, task_pk):
    _require_area(request)
    task = get_object_or_404(FollowUpTask.objects.visible_to(request.user), pk=task_pk)
    try:
        services.follow_up_task_close(actor=request.user, task=task)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Task closed."))
    return redirect(f"{reverse('ilo_reports:synthesis')}?semester={task.report.semester}")


# --- postings ---------------------------------------------------------------------------


def posting_list(request):
    if not Posting.are_managed_by(request.user):
        raise PermissionDenied
    postings = postings_manageable_by(request.user).select_related(
        "officer", "deploying_organisation__country"
    )
    page = Paginator(postings, 50).get_page(request.GET.get("page"))
    return render(
        request, "ilo_reports/posting_list.html", {"page_obj": page, "postings": page.object_list}
    )


@require_http_methods(["GET", "POST"])
def posting_edit(request, pk=None):
    if not Posting.are_managed_by(request.user):
        raise PermissionDenied
    posting = get_object_or_404(postings_manageable_by(request.user), pk=pk) if pk else None
    form = PostingForm(
        request.POST if request.method == "POST" else None, instance=posting, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            # A posting makes its officer a member of networks: a second administrator
            # approves it before it is recorded.
            services.posting_request(
                actor=request.user, posting=posting, form=form, data=request.POST
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "The posting is requested. It is recorded once a second administrator "
                    "approves it; the people concerned are told."
                ),
            )
            return redirect("ilo_reports:postings")
    return render(request, "ilo_reports/posting_form.html", {"form": form, "posting": posting})


# --- the report template ----------------------------------------------------------------


def _require_template_manager(request) -> None:
    if not services.templates_are_managed_by(request.user):
        raise PermissionDenied


@require_GET
def template_list(request):
    """For the Commission: the versions of the report template, to copy one into a new draft
    and to choose the version used for new reports."""
    _require_template_manager(request)
    versions = TemplateVersion.objects.annotate(
        report_count=Count("reports", distinct=True),
        section_count=Count("sections", distinct=True),
    ).order_by("-number")
    return render(request, "ilo_reports/template_list.html", {"versions": versions})


@require_POST
def template_copy(request, pk):
    _require_template_manager(request)
    version = get_object_or_404(TemplateVersion, pk=pk)
    copy = services.template_version_copy(actor=request.user, version=version)
    messages.success(
        request,
        _("Version %(number)s copied into version %(copy)s, a draft not yet used for reports.")
        % {"number": version.number, "copy": copy.number},
    )
    return redirect("ilo_reports:templates")


@require_POST
def template_activate(request, pk):
    _require_template_manager(request)
    version = get_object_or_404(TemplateVersion, pk=pk)
    try:
        services.template_version_activate(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Version %(number)s is used for the reports opened from now on.")
            % {"number": version.number},
        )
    return redirect("ilo_reports:templates")


# --- editing a draft template version ---------------------------------------------------


def _template_version(request, pk) -> TemplateVersion:
    _require_template_manager(request)
    return get_object_or_404(TemplateVersion, pk=pk)


def _version_page(request, version: TemplateVersion, add_form=None):
    refusal = version.edit_refusal()
    sections = version.sections_with_questions()
    entries = []
    for position, section in enumerate(sections):
        before = sections[position - 1] if position else None
        after = sections[position + 1] if position + 1 < len(sections) else None
        entries.append(
            {
                "section": section,
                "number": position + 1,
                "starts_part": before is None or before.part != section.part,
                "may_move_up": before is not None and before.part == section.part,
                "may_move_down": after is not None and after.part == section.part,
            }
        )
    if add_form is None and not refusal:
        add_form = TemplateSectionForm(prefix="new")
    return render(
        request,
        "ilo_reports/template_version.html",
        {"version": version, "refusal": refusal, "entries": entries, "add_form": add_form},
    )


@require_GET
def template_version(request, pk):
    """A version's sections and questions: to change for a draft, to read for one in use."""
    return _version_page(request, _template_version(request, pk))


@require_POST
def template_section_add(request, pk):
    version = _template_version(request, pk)
    version.edit_require()  # before the form is read; the services refuse it too
    form = TemplateSectionForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            section = services.template_section_add(
                actor=request.user, version=version, section=form.save(commit=False)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Section “%(heading)s” added.") % {"heading": section.heading}
            )
            return redirect("ilo_reports:template_section", pk=version.pk, section_pk=section.pk)
    return _version_page(request, version, add_form=form)


@require_http_methods(["GET", "POST"])
def template_section(request, pk, section_pk):
    """A section of a draft version with its questions, changed together and saved at once."""
    version = _template_version(request, pk)
    section = get_object_or_404(version.sections.all(), pk=section_pk)
    refusal = version.edit_refusal()
    if refusal and request.method == "GET":
        messages.info(request, refusal)
        return redirect("ilo_reports:template_version", pk=version.pk)
    data = request.POST if request.method == "POST" else None
    if data is not None:
        version.edit_require()  # before the form is read; the services refuse it too
    form = TemplateSectionForm(data, instance=section, prefix="section")
    formset = QuestionFormSet(data, instance=section, version=version, prefix="questions")
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            services.template_section_save(
                actor=request.user,
                section=form.instance,
                questions=[each.instance for each in formset.ordered_forms],
                removed=[each.instance for each in formset.deleted_forms if each.instance.pk],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request, _("Section “%(heading)s” saved.") % {"heading": form.instance.heading}
            )
            return redirect("ilo_reports:template_section", pk=version.pk, section_pk=section.pk)
    sections = list(version.sections.values_list("pk", flat=True))
    return render(
        request,
        "ilo_reports/template_section.html",
        {
            "version": version,
            "section": section,
            "number": sections.index(section.pk) + 1,
            "form": form,
            "formset": formset,
        },
    )


@require_POST
def template_section_move(request, pk, section_pk):
    version = _template_version(request, pk)
    section = get_object_or_404(version.sections.all(), pk=section_pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise BadRequest(_("Say whether the section moves up or down."))
    try:
        services.template_section_move(actor=request.user, section=section, up=direction == "up")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Section “%(heading)s” moved.") % {"heading": section.heading})
    return redirect("ilo_reports:template_version", pk=version.pk)


@require_POST
def template_section_remove(request, pk, section_pk):
    version = _template_version(request, pk)
    section = get_object_or_404(version.sections.all(), pk=section_pk)
    try:
        services.template_section_remove(actor=request.user, section=section)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Section “%(heading)s” and its questions removed.") % {"heading": section.heading},
        )
    return redirect("ilo_reports:template_version", pk=version.pk)
