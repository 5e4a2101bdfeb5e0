"""The Celery application shared by the web process, the worker and beat."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iconet.settings")

app = Celery("iconet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
