from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IloReportsConfig(AppConfig):
    name = "ilo_reports"
    verbose_name = "ILO network reports"

    def ready(self) -> None:
        from iconet.exports.sources import ExportSource, export_source_register
        from iconet.sharing.declarations import AreaConfig, DashboardPanel, register_area

        from . import selectors

        export_source_register(
            ExportSource(
                name="ilo_reports:synthesis",
                label=_("ILO network reports added up in the semester's synthesis"),
                rows=selectors.synthesis_export_rows,
                fields=("network", "semester", "status"),
            )
        )

        # The report's item type is declared on its model (IloReport.declaration).
        register_area(
            AreaConfig(
                code="ilo",
                label=_("ILO network reports"),
                nav_url="ilo_reports:list",
                order=20,
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
                    DashboardPanel(
                        key="reports_to_review",
                        title=_("ILO network reports waiting for your review"),
                        empty=_("No submitted report waits for review."),
                        rows=selectors.reports_to_review,
                        list_url="ilo_reports:list",
                        list_label=_("All ILO network reports"),
                        row_note=selectors.report_to_review_note,
                        order=51,
                    ),
                    DashboardPanel(
                        key="networks_late",
                        title=_("ILO networks late with their report"),
                        empty=_("Every network has submitted its report."),
                        rows=selectors.networks_late,
                        list_url="ilo_reports:missing",
                        list_label=_("Networks without a report"),
                        note=selectors.networks_late_note,
                        row_note=selectors.network_late_note,
                        order=52,
                    ),
                    DashboardPanel(
                        key="reports_to_open",
                        title=_("ILO network reports for you to open"),
                        empty=_("No report waits to be opened by your service."),
                        rows=selectors.reports_to_open,
                        list_url="ilo_reports:networks",
                        list_label=_("Your ILO networks"),
                        row_note=selectors.report_to_open_note,
                        row_url=selectors.report_to_open_url,
                        order=49,
                    ),
                ),
            )
        )
        from iconet.calendar import calendar_source_register

        calendar_source_register("ilo_reports:meetings", selectors.meetings_on_calendar)
