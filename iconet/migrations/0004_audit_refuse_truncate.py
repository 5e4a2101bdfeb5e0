"""Audit records also refuse TRUNCATE (a statement-level trigger: the row-level ones of 0002
never fire for it), so `TRUNCATE` and `auditlogflush --truncate` cannot empty the trail.

A trigger only binds roles that cannot drop or disable it: in production the portal connects
as a role that owns neither these tables nor their triggers (see docker-compose.yml and the
README); where that role exists, it also loses UPDATE, DELETE and TRUNCATE on them."""

from django.db import migrations

TABLES = ["iconet_accesslog", "auditlog_logentry"]
APP_ROLE = "iconet_app"

FORWARD = "".join(
    f"""
DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};
CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
    FOR EACH STATEMENT EXECUTE FUNCTION iconet_refuse_audit_change();
"""
    for t in TABLES
) + f"""
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON {", ".join(TABLES)} FROM {APP_ROLE};
    END IF;
END
$$;
"""

BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};" for t in TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("iconet", "0003_accesslog_otp_reset"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
