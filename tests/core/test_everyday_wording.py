"""Small wording and state faults a new user meets: what a page says after signing out, after
typing a code twice, and in the dates of mails and image marks."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import verified_client
from tests.core.test_search import SEARCHED
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_signing_out_says_you_are_signed_out(cast):
    client = verified_client(cast.fr_officer)
    response = client.post(reverse("accounts:logout"), follow=True)
    assert response.status_code == 200
    assert "You are signed out." in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # and is


def test_a_code_typed_twice_says_it_was_used_and_to_wait_for_the_next(cast):
    device = TOTPDevice.objects.create(user=cast.de_ncp, name="phone", confirmed=True)
    code = f"{totp(device.bin_key):06d}"
    first = Client()
    first.post(reverse("accounts:login"), {"username": cast.de_ncp.username, "password": PASSWORD})
    assert first.post(reverse("accounts:otp_verify"), {"token": code}).status_code == 302
    second = Client()
    second.post(reverse("accounts:login"), {"username": cast.de_ncp.username, "password": PASSWORD})
    page = second.post(reverse("accounts:otp_verify"), {"token": code}).content.decode()
    assert "already used" in page and "wait for the next code" in page
    assert "too many attempts" not in page
    wrong = second.post(reverse("accounts:otp_verify"), {"token": "000000"}).content.decode()
    if code != "000000":
        assert "not valid" in wrong and "already used" not in wrong


def test_the_error_summary_reads_as_a_sentence_for_a_box_left_unticked():
    from django.template.loader import render_to_string

    from iconet.directory.forms import ConfirmedReasonForm

    form = ConfirmedReasonForm(data={"reason": "Asked by the service's head"})
    assert not form.is_valid()
    html = render_to_string("partials/form.html", {"form": form})
    assert "for this.:" not in html
    assert "Tick the box “I have checked the identity of the person who asked for this”" in html
    empty = ConfirmedReasonForm(data={"confirm": "on"})
    assert not empty.is_valid()
    summary = render_to_string("partials/form.html", {"form": empty})
    assert f"{empty['reason'].label.rstrip('.:')}: {empty.errors['reason'][0]}" in summary


@pytest.mark.parametrize("slug", [slug for slug, _type in SEARCHED])
def test_a_search_snippet_of_a_sparse_item_is_not_a_row_of_ellipses(slug, cast):
    from iconet.search.services import SearchFilters, search
    from tests.core.test_search import text_field
    from tests.items import item_make

    item_type = dict(SEARCHED)[slug]
    item = item_make(slug, author=cast.fr_officer, **{text_field(item_type): "Quorblex route"})
    hit = next(
        h for h in search(cast.fr_ncp, SearchFilters(text="quorblex")).hits if h.item == item
    )
    assert "<mark>Quorblex</mark>" in hit.snippet
    assert "… …" not in hit.snippet and not hit.snippet.startswith("…"), hit.snippet


def test_an_image_without_side_or_caption_shows_no_dash_and_no_stray_bullet(
    cast, settings, tmp_path
):
    from documents.models import NoteImage
    from iconet.models import State
    from tests.items import note_in_stage

    settings.MEDIA_ROOT = tmp_path
    note = note_in_stage(author=cast.fr_officer, manager=cast.fr_ncp, stage=State.PUBLISHED)
    NoteImage.objects.filter(note=note).update(side="", caption="")
    light = NoteImage.objects.filter(note=note).first().get_light_source_display()
    client = verified_client(cast.de_ncp)
    for url in (note.get_absolute_url(), reverse("documents:gallery")):
        page = client.get(url).content.decode()
        assert str(light) in page, url
        assert "— ·" not in page and "<br> ·" not in page and "<br>· " not in page, url
        assert "</strong> · <br>" not in page, url
