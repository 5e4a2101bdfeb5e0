from django.apps import AppConfig


class IconetConfig(AppConfig):
    name = "iconet"
    verbose_name = "ICONet core"

    def ready(self) -> None:
        from django.core import checks

        # The worker knows a task once its module is imported (`tasks` below); the core's task
        # modules live in its sub-packages, where autodiscovery (of `iconet.tasks`) does not look.
        from . import signals  # noqa: F401
        from .audit import registry as audit_registry  # noqa: F401
        from .directory import tasks as directory_tasks  # noqa: F401
        from .discussion import tasks as discussion_tasks  # noqa: F401
        from .exports import tasks as export_tasks  # noqa: F401
        from .outbox import tasks as outbox_tasks  # noqa: F401
        from .retention import tasks as retention_tasks  # noqa: F401
        from .search import tasks as search_tasks  # noqa: F401
        from .sharing.access import open_principals, principal_group_ids
        from .sharing.querysets import principals_source_set
        from .sharing.related import relations_audit_by_pk

        principals_source_set(principal_group_ids, open_principals)
        from .dashboard.trends import trends_watch

        trends_watch()
        relations_audit_by_pk()

        from .sharing.registry import check_declarations

        checks.register(check_declarations)

        from django.db.models.signals import post_migrate

        post_migrate.connect(grants_version_triggers, sender=self)

        from django.utils.translation import gettext_lazy as _

        from .dashboard.views import drafts_export_rows
        from .exports.sources import ExportSource, export_source_register
        from .search.views import search_export_rows

        for source in (
            ExportSource(
                name="search", label=_("Search results"), rows=search_export_rows, show_type=True
            ),
            ExportSource(
                name="drafts", label=_("My drafts"), rows=drafts_export_rows, show_type=True
            ),
        ):
            export_source_register(source)


def grants_version_triggers(**kwargs) -> None:
    """After every migrate: the trigger that renews a grant table's token, on every grant
    table of the registered item types (iconet.sharing.counts)."""
    from .sharing.counts import triggers_install
    from .sharing.querysets import grant_model_of
    from .sharing.registry import shared_item_models

    triggers_install(
        [grant_model_of(model)._meta.db_table for model in shared_item_models().values()]
    )
