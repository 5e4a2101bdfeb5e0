from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Early-warning alerts")

    def ready(self) -> None:
        from iconet.areas import AreaConfig, ItemType, Preference, register_area
        from iconet.models import Audience
        from iconet.services.sharing import item_published

        from .models import DIGEST_ROUTINE, Alert
        from .services import alert_publication_recipients, alert_published

        item_published.connect(alert_published, sender=Alert, dispatch_uid="alerts.published")
        register_area(
            AreaConfig(
                code="alerts",
                label=_("Early-warning alerts"),
                nav_url="alerts:list",
                order=10,
                item_types=(
                    ItemType(
                        "alerts.Alert",
                        list_url="alerts:list",
                        detail_url="alerts:detail",
                        search_fields=(
                            ("reference_code", "A"),
                            ("headline", "A"),
                            ("summary", "B"),
                            ("place_of_detection", "C"),
                            ("crossing_point", "C"),
                            ("route_description", "C"),
                            ("concealment_method", "C"),
                            ("recommended_measures", "D"),
                        ),
                        country_field="origin_country",
                        # An alert is addressed to the contact points of its destination and
                        # transit states: the whole network is what lets them read it.
                        publish_audience=Audience.NETWORK,
                        publication_recipients=alert_publication_recipients,
                    ),
                ),
                preferences=(
                    Preference(
                        DIGEST_ROUTINE,
                        _("daily digest for routine alerts"),
                        help_text=_("Immediate alerts are always sent at once."),
                    ),
                ),
            )
        )
