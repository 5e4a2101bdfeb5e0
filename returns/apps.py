from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = _("Returns")

    def ready(self) -> None:
        from iconet.areas import AreaConfig, DashboardPanel, ItemType, register_area
        from iconet.models import Audience

        from . import selectors
        from .models import ReturnOperation, ReturnProblem
        from .services import operation_create, problem_create

        register_area(
            AreaConfig(
                code="returns",
                label=_("Returns"),
                nav_url="returns:list",
                order=40,
                item_types=(
                    ItemType(
                        "returns.ReturnProblem",
                        list_url="returns:list",
                        detail_url="returns:problem_detail",
                        form="returns.forms.ReturnProblemForm",
                        create_service=lambda *, actor, item: problem_create(
                            actor=actor, problem=item
                        ),
                        # Read by the network's services, as an alert is.
                        publish_audience=Audience.NETWORK,
                        search_fields=ReturnProblem.SEARCH_FIELDS,
                        country_fields=("country_of_return",),
                    ),
                    ItemType(
                        "returns.ReturnOperation",
                        list_url="returns:operation_list",
                        detail_url="returns:operation_detail",
                        form="returns.forms.ReturnOperationForm",
                        create_service=lambda *, actor, item: operation_create(
                            actor=actor, operation=item
                        ),
                        # Read by the network's services, as an alert is.
                        publish_audience=Audience.NETWORK,
                        search_fields=ReturnOperation.SEARCH_FIELDS,
                    ),
                ),
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
