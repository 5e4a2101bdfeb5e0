"""Settings, read from the environment (12-factor) with secure defaults.

ICONET_ENV selects the mode: "production" (the default: a missing secret fails at start and
every transport is secured) or "development" (what `make run` and `make test` write into
var/services.env, next to the addresses of the services they found or started).
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .operations.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# `make run` and `make test` describe the services they found or started in var/services.env;
# a deployment that sets ICONET_ENV itself never reads that file (no development secret leaks
# into production), and the process environment always wins over it.
if "ICONET_ENV" not in os.environ:
    environ.Env.read_env(BASE_DIR / "var" / "services.env", overwrite=False)

ICONET_ENV = env.str("ICONET_ENV", default="production")
if ICONET_ENV not in {"production", "development"}:
    raise environ.ImproperlyConfigured(
        f"ICONET_ENV must be production or development, not {ICONET_ENV!r}"
    )
PRODUCTION = ICONET_ENV == "production"

# A missing secret in production fails loudly here: there is no default for it.
SECRET_KEY = (
    env.str("DJANGO_SECRET_KEY")
    if PRODUCTION
    else env.str(
        "DJANGO_SECRET_KEY",
        default="development-only-key-never-used-in-production-0123456789abcdef",
    )
)
DEBUG = env.bool("DJANGO_DEBUG", default=False) and not PRODUCTION
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"]
)
# The portal's public address, in every link of a mail: required in production, where a silent
# default would send links to 127.0.0.1.
SITE_URL = (
    env.str("SITE_URL") if PRODUCTION else env.str("SITE_URL", default="http://127.0.0.1:8000")
).rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "guardian",
    "axes",
    "csp",
    "django_countries",
    "iconet",
    # After iconet: iconet's `auditlogflush` (which refuses) replaces the library's command.
    "auditlog",
    "alerts",
    "ilo_reports",
    "documents",
    "returns",
    "workspaces",
    "rest_framework",
    "drf_spectacular",
    "iconet.api",
]

MIDDLEWARE = [
    # First: the request id, the request's log line and its metrics cover every other layer.
    "iconet.middleware.RequestObservedMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so that static files keep their long cache lifetime.
    "iconet.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "iconet.middleware.IdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "iconet.middleware.NulBytesRefusedMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The language saved on the signed-in user's account wins over the browser's.
    "iconet.middleware.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "iconet.middleware.SecondFactorRequiredMiddleware",
    "iconet.middleware.SessionLastSeenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Axes wants to be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "iconet.urls"
WSGI_APPLICATION = "iconet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "iconet.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/iconet"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "iconet",
    }
}

AUTH_USER_MODEL = "iconet.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "iconet.directory.backends.UserWithOrganisationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after inactivity (use renews the window) and on sign-out.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
# The expiry slides with use (iconet.middleware.IdleTimeoutMiddleware), written at most once a
# minute rather than on every request.
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Repeated failed sign-ins lock the pair of account and address for a while.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

OTP_TOTP_ISSUER = "ICONet"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_TOTP_TOLERANCE = 1

# Visibility is decided by iconet.sharing.access over guardian's direct foreign-key tables, never by
# `user.has_perm(perm, obj)`, so guardian's authentication backend is deliberately not hooked.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
# One date format per language, with the zone's abbreviation on every time (iconet/formats).
FORMAT_MODULE_PATH = ["iconet.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production the portal serves static files straight from the source folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# `manage.py backup` and `restore` use the pg_dump and pg_restore of the server's version, found
# in Debian's /usr/lib/postgresql/NN/bin, on PATH, or in this directory
# (iconet/operations/backup.py).
ICONET_PG_BIN_DIR = env.str("ICONET_PG_BIN_DIR", default="")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Limits of the safe-file pipeline (iconet/files/pipeline.py) for every attachment and image.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
ATTACHMENT_MAX_PIXELS = env.int("ATTACHMENT_MAX_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Django's SMTP backend with RFC 5321's end-of-DATA wait (iconet/outbox/mail.py).
EMAIL_BACKEND = "iconet.outbox.mail.EmailBackend"
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
# STARTTLS to the relay in production (the relay must offer it); the local sinks of `make run`
# and the tests speak plain SMTP on loopback.
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=PRODUCTION)
# Seconds to wait for the relay's answer to each SMTP command (and to connect); the reply to
# the end of DATA, after which a relay may already hold the message, is awaited for
# EMAIL_DATA_TIMEOUT instead (RFC 5321 4.5.3.2.6: 10 minutes).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_DATA_TIMEOUT = env.int("EMAIL_DATA_TIMEOUT", default=600)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ICONet <no-reply@iconet.europa.eu>")

# Celery: a task is acknowledged only once it ran, so a worker that dies loses nothing; the
# pending-work sweep (beat) hands over again whatever the broker never delivered.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Priorities on the Redis transport: 0 (urgent alerts) is taken before 6 (routine mail).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "priority_steps": [0, 3, 6, 9]}
CELERY_TASK_DEFAULT_PRIORITY = 6
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="iconet")
# A worker child (prefork) whose resident memory passed this many KiB after a task is replaced
# by a fresh one: Python keeps the arenas of a large export's rows for the process, so without it
# the child would keep its peak and the next export start from there. A child idles at ~100 MiB.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=160_000)
CELERY_TIMEZONE = TIME_ZONE
# The periodic jobs of beat: the core's outbox sweep and each area's reminders and escalations.
# /health/background/ calls the worker down when no worker wrote its heartbeat (every 10 s) for
# this long, beat down when the outbox sweep (every 30 s) has not run for this long, and the
# outbox stuck when an e-mail due for delivery has waited this long.
HEALTH_WORKER_MAX_AGE_SECONDS = env.int("HEALTH_WORKER_MAX_AGE_SECONDS", default=45)
HEALTH_BEAT_MAX_AGE_SECONDS = env.int("HEALTH_BEAT_MAX_AGE_SECONDS", default=180)
HEALTH_OUTBOX_MAX_AGE_MINUTES = env.int("HEALTH_OUTBOX_MAX_AGE_MINUTES", default=15)

CELERY_BEAT_SCHEDULE = {
    # Often, so that a claim abandoned by a dead worker is released soon after its lease ends.
    "sweep-pending-email": {"task": "iconet.tasks.email_sweep_pending", "schedule": 30.0},
    "sweep-webhooks": {"task": "iconet.api.tasks.webhooks_sweep", "schedule": 30.0},
    # Followers of an item are told of its changes within a minute, in one message per item.
    "followers-tell": {"task": "iconet.discussion_tasks.followers_tell", "schedule": 60.0},
    "alerts-escalate-overdue": {"task": "alerts.tasks.alerts_escalate_overdue", "schedule": 60.0},
    "alerts-daily-digest": {
        "task": "alerts.tasks.alerts_digest_send",
        "schedule": crontab(hour=7, minute=0),
    },
    "ilo-networks-sync-members": {
        "task": "ilo_reports.tasks.networks_sync_members",
        "schedule": 3600.0,
    },
    "ilo-report-reminders": {
        "task": "ilo_reports.tasks.report_reminders_send",
        "schedule": 6 * 3600.0,
    },
    "ilo-follow-up-reminders": {
        "task": "ilo_reports.tasks.follow_up_reminders_send",
        "schedule": 6 * 3600.0,
    },
    "saved-searches-sweep": {
        "task": "iconet.search_tasks.saved_searches_sweep",
        "schedule": 900.0,
    },
    "saved-searches-digest": {
        "task": "iconet.search_tasks.saved_searches_digest_send",
        "schedule": crontab(hour=7, minute=15),
    },
    "memberships-expire": {
        "task": "iconet.administration_tasks.memberships_expire",
        "schedule": 3600.0,
    },
    "memberships-remind": {
        "task": "iconet.administration_tasks.memberships_remind",
        "schedule": crontab(hour=6, minute=0),
    },
    "exports-sweep-pending": {
        "task": "iconet.export_tasks.exports_sweep_pending",
        "schedule": 60.0,
    },
    "exports-purge": {"task": "iconet.export_tasks.exports_purge", "schedule": 3600.0},
    "retention-reviews": {
        "task": "iconet.retention_tasks.retention_reviews_run",
        "schedule": crontab(hour=5, minute=30),
    },
}
# An invitation link lets the invited user choose a password for this long.
ICONET_INVITATION_VALID_HOURS = env.int("ICONET_INVITATION_VALID_HOURS", default=72)
# Managers of an access group are reminded this many days before a membership ends.
ICONET_MEMBERSHIP_REMINDER_DAYS = env.int("ICONET_MEMBERSHIP_REMINDER_DAYS", default=14)
# Retention: days a due review waits for the owner's contact points before it goes to the
# national administrators, and days more before the item is archived unanswered.
RETENTION_ESCALATION_DAYS = env.int("RETENTION_ESCALATION_DAYS", default=30)
RETENTION_ARCHIVE_AFTER_DAYS = env.int("RETENTION_ARCHIVE_AFTER_DAYS", default=30)
ICONET_DELIVERY_MAX_ATTEMPTS = env.int("ICONET_DELIVERY_MAX_ATTEMPTS", default=8)
# First retry delay of a temporary failure (doubled at each attempt, capped at 30 min).
ICONET_DELIVERY_RETRY_SECONDS = env.int("ICONET_DELIVERY_RETRY_SECONDS", default=15)
# A worker's claim on a row lasts this long; it must outlast one message's send (EMAIL_TIMEOUT
# per SMTP command; a relay slow to answer the end of DATA renews it for EMAIL_DATA_TIMEOUT), and
# with the 30 s sweep bounds how late a row abandoned by a dead worker goes.
ICONET_DELIVERY_LEASE_SECONDS = env.int("ICONET_DELIVERY_LEASE_SECONDS", default=90)
# Exports of lists (iconet.exports.sources): up to EXPORT_SYNC_LIMIT rows (EXPORT_SYNC_LIMIT_PDF
# for a PDF, whose layout costs far more per row) download at once, larger ones are made by the
# worker;
# a user has at most EXPORT_MAX_ACTIVE_PER_USER of those waiting or in progress and asks for at
# most EXPORT_MAX_PER_HOUR an hour, a PDF holds at most EXPORT_PDF_MAX_ROWS rows, and a finished
# file is kept for
# EXPORT_RETENTION_HOURS. A job whose lease (renewed every EXPORT_CHUNK_ROWS rows, when the
# worker also sees whether its owner cancelled it) ends is handed over again by the sweep, as is
# one still waiting after EXPORT_PENDING_GRACE_SECONDS.
EXPORT_SYNC_LIMIT = env.int("EXPORT_SYNC_LIMIT", default=200)
EXPORT_SYNC_LIMIT_PDF = env.int("EXPORT_SYNC_LIMIT_PDF", default=25)
EXPORT_MAX_ACTIVE_PER_USER = env.int("EXPORT_MAX_ACTIVE_PER_USER", default=3)
EXPORT_MAX_PER_HOUR = env.int("EXPORT_MAX_PER_HOUR", default=20)
EXPORT_PDF_MAX_ROWS = env.int("EXPORT_PDF_MAX_ROWS", default=5000)
EXPORT_RETENTION_HOURS = env.int("EXPORT_RETENTION_HOURS", default=24)
EXPORT_LEASE_SECONDS = env.int("EXPORT_LEASE_SECONDS", default=300)
# Saved searches one user may keep: each one is run at every publication (iconet.search.tasks).
SAVED_SEARCHES_PER_USER = 50
EXPORT_PENDING_GRACE_SECONDS = env.int("EXPORT_PENDING_GRACE_SECONDS", default=120)
EXPORT_MAX_ATTEMPTS = env.int("EXPORT_MAX_ATTEMPTS", default=3)
EXPORT_CHUNK_ROWS = env.int("EXPORT_CHUNK_ROWS", default=100)

# Settings of the areas; the areas read them as `settings.X` when they need them.
# Alerts: an immediate alert still unacknowledged by a recipient organisation after this many
# minutes is escalated to that organisation's contact points.
ALERTS_ESCALATION_MINUTES = env.int("ALERTS_ESCALATION_MINUTES", default=120)
# ILO reports: days after the end of a semester by which its report is due; days before that
# deadline on which the chair is reminded (comma-separated in the environment); the access
# group whose members review reports beside the Commission administrators.
ILO_REPORT_DUE_DAYS = env.int("ILO_REPORT_DUE_DAYS", default=30)
ILO_REPORT_REMINDER_DAYS = tuple(env.list("ILO_REPORT_REMINDER_DAYS", cast=int, default=[14, 3]))
ILO_REVIEWER_GROUP = env.str("ILO_REVIEWER_GROUP", default="ILO report reviewers")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Docker's and the load balancer's health checks ask over plain HTTP inside the network.
    # So does Prometheus, with its bearer token, on the internal network.
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# /metrics/ (Prometheus): answered only to a bearer token of at least 32 characters, and only
# from these networks when any is given (comma-separated CIDRs); with no token it does not exist.
# Several gunicorn workers share their counts through PROMETHEUS_MULTIPROC_DIR
# (iconet/operations/metrics.py).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise environ.ImproperlyConfigured("METRICS_TOKEN must have at least 32 characters")
METRICS_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(network, strict=False))  # a typo fails at start, not at a scrape
    for network in env.list("METRICS_ALLOWED_NETWORKS", default=[])
]

# One line per event, JSON in production (LOG_FORMAT=json), readable text in development;
# the request line and the context of every line: iconet/operations/logging.py.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))

# The REST API (iconet/api): keys of API clients only, JSON only, a rate per client.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["iconet.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["iconet.api.permissions.IsApiClient"],
    "DEFAULT_THROTTLE_CLASSES": ["iconet.api.permissions.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_client": API_RATE_LIMIT},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "iconet.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ICONet API",
    "DESCRIPTION": "Items of the network, read and written under the owners' disclosure rule.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SECURITY": [{"ApiKey": []}],
    "APPEND_COMPONENTS": {"securitySchemes": {"ApiKey": {"type": "http", "scheme": "bearer"}}},
    "AUTHENTICATION_WHITELIST": [],
    "ENUM_NAME_OVERRIDES": {"CountryCodeEnum": "iconet.api.declaration.country_codes"},
}
