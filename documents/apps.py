from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Document fraud notes")

    def ready(self) -> None:
        from iconet.sharing.declarations import AreaConfig, register_area

        # The note's item type is declared on its model (DocumentNote.declaration).
        register_area(
            AreaConfig(
                code="documents",
                label=_("Document fraud notes"),
                nav_url="documents:list",
                order=30,
            )
        )
