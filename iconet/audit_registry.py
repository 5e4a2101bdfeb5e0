"""Which core models django-auditlog records, and which fields it must never copy."""

from auditlog.registry import auditlog

from .models import (
    AccessGroup,
    AccessGroupMember,
    AccessGroupOrganisation,
    Attachment,
    Country,
    DisclosureRequest,
    ExportJob,
    ItemEscalation,
    ItemRecipient,
    Organisation,
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
