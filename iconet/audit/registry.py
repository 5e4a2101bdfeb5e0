"""Which core models django-auditlog records, and which fields it must never copy.

Every model of the portal's apps is either registered (here for the core, in its own
models.py for an area) or named in NOT_AUDITED with the reason; an item type's grant table is
the one exception by construction (see tests/core/test_audit_registry.py).
"""

from auditlog.registry import auditlog

from ..models import (
    AccessChangeRequest,
    AccessGroup,
    AccessGroupMember,
    AccessGroupOrganisation,
    Attachment,
    Country,
    DisclosureRequest,
    ExportJob,
    Invitation,
    ItemEscalation,
    ItemFollow,
    ItemLink,
    ItemRecipient,
    ItemReply,
    ItemRetention,
    Organisation,
    PersonalDataConfirmation,
    RetentionRule,
    SavedSearch,
    User,
)

auditlog.register(Country)
auditlog.register(Organisation)
# Password hashes and sign-in times stay out of the trail entirely (masking hides only half).
auditlog.register(User, exclude_fields=["password", "last_login"])
auditlog.register(AccessGroup, m2m_fields={"organisations", "members"})
# Each membership is its own entry (with its end date and the administrator's reason).
auditlog.register(AccessGroupMember)
auditlog.register(AccessGroupOrganisation)
auditlog.register(DisclosureRequest)
auditlog.register(Attachment)
# Recipient rows: only what the recipient or the escalation changes, never who was told why.
auditlog.register(ItemRecipient, include_fields=["read_at", "acknowledged_at", "escalated"])
auditlog.register(ItemEscalation)
# Exports: who asked for which list and what became of it (the worker's progress is not kept).
auditlog.register(ExportJob, include_fields=["source", "format", "state"])
# Invitations: who invited whom and when the link was used; the token's digest stays out.
auditlog.register(Invitation, exclude_fields=["token_hash"])
# Retention: the Commission's periods and each item's review, hold and decision.
auditlog.register(RetentionRule)
auditlog.register(ItemRetention)
# Changes of access: who asked, who decided and when it took effect (the confirmation token's
# digest stays out).
auditlog.register(AccessChangeRequest, exclude_fields=["confirm_token_hash", "confirm_expires_at"])
# Saved searches: what a user asked to be told of (the matches found are not changes).
auditlog.register(SavedSearch, include_fields=["name", "query", "filters", "frequency"])

# Personal-data confirmations: who kept flagged text on an item, and why (its fingerprints,
# never the text).
auditlog.register(PersonalDataConfirmation)

# The discussion of an item: each reply, shown in the item's history too. Following an item:
# who asked to be told (the cursor of what they were told of is the worker's).
auditlog.register(ItemReply)
auditlog.register(ItemFollow, exclude_fields=["told_up_to"])
# Links between items: who linked which two, by their keys.
auditlog.register(ItemLink)

# The models that are not in the change log, and why. A new model is in neither list until
# someone decides: the registry test fails for it.
NOT_AUDITED = {
    "iconet.AccessLog": "it is the access log itself",
    "iconet.ReferenceSequence": "a counter of references; each reference is on its item",
    "iconet.GrantsVersion": "a token a trigger renews on every change of grants (audited)",
    "iconet.Notification": "a delivery to one user, made by the item's publication (audited)",
    "iconet.EmailDelivery": "a delivery to one user, made by the item's publication (audited)",
    "iconet.BackupCodeDevice": "holds second-factor secrets; its use is in the access log",
    "iconet.BackupCode": "holds second-factor secrets; its use is in the access log",
    "iconet.UserSession": "signing in and out is in the access log; the key is a secret",
    "iconet.SavedSearchMatch": "an item found by a saved search, written by the worker",
    "iconet.TrendAudience": "derived from grant rows: the home page's kept counts",
    "iconet.TrendCount": "derived from audited items: the home page's kept counts",
    "iconet.TrendMark": "derived from audited items: the home page's kept counts",
    "iconet.TrendStale": "a note that an audited item must be counted again",
    "iconet.TrendState": "a token of the kept counts for the cache",
    "ilo_reports.WorkflowEvent": "the report's own timeline; each change of status is audited",
    "ilo_reports.ReminderSent": "the beat job's record of a reminder already sent",
    "iconet_api.IdempotencyKey": "the stored answer to a POST, kept to replay it",
    "ilo_reports.FollowUpReminder": "the beat job's record of a follow-up reminder already sent",
    "iconet_api.WebhookDelivery": "a delivery of an event to an endpoint, like an e-mail's",
}
