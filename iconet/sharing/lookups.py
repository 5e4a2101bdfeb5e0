"""Lookups the core adds to every model field."""

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    """`field__any_of=values`: `field = ANY(%s)`, the values passed as one array. For the long
    lists of a fan-out (thousands of recipients): `__in` writes one placeholder per value, each
    prepared by the field and parsed by the driver, which costs more than the query itself.
    The values are given as the column holds them (ids, plain strings)."""

    lookup_name = "any_of"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _rhs, rhs_params = self.process_rhs(compiler, connection)
        array_type = self.lhs.output_field.cast_db_type(connection)
        return f"{lhs} = ANY(%s::{array_type}[])", [*lhs_params, *rhs_params]


Field.register_lookup(AnyOf)
# Relations keep lookups of their own (`user__in` compares ids): `user__any_of` takes ids too.
ForeignObject.register_lookup(AnyOf)


class GrantedThrough(Lookup):
    """`pk__granted_through=(grant_model, group_ids)`: the rows that one of the groups holds a
    grant on, written as `pk IN (SELECT content_object_id FROM <grants> WHERE group_id =
    ANY(%s))`. The visibility filter's condition on every list, count and search: as SQL it is
    what a `pk__in=<grants>.values(...)` subquery writes, without building and resolving a
    second queryset each time (most of the filter's cost in Python)."""

    lookup_name = "granted_through"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [value]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        grant_model, groups = self.rhs
        meta = grant_model._meta
        quote = connection.ops.quote_name
        column = quote(meta.get_field("content_object").column)
        group = quote(meta.get_field("group").column)
        sql = (
            f"{lhs} IN (SELECT {column} FROM {quote(meta.db_table)} "
            f"WHERE {group} = ANY(%s::integer[]))"
        )
        return sql, [*lhs_params, list(groups)]


Field.register_lookup(GrantedThrough)
