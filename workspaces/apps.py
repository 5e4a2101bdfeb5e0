from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = _("Group workspaces")

    def ready(self) -> None:
        from iconet.calendar import calendar_source_register
        from iconet.sharing.declarations import AreaConfig, register_area

        from . import selectors

        # Its two item types are declared on their models (LibraryDocument.declaration,
        # Meeting.declaration).
        register_area(
            AreaConfig(
                code="workspaces",
                label=_("Group workspaces"),
                nav_url="workspaces:home",
                order=60,
            )
        )
        calendar_source_register("workspaces:meetings", selectors.meetings_on_calendar)
