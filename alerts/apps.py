from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Early-warning alerts")

    def ready(self) -> None:
        from iconet.services.sharing import item_published

        from .models import Alert
        from .services import alert_published

        item_published.connect(alert_published, sender=Alert, dispatch_uid="alerts.published")
