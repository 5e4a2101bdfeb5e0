"""Pickers that find: Member States' pickers offer "all EU Member States" and "all Schengen
states" (which work without JavaScript), read in the page's language and its order; the
script that adds typing to find is served by the portal and loaded on every page."""

import re

import pytest
from django import forms
from django.contrib.staticfiles import finders
from django.urls import reverse

from iconet.forms import MemberStatesField
from iconet.models import Country, User
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


class StatesForm(forms.Form):
    states = MemberStatesField(required=False)


def chosen(data) -> set[str]:
    form = StatesForm(data={"states": data})
    assert form.is_valid(), form.errors
    return {country.code for country in form.cleaned_data["states"]}


def test_the_shortcuts_choose_their_states_without_javascript(cast):
    eu = set(Country.objects.filter(is_eu_member=True).values_list("code", flat=True))
    assert chosen(["all-eu"]) == eu and len(eu) == 27
    schengen = chosen(["all-schengen"])
    assert {"NO", "IS", "CH", "LI", "DE", "BG", "RO"} <= schengen
    assert not {"IE", "CY"} & schengen and len(schengen) == 29
    assert chosen(["all-schengen", "IE"]) == schengen | {"IE"}
    assert chosen(["FR"]) == {"FR"}
    assert not StatesForm(data={"states": ["all-nothing"]}).is_valid()


def test_the_member_states_picker_reads_french_in_french_order(cast):
    User.objects.filter(pk=cast.fr_officer.pk).update(language="fr")
    cast.fr_officer.refresh_from_db()
    page = verified_client(cast.fr_officer).get(reverse("alerts:create")).content.decode()
    assert "Tous les États membres de l’UE" in page and "Tous les États Schengen" in page
    assert page.index("Allemagne (DE)") < page.index("Autriche (AT)") < page.index("Suède (SE)")
    assert "Germany" not in page
    boxes = {
        m.group(1): m.group(0) for m in re.finditer(r'<input[^>]*value="([A-Z]{2})"[^>]*>', page)
    }
    assert "data-schengen" in boxes["DE"] and "data-eu" in boxes["DE"]
    assert "data-schengen" not in boxes["IE"] and "data-eu" in boxes["IE"]
    assert "data-schengen" in boxes["NO"] and "data-eu" not in boxes["NO"]
    assert "iconet/js/pickers.js" in page and finders.find("iconet/js/pickers.js")
