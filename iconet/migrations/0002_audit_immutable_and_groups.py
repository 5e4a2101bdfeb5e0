"""Audit records refuse UPDATE and DELETE in the database itself, whatever the code path
(admin, ORM, auditlogflush); and the two network-wide principals exist."""

from django.db import migrations

TABLES = ["iconet_accesslog", "auditlog_logentry"]

FORWARD = """
CREATE OR REPLACE FUNCTION iconet_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records cannot be changed or deleted (table %)', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
DROP TRIGGER IF EXISTS {t}_immutable ON {t};
CREATE TRIGGER {t}_immutable BEFORE UPDATE OR DELETE ON {t}
    FOR EACH ROW EXECUTE FUNCTION iconet_refuse_audit_change();
"""
    for t in TABLES
)

BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {t}_immutable ON {t};" for t in TABLES) + (
    "DROP FUNCTION IF EXISTS iconet_refuse_audit_change();"
)


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ("iconet:public", "iconet:network"):
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("iconet", "0001_initial"),
        ("auditlog", "0017_add_actor_email"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(create_groups, migrations.RunPython.noop),
    ]
