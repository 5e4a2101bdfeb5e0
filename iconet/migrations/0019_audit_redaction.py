"""The audit trail stays immutable but for one narrow, one-way change: when an item is deleted at
the end of its retention, `iconet_audit_redact` blanks the content its change-log entries and
access-log details hold (values, texts, the title in an entry's label), and nothing else: who,
what, when and from where stay. The trigger lets an UPDATE through only inside that function
and only when it leaves every other column as it was; UPDATE, DELETE and TRUNCATE stay refused
otherwise. The function runs with its owner's rights, so the portal's role (which has no UPDATE
on these tables in production) can call it and do nothing else."""

from django.db import migrations


REFUSE = """
CREATE OR REPLACE FUNCTION iconet_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('iconet.audit_redaction', true) = 'on' THEN
        IF TG_TABLE_NAME = 'auditlog_logentry' THEN
            IF (to_jsonb(NEW) - ARRAY['object_repr', 'changes', 'changes_text',
                                      'serialized_data', 'additional_data'])
               = (to_jsonb(OLD) - ARRAY['object_repr', 'changes', 'changes_text',
                                        'serialized_data', 'additional_data'])
               AND position(NEW.object_repr in OLD.object_repr) = 1
               AND NEW.changes = '{}'::jsonb AND NEW.changes_text = ''
               AND NEW.serialized_data IS NULL AND NEW.additional_data IS NULL THEN
                RETURN NEW;
            END IF;
        ELSIF TG_TABLE_NAME = 'iconet_accesslog' THEN
            IF (to_jsonb(NEW) - 'detail') = (to_jsonb(OLD) - 'detail') AND NEW.detail = '' THEN
                RETURN NEW;
            END IF;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit records cannot be changed or deleted (table %)', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

ORIGINAL = """
CREATE OR REPLACE FUNCTION iconet_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records cannot be changed or deleted (table %)', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

REDACT = """
CREATE OR REPLACE FUNCTION iconet_audit_redact(
    p_content_type integer, p_object_pks text[], p_label text
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    entries integer;
    reads integer;
BEGIN
    PERFORM set_config('iconet.audit_redaction', 'on', true);
    UPDATE auditlog_logentry
       SET object_repr = CASE WHEN p_label <> '' AND position(p_label in object_repr) = 1
                              THEN p_label ELSE '' END,
           changes = '{}'::jsonb, changes_text = '', serialized_data = NULL,
           additional_data = NULL
     WHERE content_type_id = p_content_type AND object_pk = ANY(p_object_pks);
    GET DIAGNOSTICS entries = ROW_COUNT;
    UPDATE iconet_accesslog SET detail = ''
     WHERE content_type_id = p_content_type AND object_id::text = ANY(p_object_pks)
       AND detail <> '';
    GET DIAGNOSTICS reads = ROW_COUNT;
    PERFORM set_config('iconet.audit_redaction', 'off', true);
    RETURN entries + reads;
END;
$$;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'iconet_app') THEN
        GRANT EXECUTE ON FUNCTION iconet_audit_redact(integer, text[], text) TO iconet_app;
    END IF;
END
$$;
"""

UNREDACT = "DROP FUNCTION IF EXISTS iconet_audit_redact(integer, text[], text);"


class Migration(migrations.Migration):
    dependencies = [
        ("iconet", "0018_merge_trend_counts"),
    ]

    operations = [
        migrations.RunSQL(REFUSE, ORIGINAL),
        migrations.RunSQL(REDACT, UNREDACT),
    ]
