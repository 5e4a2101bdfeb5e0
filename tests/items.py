"""Making shared items of any installed type in tests (and in the benchmark).

`item_make` writes an item as the sharing services leave it, without going through an area's
own forms, so that the same code serves every item type in the permission matrix. Area
tests that need specific fields pass them as keyword arguments.
"""

from django.db import models
from django.utils import timezone

from iconet.models import DisclosureRequest, State
from iconet.sharing.registry import shared_item_models
from iconet.sharing.services import grants_sync


def required_values(model) -> dict:
    """Plausible values for the required fields the sharing core does not set itself."""
    values = {}
    for field in model._meta.concrete_fields:
        if (
            field.primary_key
            or field.null
            or field.has_default()
            or field.name
            in (
                "owner",
                "author",
                "state",
                "audience",
                "marking",
                "created_at",
                "updated_at",
                "published_at",
            )
            or getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
        ):
            continue
        if field.choices:
            values[field.name] = field.choices[0][0]
        elif isinstance(field, models.ForeignKey):
            values[field.name] = field.related_model.objects.order_by("pk").first()
        elif isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
            values[field.name] = 1
        elif isinstance(field, models.DateTimeField):
            values[field.name] = timezone.now()
        elif isinstance(field, models.DateField):
            values[field.name] = timezone.now().date()
        elif isinstance(field, models.BooleanField):
            values[field.name] = False
        elif field.get_internal_type() == "ArrayField":
            values[field.name] = []
        elif isinstance(field, (models.CharField, models.TextField)):
            values[field.name] = (
                "" if field.blank else f"Test {field.verbose_name}"[: field.max_length or 200]
            )
    return values


def _ilo_report_defaults() -> dict:
    from iconet.models import Role, User
    from ilo_reports.models import Network

    network = Network.objects.filter(host_country="TR").first()
    if network is None:
        network = Network.objects.create(name="Türkiye", host_country="TR")
        # The network's members are the liaison officers posted in its host country.
        network.access_group.members.set(User.objects.filter(role=Role.ILO, host_country="TR"))
    return {"network": network, "semester": "2026-S1"}


def _attachment_children(item) -> None:
    from tests.files import attachment_make

    attachment_make(item)


def _attachment_pages(item) -> list[tuple[str, str]]:
    from tests.files import attachment_url

    return [(attachment_url(a), "read") for a in item.attachments.all()]


def _recipient_pages(item) -> list[tuple[str, str]]:
    from django.urls import reverse

    deliveries = reverse("sharing:recipients", args=[item.type_slug(), item.pk])
    return _attachment_pages(item) + [(deliveries, "deliveries")]


def _alert_pages(alert) -> list[tuple[str, str]]:
    from django.urls import reverse

    return _recipient_pages(alert) + [(reverse("alerts:deliveries", args=[alert.pk]), "deliveries")]


def _note_defaults() -> dict:
    from documents.models import Term, Vocabulary

    return {
        "category": Term.objects.of(Vocabulary.CATEGORY).first(),
        "fraud_type": Term.objects.of(Vocabulary.FRAUD_TYPE).first(),
    }


def note_image_make(note, *, reviewed: bool = True, data: bytes | None = None, boxes=()):
    """An image of the note uploaded, redacted and (by default) reviewed by its author."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents import services
    from tests.files import png_bytes

    upload = SimpleUploadedFile("specimen.png", data or png_bytes(120, 80), "image/png")
    image = services.image_add(
        actor=note.author,
        note=note,
        upload=upload,
        caption="Biodata page",
        side="front",
        light_source="uv",
    )
    if boxes:
        image = services.image_redact(actor=note.author, image=image, boxes=boxes)
    if reviewed:
        # Without areas, the author states that the image shows no personal data.
        image = services.image_review(actor=note.author, image=image, no_personal_data=not boxes)
    return image


def _note_children(note) -> None:
    # A note takes no generic attachments (its files are its redacted images): this one stands
    # for a file attached before, which stays with the owner organisation.
    _attachment_children(note)
    note_image_make(note)


def _note_pages(note) -> list[tuple[str, str]]:
    from django.urls import reverse

    pages = [(url, "original") for url, _action in _attachment_pages(note)]
    for image in note.images.all():
        args = [note.pk, image.pk]
        pages += [
            (reverse("documents:image", args=args), "read"),
            (reverse("documents:thumbnail", args=args), "read"),
            (reverse("documents:download", args=args), "download"),
            (reverse("documents:original", args=args), "original"),
        ]
    return pages


def _workspace_defaults() -> dict:
    from tests.factories import AccessGroupFactory

    return {"group": AccessGroupFactory(name="Workspace of the test items")}


def _meeting_defaults() -> dict:
    import datetime

    starts = timezone.now() + datetime.timedelta(days=7)
    return {
        **_workspace_defaults(),
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=2),
        "place": "Brussels",
    }


def _library_children(document) -> None:
    """A version of the document: its file is an attachment the version names."""
    from tests.files import attachment_make
    from workspaces.models import DocumentVersion

    DocumentVersion.objects.create(
        document=document,
        number=1,
        attachment=attachment_make(document),
        uploaded_by=document.author,
    )


def _library_pages(document) -> list[tuple[str, str]]:
    from django.urls import reverse

    return [
        (reverse("workspaces:version_download", args=[document.pk, v.number]), "download")
        for v in document.versions.all()
    ]


def _meeting_pages(meeting) -> list[tuple[str, str]]:
    from django.urls import reverse

    return _attachment_pages(meeting) + [
        (reverse("workspaces:meeting_ics", args=[meeting.pk]), "download")
    ]


# Child rows that show an item's content (attachments), made with `with_children=True`, and
# the pages of an item type beyond the shared ones, each with the action it needs.
TYPE_CHILDREN = {
    "alerts.alert": _attachment_children,
    "ilo_reports.iloreport": _attachment_children,
    "returns.returnproblem": _attachment_children,
    "returns.returnoperation": _attachment_children,
    "documents.documentnote": _note_children,
    "workspaces.librarydocument": _library_children,
    "workspaces.meeting": _attachment_children,
}
TYPE_PAGES = {
    "alerts.alert": _alert_pages,
    "ilo_reports.iloreport": _recipient_pages,
    "returns.returnproblem": _recipient_pages,
    "returns.returnoperation": _recipient_pages,
    "documents.documentnote": _note_pages,
    "workspaces.librarydocument": _library_pages,
    "workspaces.meeting": _meeting_pages,
}

# Field values that an item type needs to make sense, beyond the generic ones.
TYPE_DEFAULTS = {
    "ilo_reports.iloreport": _ilo_report_defaults,
    "documents.documentnote": _note_defaults,
    "workspaces.librarydocument": _workspace_defaults,
    "workspaces.meeting": _meeting_defaults,
}


def item_make(
    type_slug: str,
    *,
    author,
    state=State.PUBLISHED,
    audience="network",
    groups=(),
    marking="AMBER",
    with_children=False,
    **fields,
):
    model = shared_item_models()[type_slug]
    defaults = TYPE_DEFAULTS[type_slug]() if type_slug in TYPE_DEFAULTS else {}
    item = model(**{**required_values(model), **defaults, **fields})
    item.owner_id = author.organisation_id
    item.author = author
    item.state = state
    item.audience = audience
    item.marking = marking
    if state != State.DRAFT:
        item.published_at = timezone.now()
    item.save()
    if groups:
        item.audience_groups.set(groups)
    grants_sync(item)
    if with_children and type_slug in TYPE_CHILDREN:
        TYPE_CHILDREN[type_slug](item)
    return item


def disclosure_approve(item, *, decided_by, requested_by, **target) -> DisclosureRequest:
    """An approved disclosure, as the owner's decision leaves it."""
    from django.contrib.contenttypes.models import ContentType

    request = DisclosureRequest.objects.create(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
        owner_id=item.owner_id,
        requested_by=requested_by,
        requester_organisation_id=requested_by.organisation_id,
        purpose="Joint analysis",
        status=DisclosureRequest.Status.APPROVED,
        decided_by=decided_by,
        decided_at=timezone.now(),
        **target,
    )
    grants_sync(item)
    return request


# --- items in every stage, made through the real services -------------------------------------
# The permission matrix needs each item in a stage the product really produces: drafts are
# created, published, withdrawn and archived by the services the pages call, and ILO reports
# walk their workflow (opened by the chair, contributed to, submitted, reviewed or returned,
# published by the Commission).


def alert_in_stage(
    *,
    author,
    manager,
    stage: str,
    audience: str = "network",
    groups=(),
    destinations=("NL", "IT"),
    marking: str = "AMBER",
):
    """An alert of `author`'s organisation in `stage`, with one attachment."""
    from alerts.models import Alert
    from iconet.models import Country
    from iconet.sharing.services import item_create, item_publish, item_state_set

    alert = Alert(
        **{
            **required_values(Alert),
            "headline": f"Matrix {stage} {audience}",
            "summary": "Aggregate figures only.",
            "marking": marking,
        }
    )
    item_create(actor=author, item=alert)
    alert.destination_states.set(Country.objects.filter(code__in=destinations))
    _attachment_children(alert)
    if stage != State.DRAFT:
        item_publish(actor=manager, item=alert, audience=audience, marking=marking, groups=groups)
    if stage in (State.WITHDRAWN, State.ARCHIVED):
        item_state_set(actor=manager, item=alert, state=stage)
    alert.refresh_from_db()
    return alert


def note_in_stage(
    *, author, manager, stage: str, audience: str = "network", groups=(), marking: str = "AMBER"
):
    """A document fraud note of `author`'s organisation in `stage`, with a file attached before
    notes stopped taking attachments, and a redacted, reviewed image."""
    from documents.models import DocumentNote
    from iconet.sharing.services import item_create, item_publish, item_state_set

    note = DocumentNote(
        **{
            **required_values(DocumentNote),
            **_note_defaults(),
            "title_text": f"Matrix {stage} {audience}",
            "marking": marking,
        }
    )
    item_create(actor=author, item=note)
    _note_children(note)
    if stage != State.DRAFT:
        item_publish(actor=manager, item=note, audience=audience, marking=marking, groups=groups)
    if stage in (State.WITHDRAWN, State.ARCHIVED):
        item_state_set(actor=manager, item=note, state=stage)
    note.refresh_from_db()
    return note


def ilo_network_chaired(*, chairs: dict, host_country: str = "TR", name: str = "Türkiye"):
    """The network of the ILOs posted in `host_country`, chaired in each semester by the
    organisation of the officer given: {"2026-S1": officer}."""
    import datetime

    from iconet.models import User
    from ilo_reports.models import Network, NetworkChair, Posting
    from ilo_reports.services import network_members_sync

    network, _created = Network.objects.get_or_create(
        name=name, defaults={"host_country": host_country}
    )
    for officer in User.objects.filter(role="ilo", host_country=host_country):
        Posting.objects.get_or_create(
            officer=officer,
            host_country=host_country,
            defaults={
                "deploying_organisation": officer.organisation,
                "deploying_authority": "Border police",
                "posted_at": Posting.Place.EMBASSY,
                "start_date": datetime.date(2020, 1, 1),
            },
        )
    network_members_sync(network)
    for semester, officer in chairs.items():
        NetworkChair.objects.get_or_create(
            network=network,
            semester=semester,
            defaults={
                "organisation": officer.organisation,
                "officer": officer,
            },
        )
    return network


def ilo_report_in_stage(*, network, semester: str, chair, member, reviewer, manager, stage: str):
    """The network's report on `semester`, opened by the chair's ILO and taken to `stage`
    (draft, contributions, submitted, reviewed, returned, published, withdrawn, archived);
    from "contributions" on it has a contribution of `member`."""
    from iconet.sharing.services import item_state_set
    from ilo_reports import services
    from ilo_reports.models import Semester, TemplateSection

    report = services.report_open(actor=chair, network=network, semester=Semester.parse(semester))
    if stage == "draft":
        return report
    section = TemplateSection.objects.filter(version=report.template_id).order_by("order").first()
    services.contribution_add(
        actor=member, report=report, section=section, text="Flows rose by a third."
    )
    if stage == "contributions":
        return report
    report = services.report_submit(actor=chair, report=report)
    if stage == "returned":
        return services.report_return(actor=reviewer, report=report, comment="Add the statistics.")
    if stage == "submitted":
        return report
    report = services.report_review(actor=reviewer, report=report)
    if stage == "reviewed":
        return report
    report = services.report_publish(
        actor=reviewer, report=report, audience="network", marking="AMBER"
    )
    if stage in (State.WITHDRAWN, State.ARCHIVED):
        report = item_state_set(actor=manager, item=report, state=stage)
    report.refresh_from_db()
    return report


def return_problem_in_stage(*, author, manager, stage: str, audience: str = "network"):
    """A return problem of `author`'s organisation in `stage`, with one attachment."""
    from iconet.sharing.services import item_create, item_publish, item_state_set
    from returns.models import ReturnProblem

    problem = item_create(
        actor=author,
        item=ReturnProblem(
            country_of_return="NG",
            description=f"Matrix {stage}",
            average_delay_days=30,
        ),
    )
    _attachment_children(problem)
    if stage != State.DRAFT:
        item_publish(actor=manager, item=problem, audience=audience, marking="AMBER")
    if stage in (State.WITHDRAWN, State.ARCHIVED):
        item_state_set(actor=manager, item=problem, state=stage)
    problem.refresh_from_db()
    return problem


def return_operation_in_stage(
    *, author, manager, stage: str, participant, offered=("BE", "NL"), audience: str = "owner"
):
    """A return operation of `author`'s organisation in `stage`, with one attachment; from
    "published" on its seat offer is open to `offered`, `participant` replied and the
    organiser reported an incident."""
    import datetime

    from iconet.models import Country
    from iconet.sharing.services import item_create, item_publish, item_state_set
    from returns.models import Incident, Participation, ReturnOperation
    from returns.services import (
        incident_report,
        seat_offer_open,
        seats_request,
    )

    operation = item_create(
        actor=author,
        item=ReturnOperation(
            code=f"Matrix {stage}",
            countries_of_return=["NG"],
            seat_capacity=10,
        ),
    )
    _attachment_children(operation)
    if stage != State.DRAFT:
        item_publish(actor=manager, item=operation, audience=audience, marking="AMBER")
        seat_offer_open(
            actor=manager,
            operation=operation,
            states=list(Country.objects.filter(code__in=offered)),
            deadline=timezone.localdate() + datetime.timedelta(days=7),
        )
        seats_request(
            actor=participant,
            operation=operation,
            participation=Participation(seats_requested=2, escorts=2),
        )
        incident_report(
            actor=author,
            operation=operation,
            incident=Incident(
                occurred_at=timezone.now(),
                place="Lagos",
                category="medical",
                facts="Matrix",
            ),
        )
    if stage in (State.WITHDRAWN, State.ARCHIVED):
        item_state_set(actor=manager, item=operation, state=stage)
    operation.refresh_from_db()
    return operation
