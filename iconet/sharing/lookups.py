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
