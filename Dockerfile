# The ICONet image: web (gunicorn), Celery worker and beat all run from it (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango for WeasyPrint (PDF rendering); the PostgreSQL client programs of the server's major
# version for `manage.py backup` and `restore` (pg_dump refuses a newer server; Debian bookworm
# ships 15, so they come from the PostgreSQL project's Debian repository). PG_MAJOR follows the
# postgres image of docker-compose.yml.
ARG PG_MAJOR=16
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        ca-certificates postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
# (pyproject.toml declares no packages: this installs the pinned dependencies; the code runs
# from /app.) No extra: the development tooling's dependencies (the "dev" extra) stay out.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# collectstatic needs importable settings, not real services or secrets: these values exist
# only for this build step.
RUN ICONET_ENV=production \
    DJANGO_SECRET_KEY=collectstatic-only \
    DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    SITE_URL=https://build.invalid \
    python manage.py collectstatic --noinput

RUN useradd --system --no-create-home --home-dir /app iconet \
    && mkdir -p /app/var/media /app/var/backups /app/var/beat \
    && chown -R iconet:iconet /app/var
USER iconet

EXPOSE 8000
CMD ["gunicorn", "iconet.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
