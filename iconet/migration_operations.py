"""Data steps that the area apps' migrations share."""

from django.db import migrations

from .sharing.querysets import NETWORK_GROUP, OPEN_TO, PUBLIC_GROUP


def grants_open_to_fill(*models: str) -> migrations.RunPython:
    """Set `Grant.open_to` on every grant row of the named grant models ("app.Model") from the
    item's grants to the two open groups, as `grants_sync` keeps it from then on."""

    def fill(apps, schema_editor):
        groups = dict(
            apps.get_model("auth", "Group")
            .objects.filter(name__in=[PUBLIC_GROUP, NETWORK_GROUP])
            .values_list("name", "pk")
        )
        if not groups:
            return  # a new database: no grant yet
        public = groups.get(PUBLIC_GROUP, -1)
        network = groups.get(NETWORK_GROUP, -1)
        for label in models:
            table = schema_editor.quote_name(apps.get_model(label)._meta.db_table)
            schema_editor.execute(
                f"UPDATE {table} AS grant_row SET open_to = item.open_to FROM ("
                "SELECT content_object_id, CASE WHEN bool_or(group_id = %s) THEN %s ELSE %s END"
                f" AS open_to FROM {table} WHERE group_id IN (%s, %s)"
                " GROUP BY content_object_id) AS item"
                " WHERE grant_row.content_object_id = item.content_object_id",
                [public, OPEN_TO[PUBLIC_GROUP], OPEN_TO[NETWORK_GROUP], public, network],
            )

    return migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)
