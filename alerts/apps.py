from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Early-warning alerts")

    def ready(self) -> None:
        from iconet.sharing.declarations import (
            AreaConfig,
            DashboardPanel,
            DashboardTrend,
            Preference,
            register_area,
        )

        from . import selectors
        from .models import DIGEST_ROUTINE

        # The alert's item type is declared on its model (Alert.declaration).
        register_area(
            AreaConfig(
                code="alerts",
                label=_("Early-warning alerts"),
                nav_url="alerts:list",
                order=10,
                dashboard_panels=(
                    DashboardPanel(
                        key="alerts_to_acknowledge",
                        title=_("Alerts awaiting your organisation's acknowledgement"),
                        empty=_("No alert waits for your organisation's acknowledgement."),
                        rows=selectors.awaiting_acknowledgement,
                        list_url="alerts:list?acknowledged=no",
                        list_label=_("All alerts you have not acknowledged"),
                        row_note=selectors.alert_urgency_note,
                        order=20,
                    ),
                ),
                dashboard_trends=(
                    DashboardTrend(
                        key="alerts_by_route",
                        title=_("Alerts by country on the route"),
                        data=selectors.trend_by_route,
                        row_heading=_("Country"),
                        order=10,
                        model="alerts.Alert",
                        counted=selectors.counted_by_route,
                        depends_on=("destination_states",),
                    ),
                    DashboardTrend(
                        key="alerts_by_nationality",
                        title=_("Alerts by nationality of the persons"),
                        data=selectors.trend_by_nationality,
                        row_heading=_("Nationality"),
                        order=20,
                        model="alerts.Alert",
                        counted=selectors.counted_by_nationality,
                        depends_on=("nationalities",),
                    ),
                    DashboardTrend(
                        key="alerts_by_border_type",
                        title=_("Alerts by border type"),
                        data=selectors.trend_by_border_type,
                        row_heading=_("Border type"),
                        order=30,
                        model="alerts.Alert",
                        counted=selectors.counted_by_border_type,
                        depends_on=(),
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
