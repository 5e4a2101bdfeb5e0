"""The interface's language is the user's choice, saved on the account: the switcher and the
account page set it, every browser the user signs in with follows it, and the e-mails and
notifications sent to the user are written in it."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from iconet.models import EmailDelivery, Notification, User
from tests.alerts.conftest import alert_published
from tests.conftest import verified_client
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def speaks_french(response) -> bool:
    page = response.content.decode()
    return '<html lang="fr"' in page and "Accueil" in page


def test_a_french_user_signs_in_on_a_fresh_browser_and_reads_french(cast):
    User.objects.filter(pk=cast.de_ncp.pk).update(language="fr")
    device = TOTPDevice.objects.create(user=cast.de_ncp, name="phone", confirmed=True)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en")  # a browser that asks for English
    assert not speaks_french(browser.get(reverse("accounts:login")))

    signed_in = browser.post(
        reverse("accounts:login"), {"username": cast.de_ncp.username, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert browser.cookies["django_language"].value == "fr"
    verify = browser.get(reverse("accounts:otp_verify"))
    assert '<html lang="fr"' in verify.content.decode()
    browser.post(reverse("accounts:otp_verify"), {"token": f"{totp(device.bin_key):06d}"})
    assert speaks_french(browser.get(reverse("home")))
    assert speaks_french(browser.get(reverse("alerts:list")))

    # Another browser, with no cookie at all: French as soon as the session is signed in.
    assert speaks_french(verified_client(User.objects.get(pk=cast.de_ncp.pk)).get(reverse("home")))


def test_the_e_mails_and_notifications_of_a_french_user_are_in_french(cast):
    User.objects.filter(pk=cast.de_ncp.pk).update(language="fr")
    alert = alert_published(cast.fr_ncp, destinations=["DE"], transit=["IT"])

    french = EmailDelivery.objects.get(key=f"alert:{alert.pk}:user:{cast.de_ncp.pk}")
    english = EmailDelivery.objects.get(key=f"alert:{alert.pk}:user:{cast.it_ncp.pk}")
    assert french.subject.startswith("[TLP:AMBER] Alerte ICONet"), french.subject
    assert english.subject.startswith("[TLP:AMBER] ICONet"), english.subject
    assert french.body != english.body
    assert alert.reference in french.body
    notification = Notification.objects.get(recipient=cast.de_ncp, object_id=alert.pk)
    assert notification.title.startswith(f"Alerte TLP:AMBER {alert.reference}"), notification.title


def test_the_language_chosen_on_the_account_page_is_kept(cast):
    client = verified_client(cast.fr_officer)
    page = client.get(reverse("accounts:security")).content.decode()
    assert 'action="/i18n/setlang/"' in page and 'id="language-fr"' in page

    response = client.post(
        reverse("set_language"), {"language": "fr", "next": reverse("accounts:security")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:security")
    assert User.objects.get(pk=cast.fr_officer.pk).language == "fr"
    page = client.get(reverse("accounts:security")).content.decode()
    assert "Votre langue est enregistrée" in page or 'lang="fr"' in page
    assert 'id="language-fr" checked' in page

    # The choice is on the account, not in this browser: a new session reads French too.
    assert speaks_french(verified_client(User.objects.get(pk=cast.fr_officer.pk)).get("/"))

    # And the language switcher changes it back.
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert User.objects.get(pk=cast.fr_officer.pk).language == "en"
    assert not speaks_french(verified_client(User.objects.get(pk=cast.fr_officer.pk)).get("/"))


def test_a_session_before_the_second_factor_changes_only_the_cookie(cast):
    client = Client()
    client.force_login(cast.fr_officer)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert User.objects.get(pk=cast.fr_officer.pk).language == ""
