from django.apps import AppConfig


class IconetConfig(AppConfig):
    name = "iconet"
    verbose_name = "ICONet core"

    def ready(self) -> None:
        from . import administration_tasks, audit_registry, export_tasks, signals  # noqa: F401
        from .access import principal_group_ids
        from .models.querysets import principals_source_set
        from .related import relations_audit_by_pk

        principals_source_set(principal_group_ids)
        relations_audit_by_pk()
