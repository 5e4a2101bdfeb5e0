"""The access policy of the portal written out as data, independently of the code under test.

Nothing here calls `allows`, `can`, `visible_to` or the grant tables: the permission matrix
(tests/core/test_permission_matrix.py) derives every expected answer from the tables below and
the plain facts of a user (organisation, its kind, role, areas, contact-point areas, access
groups) and of an item (type, owner, author, stage, audience, disclosures), recorded when the
test made them.

Sources: DESIGN.md section 2 (the core rule), 5.1 (alerts), 5.2 (ILO reports) and 5.3
(document fraud notes), and the
areas' workflows where DESIGN.md is silent. Where the code and DESIGN.md disagree, the table
follows DESIGN.md and the matrix reports the difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- stages ---------------------------------------------------------------------------------
# An item's stage is its sharing state; an ILO report in the "draft" state is further along
# its own workflow (DESIGN.md 5.2: draft -> contributions -> submitted -> reviewed ->
# published, and returned for correction).
SHARING_STAGES = ("draft", "published", "withdrawn", "archived")
ILO_DRAFT_STAGES = ("draft", "contributions", "submitted", "reviewed", "returned")
ILO_STAGES = ILO_DRAFT_STAGES + ("published", "withdrawn", "archived")
NOT_DRAFT = ("published", "withdrawn", "archived")


def is_draft(stage: str) -> bool:
    return stage in ILO_DRAFT_STAGES


# --- who a user is, in relation to an item ----------------------------------------------------


@dataclass(frozen=True)
class UserFacts:
    """What the policy knows of a user: plain attributes, no method of the product."""

    pk: int
    name: str
    active: bool
    organisation_id: int | None
    organisation_active: bool
    organisation_kind: str  # national / commission / agency
    role: str  # officer / ncp is not a role: see ncp_areas
    areas: frozenset
    ncp_areas: frozenset
    country: str | None
    host_country: str | None
    access_groups: frozenset  # ids of the active access groups the user or the organisation is in


@dataclass
class ItemFacts:
    """What the policy knows of an item, recorded when the test made it."""

    type_slug: str
    pk: int
    area: str
    owner_id: int
    owner_label: str
    author_id: int
    stage: str
    audience: str
    audience_groups: frozenset = frozenset()
    disclosed_to_organisations: frozenset = frozenset()
    disclosed_to_groups: frozenset = frozenset()
    destinations: frozenset = frozenset()  # alerts: destination and transit Member States
    network_host: str | None = None  # ILO reports: the host country of the network
    offered_to: frozenset = frozenset()  # return operations: Member States offered seats
    participants: frozenset = frozenset()  # return operations: organisations that replied
    incident_orgs: frozenset = frozenset()  # return operations: organisations with an incident
    has_previous: bool = False  # ILO reports: a correction of an earlier revision
    workspace_group: int | None = None  # group workspaces: the access group the item is in
    workspace_adders: frozenset = frozenset()  # its managers and the members they named
    invited: frozenset = frozenset()  # meetings: the users invited
    children: dict = field(default_factory=dict)  # URL keyword -> pk of a child row
    light: bool = False  # checked by the visibility filter and its reading pages only

    @property
    def label(self) -> str:
        return f"{self.type_slug}#{self.pk} {self.owner_label} {self.stage}/{self.audience}"


# --- visibility (DESIGN.md section 2) ---------------------------------------------------------
# Audiences: who, beside the owner, reads a non-draft item. "network" is the national
# services and the Commission; agencies observe and read only what is shared with them.
AUDIENCE_READERS = {
    "owner": lambda user, item: False,
    "groups": lambda user, item: bool(user.access_groups & item.audience_groups),
    "network": lambda user, item: user.organisation_kind in ("national", "commission"),
    "public": lambda user, item: True,
}

# Readers of a draft beyond the owner organisation, by the area's workflow.
DRAFT_READERS = {
    # The network's members (its posted liaison officers) read its draft report; once it is
    # submitted (also reviewed or returned) the Commission, which reviews it, reads it too.
    "ilo_reports.iloreport": lambda user, item: (
        (user.role == "ilo" and user.host_country == item.network_host)
        or (
            item.stage in ("submitted", "reviewed", "returned")
            and user.organisation_kind == "commission"
        )
    ),
}


# Group workspaces (issue 32): a group's library documents and meetings are read by the group,
# whatever their stage or audience.
def workspace_member(user, item) -> bool:
    return item.workspace_group in user.access_groups


DRAFT_READERS["workspaces.librarydocument"] = workspace_member
DRAFT_READERS["workspaces.meeting"] = workspace_member

# Readers of a non-draft item beside its audience, by the area's workflow.
EXTRA_READERS = {
    "workspaces.librarydocument": workspace_member,
    "workspaces.meeting": workspace_member,
    # DESIGN.md 5.4, issue 13: the national services of the Member States offered seats on a
    # return operation read it, so that they can reply to the offer.
    "returns.returnoperation": lambda user, item: (
        user.organisation_kind == "national" and user.country in item.offered_to
    ),
}


def visible(user: UserFacts, item: ItemFacts) -> bool:
    """Visible = active user of an active organisation, with the area, AND (owner organisation,
    OR in the audience of a non-draft item, OR an approved disclosure)."""
    if not (user.active and user.organisation_id and user.organisation_active):
        return False
    if item.area not in user.areas:
        return False
    if user.organisation_id == item.owner_id:
        return True
    if is_draft(item.stage):
        extra = DRAFT_READERS.get(item.type_slug)
        return bool(extra and extra(user, item))
    if user.organisation_id in item.disclosed_to_organisations:
        return True
    if user.access_groups & item.disclosed_to_groups:
        return True
    extra = EXTRA_READERS.get(item.type_slug)
    if extra and extra(user, item):
        return True
    return AUDIENCE_READERS[item.audience](user, item)


# --- capacities: the "who" column of the action tables ------------------------------------------


def owner_member(user, item) -> bool:
    return user.organisation_id == item.owner_id


def owner_manager(user, item) -> bool:
    """The owner's contact points of the item's area, and its national administrators."""
    return owner_member(user, item) and (
        item.area in user.ncp_areas or user.role == "national_admin"
    )


def network_member(user, item) -> bool:
    return user.role == "ilo" and user.host_country == item.network_host


CAPACITIES = {
    "viewer": lambda user, item: True,  # every action needs visibility first
    "owner_member": owner_member,
    # The author, while still a member of the owner organisation (issue 8, case 4).
    "author_member": lambda user, item: user.pk == item.author_id and owner_member(user, item),
    "owner_manager": owner_manager,
    # Alerts: told of the alert when published (DESIGN.md 5.1): the alerts contact points of
    # the destination and transit Member States, and of the named groups of the audience, who
    # read it through its audience then (a later disclosure makes a reader, not a recipient).
    "recipient": lambda user, item: (
        not owner_member(user, item)
        and item.area in user.ncp_areas
        and AUDIENCE_READERS[item.audience](user, item)
        and (
            user.country in item.destinations
            or (item.audience == "groups" and bool(user.access_groups & item.audience_groups))
        )
    ),
    # ILO: the chair's side drafts (the author, the owner's managers, the owner's ILOs posted
    # in the network); every member contributes; the Commission reviews and publishes.
    "drafter": lambda user, item: (
        owner_member(user, item)
        and (user.pk == item.author_id or owner_manager(user, item) or network_member(user, item))
    ),
    "network_member": network_member,
    "reviewer": lambda user, item: user.role == "commission_admin",
    # the Commission's administrators, who follow an item's footprint without reading it
    "commission_administrator": lambda user, item: (
        user.active and user.organisation_active and user.role == "commission_admin"
    ),
    # Returns: a national service of another Member State offered seats on the operation.
    "offered": lambda user, item: (
        not owner_member(user, item)
        and user.organisation_kind == "national"
        and user.country in item.offered_to
    ),
    "participant": lambda user, item: user.organisation_id in item.participants,
    # Group workspaces: the group's managers and the members they named add to it; they
    # publish (place in the group) the items of their own organisation.
    "group_adder": lambda user, item: user.pk in item.workspace_adders,
    "group_adder_owner": lambda user, item: (
        user.pk in item.workspace_adders and owner_member(user, item)
    ),
    "invited": lambda user, item: user.pk in item.invited,
    # an incident is moved on by the organiser's side or the organisation that reported it
    "incident_party": lambda user, item: (
        owner_member(user, item) or user.organisation_id in item.incident_orgs
    ),
}


def rule(stages, *who):
    return {"stages": tuple(stages), "who": frozenset(who)}


ALL = SHARING_STAGES + ILO_STAGES
EDITABLE = ("draft", "published")

# item type ("*" for every type) -> action -> the stages in which it is possible and who may.
ACTIONS = {
    "*": {
        "read": rule(ALL, "viewer"),
        "download": rule(ALL, "viewer"),
        # the core's generic attachments: added by those who change the item, read by its readers
        "attach": rule(EDITABLE, "author_member", "owner_manager"),
        "attachment_download": rule(ALL, "viewer"),
        "request_disclosure": rule(NOT_DRAFT, "viewer"),
        # the core's discussion of every item type, and following an item's changes
        "reply": rule(NOT_DRAFT, "viewer"),
        "follow": rule(ALL, "viewer"),
        "change": rule(EDITABLE, "author_member", "owner_manager"),
        "publish": rule(ALL, "owner_manager"),
        "withdraw": rule(ALL, "owner_manager"),
        "decide_disclosure": rule(ALL, "owner_manager"),
        # the access log of an item: who read it, for its owner organisation only
        "owner_log": rule(ALL, "owner_member"),
        # the delivery table of the people told of an item, for its owner organisation only
        "deliveries": rule(ALL, "owner_member"),
        # where the item went (readers, reads, copies, disclosures, people told): its owner
        # organisation, and the Commission's administrators without reading it
        "footprint": rule(ALL, "owner_member"),
    },
    "alerts.alert": {
        "acknowledge": rule(NOT_DRAFT, "recipient"),
        # the alerts' own publish page publishes drafts and re-shares published alerts
        "alert_publish": rule(EDITABLE, "owner_manager"),
    },
    "documents.documentnote": {
        # the unredacted images stay with the owner organisation (DESIGN.md 5.3)
        "original": rule(ALL, "owner_member"),
        # a note takes no generic attachment (its files pass the redaction review); one attached
        # before stays with the owner organisation
        "attach": rule((), "owner_member"),
        "attachment_download": rule(ALL, "owner_member"),
    },
    "ilo_reports.iloreport": {
        "change": rule(("draft", "contributions", "returned"), "drafter"),
        "attach": rule(("draft", "contributions", "returned"), "drafter"),
        "submit": rule(("draft", "contributions", "returned"), "drafter"),
        "contribute": rule(("draft", "contributions", "returned"), "network_member"),
        "review": rule(("submitted",), "reviewer"),
        "return": rule(("submitted", "reviewed"), "reviewer"),
        # the first publication of the reviewed report, from either publish page (the core's
        # also re-shares a published report)
        "publish": rule(("reviewed", "published", "withdrawn", "archived"), "reviewer"),
        # the workflow's own publish page only publishes the reviewed report
        "first_publication": rule(("reviewed",), "reviewer"),
        "revise": rule(("published",), "drafter"),
    },
    "workspaces.librarydocument": {
        "change": rule(EDITABLE, "author_member", "owner_manager", "group_adder"),
        "publish": rule(ALL, "owner_manager", "group_adder_owner"),
        # its files are its versions: the core's generic attachments stay with the owner
        "attach": rule((), "owner_member"),
        "attachment_download": rule(ALL, "owner_member"),
    },
    "workspaces.meeting": {
        "change": rule(EDITABLE, "author_member", "owner_manager", "group_adder"),
        "attach": rule(EDITABLE, "author_member", "owner_manager", "group_adder"),
        "publish": rule(ALL, "owner_manager", "group_adder_owner"),
        "reply": rule(ALL, "invited"),
    },
    "returns.returnoperation": {
        # the organiser's contact points (and national administrators) run the operation;
        # the matrix's published operations have their seat offer open
        "organise": rule(EDITABLE, "owner_manager"),
        "participate": rule(("published",), "offered"),
        "report_incident": rule(("published",), "owner_member", "participant"),
        "incident_status": rule(("published",), "incident_party"),
    },
}


def allowed(user: UserFacts, item: ItemFacts, action: str) -> bool:
    """Whether the policy lets a user who sees the item perform the action."""
    table = ACTIONS.get(item.type_slug, {})
    entry = table.get(action) or ACTIONS["*"][action]
    if item.stage not in entry["stages"]:
        return False
    return any(CAPACITIES[who](user, item) for who in entry["who"])


# --- the pages that take an item ----------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """An URL pattern that takes an item: the action it needs, and what its POST sends.

    `get` False: the view answers GET with 405. `post` None: the view takes no POST (405 or
    it ignores the method); otherwise a function (item facts, cast) -> form data.
    `needs` names a condition without which the page does not exist for the item (404).
    """

    action: str
    get: bool = True
    post: object = None
    needs: str | None = None
    pdf: bool = False
    item_type: str | None = None  # in an area of several item types, the one the page takes
    # A capacity that opens the page without reading the item (it shows no content).
    beyond_visibility: str | None = None


def _publish_data(item, cast):
    return {"audience": "network", "marking": "GREEN"}


def _narrow_data(item, cast):
    return {"audience": "owner"}


def _state_data(item, cast):
    return {"state": "archived" if item.stage == "withdrawn" else "withdrawn"}


def _disclosure_data(item, cast):
    return {
        "target_kind": "organisation",
        "target_organisation": cast.es_ncp.organisation_id,
        "purpose": "Joint risk analysis",
    }


def _text(key, value="Matrix check: update"):
    return lambda item, cast: {key: value}


def _attachment_data(item, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.files import png_bytes

    return {"file": SimpleUploadedFile("map.png", png_bytes(), "image/png"), "description": "x"}


def _note_image_data(item, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.files import png_bytes

    return {
        "file": SimpleUploadedFile("stamp.png", png_bytes(), "image/png"),
        "caption": "Stamp",
        "side": "page 7",
        "light_source": "visible",
    }


def _contribution_data(item, cast):
    return {"section": item.children.get("section_pk", ""), "text": "Matrix contribution"}


def _empty(item, cast):
    return {}


def _transition_data(item, cast):
    return {"status": "confirmed"}


def _authorisation_data(item, cast):
    return {"country": "TR", "kind": "overflight", "status": "granted"}


def _version_data(item, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.files import png_bytes

    return {"file": SimpleUploadedFile("v.png", png_bytes(), "image/png"), "note": "x"}


LIBRARY_DOCUMENT = "workspaces.librarydocument"
MEETING = "workspaces.meeting"
PROBLEM = "returns.returnproblem"
OPERATION = "returns.returnoperation"


# URL name -> Page. Every URL pattern whose keywords name a shared item must appear here or
# in NOT_ITEM_PAGES; a test fails for any pattern neither classifies.
ITEM_PAGES = {
    # the core's pages of every item type (`type_slug` + `pk`)
    "sharing:publish": Page("publish", post=_publish_data),
    "sharing:state": Page("withdraw", get=False, post=_state_data),
    "sharing:history": Page("read"),
    "sharing:print": Page("read"),
    "sharing:export_pdf": Page("download", pdf=True),
    "sharing:access_log": Page("owner_log"),
    "sharing:footprint": Page("footprint", beyond_visibility="commission_administrator"),
    "sharing:narrow": Page("publish", get=False, post=_narrow_data),
    "sharing:retention": Page("footprint", beyond_visibility="commission_administrator"),
    "sharing:disclosure_create": Page("request_disclosure", post=_disclosure_data),
    "sharing:attachment_create": Page("attach", get=False, post=_attachment_data),
    "sharing:attachment": Page("attachment_download", needs="attachment_pk"),
    "sharing:recipients": Page("deliveries"),
    "sharing:reply": Page("reply", get=False, post=_text("text")),
    "sharing:links": Page("change", get=False, post=_text("reference", "EWS-0000-XX-0000")),
    "sharing:follow": Page("follow", get=False, post=_text("follow", "1")),
    # alerts
    "alerts:detail": Page("read"),
    "alerts:edit": Page("change", post=_empty),
    "alerts:publish": Page("alert_publish", post=_publish_data),
    "alerts:acknowledge": Page("acknowledge", get=False, post=_empty),
    "alerts:deliveries": Page("deliveries"),  # the core's delivery table at its former address
    # document fraud notes and their images
    "documents:detail": Page("read"),
    "documents:edit": Page("change", post=_empty),
    "documents:image_add": Page("change", get=False, post=_note_image_data),
    "documents:image_redact": Page("change", post=_text("boxes", "1 1 10 10"), needs="image_pk"),
    "documents:image_review": Page("change", get=False, post=_empty, needs="image_pk"),
    "documents:image_delete": Page("change", get=False, post=_empty, needs="image_pk"),
    "documents:image": Page("read", needs="image_pk"),
    "documents:thumbnail": Page("read", needs="image_pk"),
    "documents:original": Page("original", needs="image_pk"),
    "documents:download": Page("download", needs="image_pk"),
    # ILO reports
    "ilo_reports:detail": Page("read"),
    # the contents of the draft (GET only), and one page per section, each saved on its own
    "ilo_reports:edit": Page("change"),
    "ilo_reports:section": Page("change", post=_empty, needs="section_pk"),
    # one page per part with its sections, saved at once
    "ilo_reports:part": Page("change", post=_empty, needs="part"),
    "ilo_reports:contribute": Page("contribute", post=_contribution_data),
    "ilo_reports:incorporate": Page("change", get=False, post=_empty, needs="contribution_pk"),
    # GET: the completeness check; a POST without confirmation of the empty sections goes there
    "ilo_reports:submit": Page("submit", post=_empty),
    "ilo_reports:review": Page("review", get=False, post=_text("comment", "Fine")),
    "ilo_reports:return": Page("return", post=_text("comment", "Please correct")),
    "ilo_reports:publish": Page("first_publication", post=_publish_data),
    "ilo_reports:revise": Page("revise", get=False, post=_empty),
    "ilo_reports:changes": Page("read", needs="previous"),
    # returns: two item types in one area
    "returns:problem_detail": Page("read", item_type=PROBLEM),
    "returns:problem_edit": Page("change", post=_empty, item_type=PROBLEM),
    "returns:operation_detail": Page("read", item_type=OPERATION),
    "returns:operation_edit": Page("change", post=_empty, item_type=OPERATION),
    "returns:offer": Page("organise", post=_empty, item_type=OPERATION),
    "returns:reply": Page("participate", post=_empty, item_type=OPERATION),
    "returns:allocate": Page("organise", get=False, post=_empty, item_type=OPERATION),
    "returns:transition": Page("organise", get=False, post=_transition_data, item_type=OPERATION),
    "returns:authorisation": Page(
        "organise", get=False, post=_authorisation_data, item_type=OPERATION
    ),
    "returns:checklist": Page("organise", get=False, post=_empty, item_type=OPERATION),
    "returns:incident_create": Page("report_incident", post=_empty, item_type=OPERATION),
    "returns:incident_transition": Page(
        "incident_status", get=False, post=_empty, item_type=OPERATION
    ),
    # group workspaces: a library document and its versions, a meeting
    "workspaces:document": Page("read", item_type=LIBRARY_DOCUMENT),
    "workspaces:version_create": Page(
        "change", get=False, post=_version_data, item_type=LIBRARY_DOCUMENT
    ),
    "workspaces:version_download": Page("download", needs="number", item_type=LIBRARY_DOCUMENT),
    "workspaces:meeting": Page("read", item_type=MEETING),
    "workspaces:meeting_edit": Page("change", post=_empty, item_type=MEETING),
    "workspaces:meeting_reply": Page("reply", get=False, post=_empty, item_type=MEETING),
    "workspaces:meeting_minutes": Page("change", get=False, post=_empty, item_type=MEETING),
    "workspaces:meeting_ics": Page("download", item_type=MEETING),
}

# URL patterns of an area's namespace whose `pk` is not a shared item, with what it is.
NOT_ITEM_PAGES = {
    "ilo_reports:network": "an ILO network",
    "ilo_reports:meeting_add": "an ILO network",
    "ilo_reports:compare": "an ILO network",
    "ilo_reports:posting_edit": "an ILO posting",
    "ilo_reports:template_copy": "an ILO report template version",
    "ilo_reports:template_activate": "an ILO report template version",
    "ilo_reports:template_version": "an ILO report template version",
    "ilo_reports:template_section_add": "an ILO report template version",
    "ilo_reports:template_section": "an ILO report template version",
    "ilo_reports:template_section_move": "an ILO report template version",
    "ilo_reports:template_section_remove": "an ILO report template version",
}

# How a view answers an action the user sees but may not perform: 403 everywhere today.
FORBIDDEN_STATUS = 403
HIDDEN_STATUS = 404


def expected_answer(user: UserFacts, item: ItemFacts, page: Page, method: str) -> str:
    """'hidden' (404), 'forbidden' (403), 'method' (405) or 'ok' (200 for a GET, 200 or a
    redirect for a POST)."""
    if method == "GET" and not page.get:
        return "method"
    if page.beyond_visibility and CAPACITIES[page.beyond_visibility](user, item):
        return "ok"
    if not visible(user, item):
        return "hidden"
    if page.needs == "previous" and not item.has_previous:
        return "hidden"
    if not allowed(user, item, page.action):
        return "forbidden"
    return "ok"


STATUS_OF = {"hidden": {404}, "forbidden": {FORBIDDEN_STATUS}, "method": {405}}


def answer_matches(answer: str, method: str, status: int) -> bool:
    if answer == "ok":
        return status == 200 if method == "GET" else status in (200, 302)
    return status in STATUS_OF[answer]
