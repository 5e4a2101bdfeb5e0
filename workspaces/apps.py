from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = _("Group workspaces")

    def ready(self) -> None:
        from iconet.areas import AreaConfig, ItemType, register_area
        from iconet.calendar import calendar_source_register
        from iconet.models import Audience

        from . import selectors
        from .models import LibraryDocument, Meeting

        register_area(
            AreaConfig(
                code="workspaces",
                label=_("Group workspaces"),
                nav_url="workspaces:home",
                order=60,
                item_types=(
                    ItemType(
                        "workspaces.LibraryDocument",
                        list_url="workspaces:documents",
                        detail_url="workspaces:document",
                        # A group's documents are read by the group.
                        publish_audience=Audience.GROUPS,
                        search_fields=LibraryDocument.SEARCH_FIELDS,
                        # Its files are its versions, added on its own page.
                        takes_attachments=False,
                    ),
                    ItemType(
                        "workspaces.Meeting",
                        list_url="workspaces:meetings",
                        detail_url="workspaces:meeting",
                        publish_audience=Audience.GROUPS,
                        search_fields=Meeting.SEARCH_FIELDS,
                    ),
                ),
            )
        )
        calendar_source_register("workspaces:meetings", selectors.meetings_on_calendar)
