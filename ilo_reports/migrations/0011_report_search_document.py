"""The stored search vector of reports, kept by triggers.

The searched fields (ilo_reports/apps.py) reach the network's name and the answers' JSON,
which a generated column may not read: a BEFORE trigger computes the vector on every insert and
update of a report, in the configuration of the report's language; a network's rename rewrites
its reports' vectors. Of the answers, the texts and numbers are searched, not the question and
table keys.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations

TRIGGERS = """
CREATE FUNCTION ilo_reports_report_search_document() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    config regconfig := CASE WHEN NEW.language = 'fr'
        THEN 'french'::regconfig ELSE 'english'::regconfig END;
    network_name text;
BEGIN
    SELECT name INTO network_name FROM ilo_reports_network WHERE id = NEW.network_id;
    NEW.search_document :=
        setweight(to_tsvector(config, coalesce(network_name, '')), 'A')
        || setweight(to_tsvector(config, coalesce(NEW.semester, '')), 'A')
        || setweight(
            jsonb_to_tsvector(config, coalesce(NEW.answers, '{}'::jsonb), '["string", "numeric"]'),
            'B'
        )
        || setweight(to_tsvector(config, coalesce(NEW.review_comment, '')), 'C');
    RETURN NEW;
END
$$;

CREATE TRIGGER ilo_reports_report_search_document
BEFORE INSERT OR UPDATE ON ilo_reports_iloreport
FOR EACH ROW EXECUTE FUNCTION ilo_reports_report_search_document();

CREATE FUNCTION ilo_reports_network_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name THEN
        UPDATE ilo_reports_iloreport SET network_id = network_id WHERE network_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ilo_reports_network_renamed
AFTER UPDATE OF name ON ilo_reports_network
FOR EACH ROW EXECUTE FUNCTION ilo_reports_network_renamed();
"""

TRIGGERS_REMOVE = """
DROP TRIGGER IF EXISTS ilo_reports_network_renamed ON ilo_reports_network;
DROP FUNCTION IF EXISTS ilo_reports_network_renamed();
DROP TRIGGER IF EXISTS ilo_reports_report_search_document ON ilo_reports_iloreport;
DROP FUNCTION IF EXISTS ilo_reports_report_search_document();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('iconet', '0012_export_cancelled'),
        ('ilo_reports', '0010_merge_20261202_2138'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='iloreport',
            name='search_document',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='iloreport',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_document'], name='ilo_reports_report_search'),
        ),
        migrations.RunSQL(sql=TRIGGERS, reverse_sql=TRIGGERS_REMOVE),
        # The reports there are get their vector.
        migrations.RunSQL(
            sql="UPDATE ilo_reports_iloreport SET network_id = network_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
