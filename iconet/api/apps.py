from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "iconet.api"
    # Its own label keeps its tables and migrations apart from the core's.
    label = "iconet_api"
    verbose_name = _("API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from ..directory.services.access_changes import PART_APPLIERS, Kind, access_changed
        from ..outbox.services.recipients import recipients_told
        from ..sharing.services import publication_listeners
        from .models import ApiClient, WebhookEndpoint
        from .webhooks import (
            access_change_tell,
            awaiting_acknowledgement_tell,
            item_published_tell,
            webhook_endpoint_enable,
        )

        # Who made, rotated or revoked a key and what it may do; the secret's digest stays out.
        auditlog.register(
            ApiClient, exclude_fields=["secret_hash", "last_used_at", "last_used_from"]
        )
        auditlog.register(WebhookEndpoint, exclude_fields=["secret"])
        recipients_told.register(awaiting_acknowledgement_tell)
        publication_listeners.register(item_published_tell)
        access_changed.register(access_change_tell)
        PART_APPLIERS[Kind.WEBHOOK_ENDPOINT] = webhook_endpoint_enable
