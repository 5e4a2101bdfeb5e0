"""Models of the shared core."""

from ..attachments.models import Attachment
from ..audit.models import AccessLog, ImmutableRecordError
from ..directory.models.directory import AccessGroup, Area, Country, Organisation, Role, User
from ..outbox.models.notifications import EmailDelivery, Notification
from ..sharing import lookups  # noqa: F401  (registers `__any_of`)
from ..sharing.models import (
    CONTENT_FREE_MARKINGS,
    FOUR_EYES_MARKINGS,
    LOGGED_MARKINGS,
    MARKING_AUDIENCES,
    PUBLISH_REACH,
    Action,
    Audience,
    DisclosureRequest,
    Grant,
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
from ..sharing.querysets import grant_model_of

__all__ = [
    "AccessGroup",
    "AccessLog",
    "Action",
    "Area",
    "Attachment",
    "Audience",
    "CONTENT_FREE_MARKINGS",
    "FOUR_EYES_MARKINGS",
    "MARKING_AUDIENCES",
    "PUBLISH_REACH",
    "Standing",
    "marking_cap_message",
    "Country",
    "ReferenceSequence",
    "DisclosureRequest",
    "EmailDelivery",
    "Grant",
    "ImmutableRecordError",
    "LOGGED_MARKINGS",
    "Language",
    "Marking",
    "Notification",
    "PersonalDataConfirmation",
    "Organisation",
    "Role",
    "SharedItem",
    "State",
    "User",
    "grant_model_for",
    "grant_model_of",
]

from ..directory.models.otp import BackupCode, BackupCodeDevice  # noqa: E402

__all__ += ["BackupCode", "BackupCodeDevice"]

from ..directory.models.administration import (  # noqa: E402
    AccessGroupMember,
    AccessGroupOrganisation,
    Invitation,
    UserSession,
)

__all__ += ["AccessGroupMember", "AccessGroupOrganisation", "Invitation", "UserSession"]

from ..outbox.models.recipients import ItemEscalation, ItemRecipient  # noqa: E402

__all__ += ["ItemEscalation", "ItemRecipient"]

from ..exports.models import ExportJob  # noqa: E402
from ..search.models import SavedSearch, SavedSearchMatch  # noqa: E402

__all__ += ["ExportJob", "SavedSearch", "SavedSearchMatch"]

from ..retention.models import ItemRetention, RetentionRule  # noqa: E402

__all__ += ["ItemRetention", "RetentionRule"]

from ..dashboard.models import TrendAudience, TrendCount, TrendMark, TrendStale, TrendState  # noqa: E402

__all__ += ["TrendAudience", "TrendCount", "TrendMark", "TrendStale", "TrendState"]

from ..directory.models.access_changes import AccessChangeRequest  # noqa: E402

__all__ += ["AccessChangeRequest"]

from ..discussion.models import ItemFollow, ItemLink, ItemReply  # noqa: E402

__all__ += ["ItemFollow", "ItemLink", "ItemReply"]
