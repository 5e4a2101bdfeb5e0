from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IloReportsConfig(AppConfig):
    name = "ilo_reports"
    verbose_name = "ILO network reports"

    def ready(self) -> None:
        from iconet.areas import AreaConfig, DashboardPanel, ItemType, register_area
        from iconet.services.sharing import item_published

        from . import selectors
        from .models import IloReport
        from .services import report_published

        item_published.connect(report_published, sender=IloReport, dispatch_uid="ilo.published")

        register_area(
            AreaConfig(
                code="ilo",
                label=_("ILO network reports"),
                nav_url="ilo_reports:list",
                order=20,
                item_types=(
                    ItemType(
                        "ilo_reports.IloReport",
                        list_url="ilo_reports:list",
                        detail_url="ilo_reports:detail",
                        search_fields=(
                            ("network__name", "A"),
                            ("semester", "A"),
                            ("answers", "B"),
                            ("review_comment", "C"),
                        ),
                        country_fields=("network__host_country",),
                    ),
                ),
                dashboard_panels=(
                    DashboardPanel(
                        key="reports_due",
                        title=_("ILO network reports due"),
                        empty=_("No report you can see is waiting to be submitted."),
                        rows=selectors.reports_due,
                        list_url="ilo_reports:list",
                        list_label=_("All ILO network reports"),
                        note=selectors.reports_due_note,
                        row_note=selectors.report_status_note,
                        order=50,
                    ),
                ),
            )
        )
