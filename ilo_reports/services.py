"""Writes of the ILO area: postings, network membership, and each step of a report's workflow."""

import datetime
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from iconet.audit.services import audited
from iconet.limits import one_line_text
from iconet.models import Action, Area, Role, User
from iconet.outbox.services.notify import Message, message_in_language, site_url, users_notify
from iconet.sharing.access import require
from iconet.sharing.services import grants_sync, item_create, item_publish, transition_apply

from .models import (
    Contribution,
    FollowUpReminder,
    FollowUpTask,
    IloAction,
    IloReport,
    Network,
    NetworkChair,
    Posting,
    ReminderSent,
    ReportStatus,
    Semester,
    TemplateQuestion,
    TemplateSection,
    TemplateVersion,
    WorkflowEvent,
    answer_as_text,
    answers_validate,
    is_reviewer,
    reviewer_access_groups,
)
from .selectors import SUBMITTED_STATUSES

# --- postings and networks --------------------------------------------------------------

POSTING_APPLIER = "ilo_reports.posting"


def posting_request(*, actor: User, posting: Posting | None, form, data):
    """Ask for a posting to be recorded or changed (a change of network membership); the
    approval records it through `posting_save` under the requester's name."""
    from iconet.directory.services.access_changes import access_change_request

    officer = form.cleaned_data["officer"]
    values = {key: data.getlist(key) for key in data if key != "csrfmiddlewaretoken"}
    return access_change_request(
        actor=actor,
        kind="network_member",
        organisation=officer.organisation or form.cleaned_data["deploying_organisation"],
        user=officer,
        reason=_("Posting of %(officer)s in %(country)s")
        % {"officer": officer, "country": form.cleaned_data["host_country"]},
        payload={
            "applier": POSTING_APPLIER,
            "posting": posting.pk if posting else None,
            "form": values,
        },
    )


def posting_request_apply(request) -> None:
    """Record the posting of an approved request, as its form is checked again now."""
    from django.utils.datastructures import MultiValueDict

    from .forms import PostingForm

    pk = request.payload.get("posting")
    posting = Posting.objects.filter(pk=pk).first() if pk else None
    if pk and posting is None:
        raise ValidationError(_("This posting no longer exists."))
    form = PostingForm(
        MultiValueDict(request.payload["form"]), instance=posting, user=request.requested_by
    )
    if not form.is_valid():
        raise ValidationError(
            [message for messages in form.errors.values() for message in messages]
        )
    posting_save(
        actor=request.requested_by,
        posting=form.save(commit=False),
        also_represents=form.cleaned_data["also_represents"],
    )


def networks_for_countries(codes) -> list[Network]:
    codes = [str(code) for code in codes]
    condition = Q(host_country__in=codes)
    for code in codes:
        condition |= Q(other_countries__contains=code)
    return list(Network.objects.filter(condition))


def network_members_sync(network: Network) -> None:
    """Members are the officers whose current posting is in the network's countries."""
    today = timezone.localdate()
    codes = network.countries
    condition = Q(host_country__in=codes)
    for code in codes:
        condition |= Q(accredited_countries__contains=code)
    officer_ids = set(
        Posting.objects.filter(condition, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values_list("officer_id", flat=True)
    )
    group = network.access_group
    current = set(group.members.values_list("pk", flat=True))
    if officer_ids != current:
        group.members.set(officer_ids)


@audited
@transaction.atomic
def posting_save(*, actor: User, posting: Posting, also_represents=None) -> Posting:
    """Record or change a posting; the networks of the countries it touches follow."""
    if not posting.allows(actor, Action.CHANGE):
        raise PermissionDenied
    if posting.officer_id == actor.pk:
        # A posting makes its officer a member of the networks of its countries: separation
        # of duties keeps an administrator from joining a network (and reading its drafts).
        raise ValidationError(
            _("You cannot record your own posting: another administrator must do it.")
        )
    old_codes = []
    if posting.pk:
        old = Posting.objects.get(pk=posting.pk)
        old_codes = [old.host_country.code] + [c.code for c in old.accredited_countries]
    posting.full_clean()
    posting.save()
    if also_represents is not None:
        posting.also_represents.set(also_represents)
    codes = (
        set(old_codes)
        | {posting.host_country.code}
        | {c.code for c in posting.accredited_countries}
    )
    for network in networks_for_countries(codes):
        network_members_sync(network)
    return posting


@audited
@transaction.atomic
def meeting_record(*, actor: User, network: Network, meeting) -> object:
    """Record a meeting of the network (its members or the Commission)."""
    if not network.allows(actor, IloAction.RECORD_MEETING):
        raise PermissionDenied
    meeting.network = network
    meeting.full_clean()
    meeting.save()
    return meeting


# --- notifications ----------------------------------------------------------------------


def network_members(report: IloReport):
    return report.network.access_group.members.filter(is_active=True)


def reviewers():
    """Commission administrators with the ILO area, and members of the reviewers' access groups."""
    groups = reviewer_access_groups()
    return (
        User.objects.filter(is_active=True, areas__contains=[Area.ILO])
        .filter(
            Q(role=Role.COMMISSION_ADMIN)
            | Q(access_groups__in=groups)
            | Q(organisation__access_groups__in=groups)
        )
        .distinct()
    )


def drafters(report: IloReport):
    chair = report.network.chair_for(report.semester)
    ids = {report.author_id} | ({chair.officer_id} if chair and chair.officer_id else set())
    return User.objects.filter(pk__in=ids, is_active=True)


def report_named(report: IloReport) -> dict:
    """What a notification's title names the report by: its network and semester."""
    return {"network": report.network, "semester": report.semester}


@audited
def report_notify(
    *, report: IloReport, users, event: str, title: Callable[[], str], actor: User | None = None
) -> int:
    """Tell those concerned who can see the report (not the actor), each in their language:
    `title()` names the report; the e-mail never carries its content."""
    others = {user.pk: user for user in users if user != actor}
    url = report.get_absolute_url()
    return users_notify(
        item=report,
        users=others.values(),
        url=url,
        key=f"ilo:{report.pk}:{event}",
        **message_in_language(
            title,
            subject=lambda text: one_line_text(
                f"[{report.get_marking_display()}] {report.reference}: {text}"
            ),
            template="ilo_reports/email_workflow.txt",
            context={"report": report, "url": site_url(url)},
        ),
    )


def _event(report: IloReport, actor: User, status: str, comment: str = "") -> WorkflowEvent:
    return WorkflowEvent.objects.create(report=report, status=status, actor=actor, comment=comment)


def _locked(report: IloReport) -> IloReport:
    return (
        IloReport.objects.select_for_update()
        .select_related("network__access_group")
        .get(pk=report.pk)
    )


# --- opening and writing a report -------------------------------------------------------


def may_open_report(user, network: Network, semester: Semester) -> bool:
    """The chair's service opens the report: its ILO in the network, or its ILO contact point."""
    chair = network.chair_for(semester)
    if (
        chair is None
        or not user.has_area(Area.ILO)
        or user.organisation_id != chair.organisation_id
    ):
        return False
    return network.has_member(user) or user.is_ncp(Area.ILO) or user.pk == chair.officer_id


def may_open_any_report(user) -> bool:
    """Whether the user may open some report not yet opened: the "Open a report" entry."""
    if not user.has_area(Area.ILO) or not user.organisation_id:
        return False
    opened = IloReport.objects.filter(network=OuterRef("network"), semester=OuterRef("semester"))
    chairs = (
        NetworkChair.objects.filter(
            organisation_id=user.organisation_id,
            network__in=Network.objects.visible_to(user).filter(is_active=True),
        )
        .exclude(Exists(opened))
        .select_related("network")
    )
    return any(
        may_open_report(user, chair.network, Semester.parse(chair.semester)) for chair in chairs
    )


@audited
@transaction.atomic
def report_open(
    *, actor: User, network: Network, semester: Semester, marking: str = "AMBER"
) -> IloReport:
    """Open the network's report on a semester, in the active template version."""
    Network.objects.select_for_update().get(pk=network.pk)  # one opening at a time per network
    if not may_open_report(actor, network, semester):
        raise PermissionDenied
    if IloReport.objects.filter(network=network, semester=str(semester)).exists():
        raise ValidationError(
            _("The report of this network for %(semester)s already exists.")
            % {"semester": semester}
        )
    template = TemplateVersion.current()
    if template is None:
        raise ValidationError(_("No report template is defined."))
    report = IloReport(network=network, semester=str(semester), template=template, marking=marking)
    item_create(actor=actor, item=report)
    _event(report, actor, ReportStatus.DRAFT)
    report_notify(
        actor=actor,
        report=report,
        users=network_members(report),
        event="opened",
        title=lambda: (
            _("The report of %(network)s for %(semester)s is open for contributions")
            % report_named(report)
        ),
    )
    return report


@dataclass
class Conflict(Exception):
    """Someone saved the report after the form was loaded."""

    current: IloReport


@audited
@transaction.atomic
def report_save(
    *,
    actor: User,
    report: IloReport,
    answers: dict,
    lock_version: int,
    questions: set[str] | None = None,
) -> IloReport:
    """Save the answers if nobody saved since `lock_version`; otherwise raise Conflict.
    With `questions` (ids, as the answers are keyed), only those answers are replaced: the
    save of one section keeps the others."""
    locked = _locked(report)
    require(actor, Action.CHANGE, locked)
    if locked.lock_version != lock_version:
        raise Conflict(locked)
    known = {
        str(pk)
        for pk in TemplateQuestion.objects.filter(section__version=locked.template_id).values_list(
            "pk", flat=True
        )
    }
    replaced = known if questions is None else known & set(questions)
    kept = {
        key: value for key, value in locked.answers.items() if key in known and key not in replaced
    }
    locked.answers = kept | {key: value for key, value in answers.items() if key in replaced}
    answers_validate(locked.answers)
    locked.lock_version += 1
    locked.save()
    return locked


@audited
@transaction.atomic
def contribution_add(*, actor: User, report: IloReport, section, text: str) -> Contribution:
    """A network member's contribution to a section of the draft; the drafters are told."""
    require(actor, IloAction.CONTRIBUTE, report)
    if actor.organisation_id is None:
        raise PermissionDenied  # a network member contributes for an organisation
    if section.version_id != report.template_id:
        raise ValidationError(_("This section is not part of the report's template."))
    contribution = Contribution(
        report=report,
        section=section,
        author=actor,
        organisation_id=actor.organisation_id,
        text=text.strip(),
    )
    contribution.full_clean()
    contribution.save()
    report_notify(
        actor=actor,
        report=report,
        users=drafters(report),
        event=f"contribution:{contribution.pk}",
        title=lambda: (
            _("New contribution from %(org)s to the report of %(network)s for %(semester)s")
            % {"org": actor.organisation, **report_named(report)}
        ),
    )
    return contribution


@audited
@transaction.atomic
def contribution_incorporate(*, actor: User, contribution: Contribution) -> IloReport:
    """Append the contribution to the first text answer of its section, and mark it done."""
    report = _locked(contribution.report)
    require(actor, Action.CHANGE, report)
    if contribution.incorporated_at:
        raise ValidationError(_("This contribution is already incorporated."))
    question = contribution.section.questions.filter(
        field_type__in=[TemplateQuestion.FieldType.LONG_TEXT, TemplateQuestion.FieldType.TEXT],
    ).first()
    if question is None:
        raise ValidationError(_("This section has no text to add the contribution to."))
    key = str(question.pk)
    existing = (report.answers.get(key) or "").rstrip()
    report.answers[key] = f"{existing}\n\n{contribution.text}".strip()
    answers_validate(report.answers)
    report.lock_version += 1
    report.save()
    contribution.incorporated_at = timezone.now()
    contribution.incorporated_by = actor
    contribution.save()
    return report


# --- the workflow -----------------------------------------------------------------------


@audited
@transaction.atomic
def report_submit(*, actor: User, report: IloReport) -> IloReport:
    """The chair submits the report; the reviewers now read it too."""
    report = _locked(report)
    transition_apply(actor=actor, item=report, to=ReportStatus.SUBMITTED)
    report.submitted_at = timezone.now()
    report.save()
    grants_sync(report)
    event = _event(report, actor, ReportStatus.SUBMITTED)
    report_notify(
        actor=actor,
        report=report,
        users=list(reviewers()) + list(network_members(report)),
        event=f"submitted:{event.pk}",
        title=lambda: (
            _("The report of %(network)s for %(semester)s was submitted for review")
            % report_named(report)
        ),
    )
    return report


@audited
@transaction.atomic
def report_review(*, actor: User, report: IloReport, comment: str = "") -> IloReport:
    """A reviewer accepts the submitted report, ready for publication."""
    report = _locked(report)
    transition_apply(actor=actor, item=report, to=ReportStatus.REVIEWED)
    report.reviewed_at = timezone.now()
    report.reviewed_by = actor
    report.review_comment = comment.strip()
    report.save()
    event = _event(report, actor, ReportStatus.REVIEWED, comment.strip())
    report_notify(
        actor=actor,
        report=report,
        users=drafters(report),
        event=f"reviewed:{event.pk}",
        title=lambda: (
            _("The report of %(network)s for %(semester)s was reviewed") % report_named(report)
        ),
    )
    return report


@audited
@transaction.atomic
def report_return(*, actor: User, report: IloReport, comment: str) -> IloReport:
    """A reviewer returns the report to the chair for correction, saying why."""
    report = _locked(report)
    comment = comment.strip()
    transition_apply(actor=actor, item=report, to=ReportStatus.RETURNED)
    if not comment:
        raise ValidationError({"comment": _("Say what must be corrected.")})
    report.review_comment = comment
    report.save()
    event = _event(report, actor, ReportStatus.RETURNED, comment)
    report_notify(
        actor=actor,
        report=report,
        users=list(drafters(report)) + list(network_members(report)),
        event=f"returned:{event.pk}",
        title=lambda: (
            _("The report of %(network)s for %(semester)s was returned for correction")
            % report_named(report)
        ),
    )
    return report


@audited
@transaction.atomic
def report_publish(
    *, actor: User, report: IloReport, audience: str, marking: str, groups=()
) -> IloReport:
    """A reviewer publishes the reviewed report to the audience chosen; it is read-only from now
    on."""
    report = _locked(report)
    if report.status != ReportStatus.REVIEWED:
        raise PermissionDenied  # this page publishes a reviewed draft; the core's re-shares
    item_publish(actor=actor, item=report, audience=audience, marking=marking, groups=groups)
    return report


def report_published(item: IloReport, actor: User) -> None:
    """Whichever page published the reviewed report (its status moved with it), its timeline
    records the step and the network is told (`ItemType.published_follow_up`, called by the
    core's `item_publish` at the first publication)."""
    event = _event(item, actor, ReportStatus.PUBLISHED)
    report_notify(
        actor=actor,
        report=item,
        users=list(drafters(item)) + list(network_members(item)),
        event=f"published:{event.pk}",
        title=lambda: (
            _("The report of %(network)s for %(semester)s was published") % report_named(item)
        ),
    )


@audited
@transaction.atomic
def report_revise(*, actor: User, report: IloReport) -> IloReport:
    """Start a correction of a published report: a new draft revision linked to it."""
    report = _locked(report)
    require(actor, IloAction.REVISE, report)
    revision = IloReport(
        network=report.network,
        semester=report.semester,
        template=report.template,
        marking=report.marking,
        revision=report.revision + 1,
        previous=report,
        answers=dict(report.answers),
    )
    item_create(actor=actor, item=revision)
    _event(
        revision, actor, ReportStatus.DRAFT, _("Correction of %(ref)s") % {"ref": report.reference}
    )
    report_notify(
        actor=actor,
        report=revision,
        users=network_members(revision),
        event="opened",
        title=lambda: (
            _("A correction of the report of %(network)s for %(semester)s was opened")
            % report_named(revision)
        ),
    )
    return revision


def answers_diff(old: IloReport, new: IloReport) -> list[dict]:
    """Per question of the newer report, the unified difference of the answers, where they
    differ."""
    old_by_key = {
        q.key: q for q in TemplateQuestion.objects.filter(section__version=old.template_id)
    }
    changes = []
    questions = TemplateQuestion.objects.filter(section__version=new.template_id).select_related(
        "section"
    )
    for question in questions.order_by("section__order", "order"):
        before_q = old_by_key.get(question.key)
        before = answer_as_text(before_q, old.answer_for(before_q)) if before_q else ""
        after = answer_as_text(question, new.answer_for(question))
        if before == after:
            continue
        lines = list(
            difflib.unified_diff(
                before.splitlines(),
                after.splitlines(),
                fromfile=old.reference,
                tofile=new.reference,
                lineterm="",
                n=2,
            )
        )
        changes.append({"question": question, "section": question.section, "lines": lines})
    return changes


# --- deadline reminders -----------------------------------------------------------------


def chair_recipients(network: Network, semester: Semester):
    """The chair's liaison officer, or else the chairing service's ILO contact points."""
    chair = network.chair_for(semester)
    if chair is None:
        return User.objects.none()
    if chair.officer_id:
        return User.objects.filter(pk=chair.officer_id, is_active=True)
    return User.objects.filter(
        organisation_id=chair.organisation_id, is_active=True, ncp_areas__contains=[Area.ILO]
    )


def reminder_kind(days_left: int) -> str | None:
    """The most urgent reminder due with `days_left` before the deadline (None if none is due)."""
    due = [days for days in sorted(settings.ILO_REPORT_REMINDER_DAYS) if 0 <= days_left <= days]
    return f"due-in-{due[0]}-days" if due else None


def _reminder(network: Network, semester: Semester, url: str) -> Message:
    """The reminder that the network's report is due, in each reader's language."""
    return message_in_language(
        lambda: (
            _("Report of %(network)s for %(semester)s due on %(deadline)s")
            % {"network": network, "semester": semester, "deadline": semester.deadline}
        ),
        subject=lambda title: (
            _("[ICONet] ILO network report due on %(deadline)s") % {"deadline": semester.deadline}
        ),
        template="ilo_reports/email_reminder.txt",
        context={"network": network, "semester": semester, "url": site_url(url)},
    )


def report_reminders_send(today: datetime.date) -> int:
    """Remind chairs whose report is not yet submitted; once per network, semester and kind."""
    semester = Semester.reporting(today)
    kind = reminder_kind((semester.deadline - today).days)
    if kind is None:
        return 0
    done = IloReport.objects.filter(semester=str(semester), status__in=SUBMITTED_STATUSES).values(
        "network_id"
    )
    sent = 0
    for network in Network.objects.filter(is_active=True).exclude(pk__in=done):
        try:
            with transaction.atomic():
                # The unique row is the claim: a second run (or a second worker) stops here.
                ReminderSent.objects.create(network=network, semester=str(semester), kind=kind)
                url = reverse("ilo_reports:network", args=[network.pk])
                users_notify(
                    item=None,
                    users=chair_recipients(network, semester),
                    url=url,
                    key=f"ilo:reminder:{network.pk}:{semester}:{kind}",
                    **_reminder(network, semester, url),
                )
                sent += 1
        except IntegrityError:
            continue
    return sent


# --- the report template ----------------------------------------------------------------


def templates_are_managed_by(user) -> bool:
    """The Commission's administrators of the ILO area keep the report template."""
    return user.is_active and user.is_commission_admin and user.has_area(Area.ILO)


@audited
@transaction.atomic
def template_version_copy(*, actor: User, version: TemplateVersion) -> TemplateVersion:
    """A new draft version (not used for new reports) with the sections and questions of
    `version`, their sources and translations included."""
    if not templates_are_managed_by(actor):
        raise PermissionDenied
    # One new number at a time: the versions' table is locked while the next one is taken.
    latest = TemplateVersion.objects.select_for_update().order_by("-number").first()
    number = (latest.number if latest else 0) + 1
    copy = TemplateVersion.objects.create(
        number=number, title=version.title, source=version.source, active=False
    )
    for section in version.sections_with_questions():
        questions = list(section.questions.all())
        section.pk, section.version, section._state.adding = None, copy, True
        section.save()
        for question in questions:
            question.pk, question.section, question._state.adding = None, section, True
            question.save()
    return copy


@audited
@transaction.atomic
def template_version_activate(*, actor: User, version: TemplateVersion) -> None:
    """Use `version` for the reports opened from now on; open reports keep theirs."""
    if not templates_are_managed_by(actor):
        raise PermissionDenied
    if not TemplateQuestion.objects.filter(section__version=version).exists():
        raise ValidationError(_("A version without questions cannot be used for reports."))
    for each in TemplateVersion.objects.select_for_update().order_by("number"):
        if each.active != (each.pk == version.pk):  # saved one by one, for the audit trail
            each.active = each.pk == version.pk
            each.save(update_fields=["active"])
    version.active = True


# --- editing a draft version ------------------------------------------------------------

PART_ORDER = [part.value for part in TemplateSection.Part]


def _draft_locked(actor: User, version_id: int) -> TemplateVersion:
    """The version, locked, if the actor keeps the template and no report uses it: activation
    takes the same lock, so a version cannot become used while it is being changed."""
    if not templates_are_managed_by(actor):
        raise PermissionDenied
    version = TemplateVersion.objects.select_for_update().get(pk=version_id)
    version.edit_require()
    return version


def _renumber(rows) -> None:
    """Give `rows` the orders 1, 2, 3... in their sequence, saving only those that move (one by
    one, for the audit trail; the unique orders are checked at commit)."""
    for position, row in enumerate(rows, start=1):
        if row.order != position:
            row.order = position
            row.save(update_fields=["order"])


def _sections_renumber(version: TemplateVersion, sections=None) -> None:
    """The sections of a version in the order of their parts; within a part, as they were."""
    sections = list(version.sections.order_by("order")) if sections is None else sections
    _renumber(sorted(sections, key=lambda section: PART_ORDER.index(section.part)))


def _keys_validate(version: TemplateVersion, questions) -> None:
    """A question's key is unique within its version (semesters are compared by key)."""
    kept = {question.pk for question in questions if question.pk}
    taken = set(
        TemplateQuestion.objects.filter(section__version=version)
        .exclude(pk__in=kept)
        .values_list("key", flat=True)
    )
    for question in questions:
        if question.key in taken:
            raise ValidationError(
                {
                    "key": _("Another question of this version already has the key “%(key)s”.")
                    % {"key": question.key}
                }
            )
        taken.add(question.key)


@audited
@transaction.atomic
def template_section_add(
    *, actor: User, version: TemplateVersion, section: TemplateSection
) -> TemplateSection:
    """Add a section to a draft version, as the last one of its part."""
    version = _draft_locked(actor, version.pk)
    sections = list(version.sections.order_by("order"))
    section.version = version
    section.order = len(sections) + 1
    section.full_clean()
    section.save()
    _sections_renumber(version, [*sections, section])
    return section


@audited
@transaction.atomic
def template_section_save(
    *,
    actor: User,
    section: TemplateSection,
    questions=(),
    removed=(),
) -> TemplateSection:
    """Change a section of a draft version with its questions: `questions` are those it keeps
    and the new ones, in their order; `removed` are taken out."""
    version = _draft_locked(actor, section.version_id)
    if section.pk is None or not version.sections.filter(pk=section.pk).exists():
        raise ValidationError(_("This section is not part of the version."))
    part_before = TemplateSection.objects.get(pk=section.pk).part
    section.full_clean()
    section.save()
    if section.part != part_before:
        # A section moved to another part goes to the end of that part.
        others = [s for s in version.sections.order_by("order") if s.pk != section.pk]
        _sections_renumber(version, [*others, section])
    own = set(section.questions.values_list("pk", flat=True))
    for question in removed:
        if question.pk not in own:
            raise ValidationError(_("This question is not part of the section."))
        question.delete()
    questions = list(questions)
    _keys_validate(version, questions)
    for question in questions:
        if question.pk and question.pk not in own:
            raise ValidationError(_("This question is not part of the section."))
        question.section = section
    for position, question in enumerate(questions, start=1):
        question.order = position  # the unique orders are checked at commit
        question.full_clean()
        question.save()  # auditlog records nothing for a question left as it was
    return section


@audited
@transaction.atomic
def template_section_move(*, actor: User, section: TemplateSection, up: bool) -> None:
    """Move a section of a draft version one place up or down within its part."""
    version = _draft_locked(actor, section.version_id)
    sections = list(version.sections.order_by("order"))
    position = next((i for i, s in enumerate(sections) if s.pk == section.pk), None)
    if position is None:
        raise ValidationError(_("This section is not part of the version."))
    other = position - 1 if up else position + 1
    if not 0 <= other < len(sections) or sections[other].part != sections[position].part:
        raise ValidationError(_("The section is already at that end of its part."))
    sections[position], sections[other] = sections[other], sections[position]
    _renumber(sections)


@audited
@transaction.atomic
def template_section_remove(*, actor: User, section: TemplateSection) -> None:
    """Take a section and its questions out of a draft version."""
    version = _draft_locked(actor, section.version_id)
    if not version.sections.filter(pk=section.pk).exists():
        raise ValidationError(_("This section is not part of the version."))
    for question in section.questions.all():  # one by one, for the audit trail
        question.delete()
    section.delete()
    _sections_renumber(version)


def _network_appliers_register() -> None:
    from iconet.directory.services.access_changes import NETWORK_APPLIERS

    NETWORK_APPLIERS[POSTING_APPLIER] = posting_request_apply


_network_appliers_register()
# --- follow-up actions of Part III, tracked as tasks -------------------------------------

FOLLOW_UP_SOON_DAYS = 7


def follow_up_row(report: IloReport, row_key: str) -> dict:
    """The cells of a row of the report's follow-up table ({} if it has none)."""
    question = TemplateQuestion.objects.filter(
        section__version=report.template_id, key="follow_up"
    ).first()
    if question is None:
        return {}
    return (report.answer_for(question) or {}).get(row_key) or {}


@audited
@transaction.atomic
def follow_up_task_create(
    *, actor: User, report: IloReport, row_key: str, owner: User, deadline: datetime.date
) -> FollowUpTask:
    """Track a follow-up action of the report (read through the visibility filter by the
    caller) as a task with an owner, who must be able to read the report, and a deadline."""
    if not is_reviewer(actor):
        raise PermissionDenied
    cells = follow_up_row(report, row_key)
    if not cells.get("action"):
        raise ValidationError(_("The report has no follow-up action in this row."))
    if not owner.is_active or not IloReport.objects.visible_to(owner).filter(pk=report.pk).exists():
        raise ValidationError(
            {
                "owner": _("%(user)s cannot read this report: choose another owner.")
                % {"user": owner}
            }
        )
    if FollowUpTask.objects.filter(report=report, row_key=row_key).exists():
        raise ValidationError(_("This follow-up action is already tracked."))
    task = FollowUpTask(
        report=report,
        row_key=row_key,
        action=one_line_text(str(cells["action"]))[:500],
        owner=owner,
        deadline=deadline,
        created_by=actor,
    )
    task.full_clean()
    task.save()
    return task


@audited
@transaction.atomic
def follow_up_task_close(*, actor: User, task: FollowUpTask) -> FollowUpTask:
    """Close the task: its owner or a reviewer; reminders stop."""
    if not (actor.pk == task.owner_id or is_reviewer(actor)):
        raise PermissionDenied
    closed = FollowUpTask.objects.filter(pk=task.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(), closed_by=actor
    )
    if not closed:
        raise ValidationError(_("This task is already closed."))
    task.refresh_from_db()
    return task


def follow_up_reminder_kind(days_left: int) -> str | None:
    """Once in the week before the deadline, then once a week while overdue."""
    if days_left < 0:
        return f"overdue-{(-days_left - 1) // 7}"
    if days_left <= FOLLOW_UP_SOON_DAYS:
        return "due-soon"
    return None


def _follow_up_title(task: FollowUpTask, kind: str) -> str:
    named = {
        "network": task.report.network,
        "semester": task.report.semester,
        "deadline": task.deadline,
    }
    if kind.startswith("overdue"):
        return (
            _("Follow-up action of %(network)s for %(semester)s overdue since %(deadline)s") % named
        )
    return _("Follow-up action of %(network)s for %(semester)s due on %(deadline)s") % named


def _follow_up_subject(report: IloReport, title: str) -> str:
    return one_line_text(f"[{report.get_marking_display()}] {report.reference}: {title}")


def follow_up_reminders_send(today: datetime.date) -> int:
    """Remind the owners of open tasks due within a week, and every week while overdue
    until closed; once per task and kind, through the outbox (the unique row is the claim)."""
    sent = 0
    tasks = FollowUpTask.objects.filter(
        closed_at__isnull=True,
        deadline__lte=today + datetime.timedelta(days=FOLLOW_UP_SOON_DAYS),
    ).select_related("report__network", "owner")
    for task in tasks:
        kind = follow_up_reminder_kind((task.deadline - today).days)
        if kind is None:
            continue
        try:
            with transaction.atomic():
                FollowUpReminder.objects.create(task=task, kind=kind)
                report = task.report
                url = reverse("ilo_reports:synthesis") + f"?semester={report.semester}"
                users_notify(
                    item=report,
                    users=[task.owner],
                    url=url,
                    key=f"ilo:follow-up:{task.pk}:{kind}",
                    **message_in_language(
                        partial(_follow_up_title, task, kind),
                        subject=partial(_follow_up_subject, report),
                        template="ilo_reports/email_follow_up.txt",
                        context={"url": site_url(url)},
                    ),
                )
                sent += 1
        except IntegrityError:
            continue
    return sent
