"""The example client of docs/api.md, run as written against a live portal."""

import re
from pathlib import Path

import pytest

from tests.api.conftest import api_key_make
from tests.items import item_make

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def example_code() -> str:
    (code,) = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    return code


@pytest.mark.django_db(transaction=True)
def test_the_documented_client_reads_what_its_organisation_may(cast, live_server):
    namespace: dict = {}
    exec(compile(example_code(), str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    mine = [item_make("alerts.alert", author=cast.fr_ncp, audience="owner") for _ in range(3)]
    red = item_make("alerts.alert", author=cast.fr_ncp, audience="owner", marking="RED")
    hidden = item_make("alerts.alert", author=cast.de_ncp, audience="owner")
    _c, key = api_key_make(cast.fr_officer.organisation)

    rows = namespace["changed_alerts"](live_server.url, key, "2000-01-01T00:00:00Z")
    assert {row["id"] for row in rows} == {i.pk for i in [*mine, red]}
    assert hidden.pk not in {row["id"] for row in rows}
    (red_row,) = [row for row in rows if row["id"] == red.pk]
    assert red_row["title"] is None
    full = namespace["alert_read"](live_server.url, key, red_row)
    assert full["title"] == red.title and full["sections"]
