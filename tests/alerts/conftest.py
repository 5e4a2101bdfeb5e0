import datetime

import pytest

from alerts.models import Alert
from iconet.sharing.services import item_create, item_publish


def alert_draft(author, *, destinations=("DE",), transit=(), **fields) -> Alert:
    """A draft alert as the create form leaves it."""
    values = {
        "headline": "Refrigerated lorries on the Balkan route",
        "summary": "Groups of 20–30 hidden in cargo.",
        "period_from": datetime.date(2026, 1, 5),
        "urgency": "immediate",
        "alert_type": "route_change",
        "origin_country": "AF",
        "transit_countries": list(transit),
        **fields,
    }
    alert = item_create(actor=author, item=Alert(**values))
    alert.destination_states.set(destinations)
    return alert


def alert_published(
    author, *, audience="network", marking="AMBER", groups=(), publisher=None, **kwargs
) -> Alert:
    alert = alert_draft(author, **kwargs)
    item_publish(
        actor=publisher or author, item=alert, audience=audience, marking=marking, groups=groups
    )
    return alert


@pytest.fixture
def published(cast):
    """An immediate AMBER alert of France for Germany, via Italy (transit)."""
    return alert_published(cast.fr_ncp, destinations=["DE"], transit=["TR", "IT"])
