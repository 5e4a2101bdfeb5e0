"""The filter forms of the item lists: their drop-downs are written without a template per
option (iconet.forms.QuickSelect) and read exactly as Django's templates write them."""

import re

import pytest
from django.http import QueryDict

from iconet.exports.sources import _list_view_class
from iconet.forms import quick_selects
from iconet.sharing.registry import item_types

pytestmark = pytest.mark.django_db


def filter_forms() -> list:
    found = []
    for _config, item_type in item_types():
        view = _list_view_class(item_type.list_url)
        if view is not None and view.filter_form_class is not None:
            found.append(pytest.param(view.filter_form_class, id=item_type.list_url))
    return found


def html(text: str) -> str:
    return re.sub(r">\s+<", "><", text.strip())


@pytest.mark.parametrize("form_class", filter_forms())
@pytest.mark.parametrize("query", ["", "sort=reference&origin_country=FR&urgency=nonsense"])
def test_a_list_filter_reads_the_same_with_its_quick_drop_downs(cast, form_class, query):
    data = QueryDict(query) if query else None
    plain = form_class(data, user=cast.de_ncp)
    quick = quick_selects(form_class(data, user=cast.de_ncp))
    if data is not None:
        plain.is_valid(), quick.is_valid()
    selects = [
        name for name, field in quick.fields.items() if type(field.widget).__name__ == "QuickSelect"
    ]
    assert selects
    for name in quick.fields:
        assert html(str(quick[name])) == html(str(plain[name])), name
