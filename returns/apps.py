from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = _("Returns")

    def ready(self) -> None:
        from iconet.sharing.declarations import AreaConfig, DashboardPanel, register_area

        from . import selectors

        # Its two item types are declared on their models (ReturnProblem.declaration,
        # ReturnOperation.declaration).
        register_area(
            AreaConfig(
                code="returns",
                label=_("Returns"),
                nav_url="returns:list",
                order=40,
                dashboard_panels=(
                    DashboardPanel(
                        key="seat_offers",
                        title=_("Seat offers open to your Member State"),
                        empty=_("No joint return operation offers seats to your Member State."),
                        rows=selectors.seat_offers_open,
                        list_url="returns:operation_list",
                        list_label=_("All return operations"),
                        row_note=selectors.offer_deadline_note,
                        order=40,
                    ),
                ),
            )
        )
        from iconet.calendar import calendar_source_register

        calendar_source_register("returns:operations", selectors.operations_on_calendar)
