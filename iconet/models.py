"""The app's models module: every model of the core, imported from the sub-package that
defines it, so that Django finds them all and the code imports them from one place."""

from .attachments.models import Attachment
from .audit.models import AccessLog, ImmutableRecordError
from .dashboard.models import TrendAudience, TrendCount, TrendMark, TrendStale, TrendState
from .directory.models.access_changes import AccessChangeRequest
from .directory.models.administration import (
    AccessGroupMember,
    AccessGroupOrganisation,
    Invitation,
    UserSession,
)
from .directory.models.directory import AccessGroup, Area, Country, Organisation, Role, User
from .directory.models.otp import BackupCode, BackupCodeDevice
from .discussion.models import ItemFollow, ItemLink, ItemReply
from .exports.models import ExportJob
from .outbox.models.notifications import EmailDelivery, Notification
from .outbox.models.recipients import ItemEscalation, ItemRecipient
from .retention.models import ItemRetention, RetentionRule
from .search.models import SavedSearch, SavedSearchMatch
from .sharing import lookups  # noqa: F401  (registers `__any_of`)
from .sharing.models import (
    CONTENT_FREE_MARKINGS,
    FOUR_EYES_MARKINGS,
    LOGGED_MARKINGS,
    MARKING_AUDIENCES,
    PUBLISH_REACH,
    Action,
    Audience,
    DisclosureRequest,
    Grant,
    GrantsVersion,
    Language,
    Marking,
    PersonalDataConfirmation,
    ReferenceSequence,
    SharedItem,
    Standing,
    State,
    grant_model_for,
    marking_cap_message,
)
from .sharing.querysets import grant_model_of

__all__ = [
    "AccessChangeRequest",
    "AccessGroup",
    "AccessGroupMember",
    "AccessGroupOrganisation",
    "AccessLog",
    "Action",
    "Area",
    "Attachment",
    "Audience",
    "BackupCode",
    "BackupCodeDevice",
    "CONTENT_FREE_MARKINGS",
    "Country",
    "DisclosureRequest",
    "EmailDelivery",
    "ExportJob",
    "FOUR_EYES_MARKINGS",
    "Grant",
    "GrantsVersion",
    "grant_model_for",
    "grant_model_of",
    "ImmutableRecordError",
    "Invitation",
    "ItemEscalation",
    "ItemFollow",
    "ItemLink",
    "ItemRecipient",
    "ItemReply",
    "ItemRetention",
    "Language",
    "LOGGED_MARKINGS",
    "Marking",
    "MARKING_AUDIENCES",
    "marking_cap_message",
    "Notification",
    "Organisation",
    "PersonalDataConfirmation",
    "PUBLISH_REACH",
    "ReferenceSequence",
    "RetentionRule",
    "Role",
    "SavedSearch",
    "SavedSearchMatch",
    "SharedItem",
    "Standing",
    "State",
    "TrendAudience",
    "TrendCount",
    "TrendMark",
    "TrendStale",
    "TrendState",
    "User",
    "UserSession",
]
