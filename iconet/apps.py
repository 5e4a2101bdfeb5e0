from django.apps import AppConfig


class IconetConfig(AppConfig):
    name = "iconet"
    verbose_name = "ICONet core"

    def ready(self) -> None:
        from . import (  # noqa: F401
            administration_tasks,
            audit_registry,
            discussion_tasks,
            export_tasks,
            retention_tasks,
            search_tasks,
            signals,
        )
        from .access import open_principals, principal_group_ids
        from .models.querysets import principals_source_set
        from .related import relations_audit_by_pk

        principals_source_set(principal_group_ids, open_principals)
        from .trends import trends_watch

        trends_watch()
        relations_audit_by_pk()

        from .services.saved_searches import item_published_receive
        from .services.sharing import item_published

        item_published.connect(item_published_receive, dispatch_uid="iconet.saved_searches")

        from django.utils.translation import gettext_lazy as _

        from .exports import ExportSource, export_source_register
        from .views.home import drafts_export_rows
        from .views.search import search_export_rows

        for source in (
            ExportSource(
                name="search", label=_("Search results"), rows=search_export_rows, show_type=True
            ),
            ExportSource(
                name="drafts", label=_("My drafts"), rows=drafts_export_rows, show_type=True
            ),
        ):
            export_source_register(source)
