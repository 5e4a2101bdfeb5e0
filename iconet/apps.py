from django.apps import AppConfig


class IconetConfig(AppConfig):
    name = "iconet"
    verbose_name = "ICONet core"

    def ready(self) -> None:
        from . import administration_tasks, audit_registry, signals  # noqa: F401
        from .related import relations_audit_by_pk

        relations_audit_by_pk()
