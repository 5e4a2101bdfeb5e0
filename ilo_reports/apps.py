from django.apps import AppConfig


class IloReportsConfig(AppConfig):
    name = "ilo_reports"
    verbose_name = "ILO network reports"
