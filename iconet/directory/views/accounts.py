"""Sign-in, the second factor (TOTP with one-time backup codes), and account security."""

from datetime import timedelta

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ...audit.services import access_log_write, client_address
from ...models import AccessLog, BackupCodeDevice, User
from ...outbox.services.notify import email_enqueue, user_language
from ...sharing.declarations import preferences_offered
from ..models.administration import token_digest
from ..services.directory import user_language_set, user_preferences_set


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text=gettext_lazy("The 6-digit code shown by your authenticator app."),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip().replace(" ", "")


def _next_url(request) -> str:
    """Where to go after a step: a path of this portal, else the home page. Only a path is
    taken: `redirect` would read a bare word as the name of a URL pattern."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    )
    if safe and target.startswith("/") and "\x00" not in target:
        return target
    return reverse("home")


# Password-reset requests per hour: for one e-mail address (one account), and from one client
# address. Beyond them the page answers as always, and no mail is sent.
PASSWORD_RESETS_PER_EMAIL = 3
PASSWORD_RESETS_PER_CLIENT = 10


class OutboxPasswordResetForm(PasswordResetForm):
    """Password-reset mail goes through the outbox like every other mail: a mail server that is
    down delays it (the sweep retries), it does not fail the page.

    Every request is written to the access log, which is also what limits them: nobody floods
    an account's mailbox or tries address after address. The answer never says whether the
    address is known or whether a limit was reached."""

    def save(self, *args, request=None, **kwargs):
        email = self.cleaned_data["email"]
        since = timezone.now() - timedelta(hours=1)
        recent = AccessLog.objects.filter(
            event=AccessLog.Event.PASSWORD_RESET,
            created_at__gte=since,
        )
        address = client_address(request)
        per_email = recent.filter(username__iexact=email[:150]).count()
        per_client = recent.filter(remote_addr=address).count() if address is not None else 0
        limited = per_email >= PASSWORD_RESETS_PER_EMAIL or per_client >= PASSWORD_RESETS_PER_CLIENT
        access_log_write(
            event=AccessLog.Event.PASSWORD_RESET,
            request=request,
            username=email[:150],
            detail="limit reached: no mail sent" if limited else "",
        )
        if not limited:
            super().save(*args, request=request, **kwargs)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        with translation.override(user_language(context["user"])):
            subject = "".join(render_to_string(subject_template_name, context).splitlines())
            body = render_to_string(email_template_name, context)
        email_enqueue(
            # The key names the link by its digest: the outbox never holds the link itself.
            key=f"password-reset:{context['user'].pk}:{token_digest(context['token'])[:32]}",
            recipient=context["user"],
            subject=subject,
            body=body,
            secret=True,
        )


def language_set(request):
    """Django's `set_language` (the cookie and the redirect), and for a signed-in user the
    choice saved on the account: their pages and e-mails follow it from then on."""
    response = set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    user = request.user
    if (
        user.is_authenticated
        and user.is_verified()
        and language in dict(settings.LANGUAGES)
        and response.status_code in (302, 303)
    ):
        user_language_set(user=user, language=language)
        with translation.override(language):
            messages.success(
                request, _("Your language is saved: the portal and your e-mails use it.")
            )
    return response


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """Signs out and says so on the sign-in page it leads to."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are signed out."))
        return response


def _code_already_used(user, token: str) -> bool:
    """Whether `token` is the authenticator's current code, refused only because it was
    used already (django-otp refuses a code twice): the user must wait for the next one."""
    from django_otp.oath import TOTP

    if not token.isdigit():
        return False
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        if clock.verify(int(token), device.tolerance) and (
            device.last_t is not None
            and not clock.verify(int(token), device.tolerance, device.last_t + 1)
        ):
            return True
    return False


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """First sign-in: enrol an authenticator app by QR code, then receive backup codes."""
    if request.user.is_verified():
        return redirect("accounts:security")
    if (
        any(True for _ in devices_for_user(request.user, confirmed=True))
        and not request.user.is_verified()
    ):
        return redirect("accounts:otp_verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name=_("Authenticator app"), confirmed=False
        )
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save()
                backup, _created = BackupCodeDevice.objects.get_or_create(
                    user=request.user, defaults={"name": "Backup codes"}
                )
                request.session["fresh_backup_codes"] = backup.codes_regenerate()
            otp_login(request, device)
            # A new session id once the second factor holds, as at the password step: an id
            # seen before this point (fixation, a shared machine) never reaches the portal.
            request.session.cycle_key()
            access_log_write(event=AccessLog.Event.OTP_ENROLLED, request=request)
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(f"{reverse('accounts:backup_codes')}?next={_next_url(request)}")
        access_log_write(event=AccessLog.Event.OTP_FAILED, request=request, detail="enrolment")
        form.add_error(
            "token",
            _("That code is not valid. Check the time on your phone and try the current code."),
        )
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, title=_("QR code for your authenticator app")
    )
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(svg),
            "secret_b32": _b32(device),
            "issuer": "ICONet",
            "next": _next_url(request),
        },
    )


def _b32(device: TOTPDevice) -> str:
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """Every sign-in: a code from the authenticator app, or one backup code."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()  # as at the password step (see otp_setup)
            access_log_write(
                event=AccessLog.Event.OTP_VERIFIED, request=request, detail=type(device).__name__
            )
            if isinstance(device, BackupCodeDevice):
                messages.warning(
                    request,
                    _("You used a backup code; %(n)s remain.") % {"n": device.codes.count()},
                )
            return redirect(_next_url(request))
        access_log_write(event=AccessLog.Event.OTP_FAILED, request=request)
        if _code_already_used(request.user, form.cleaned_data["token"]):
            message = _(
                "That code was already used: wait for the next code of your authenticator "
                "app, then type it."
            )
        else:
            message = _(
                "That code is not valid, or too many attempts were made: "
                "wait a moment and try again."
            )
        form.add_error("token", message)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def backup_codes(request):
    """Show freshly generated backup codes once; POST generates a new set."""
    if request.method == "POST":
        backup, _created = BackupCodeDevice.objects.get_or_create(
            user=request.user, defaults={"name": "Backup codes"}
        )
        request.session["fresh_backup_codes"] = backup.codes_regenerate()
        access_log_write(event=AccessLog.Event.BACKUP_CODES, request=request)
        return redirect("accounts:backup_codes")
    codes = request.session.pop("fresh_backup_codes", None)
    return render(
        request, "accounts/backup_codes.html", {"codes": codes or [], "next": _next_url(request)}
    )


class NotificationPreferencesForm(forms.Form):
    """One checkbox per preference declared by the areas the user has
    (iconet.sharing.declarations)."""

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = preferences_offered(user)
        for row in self.rows:
            self.fields[row.area.preference_field(row.preference)] = forms.BooleanField(
                label=row.preference.label,
                help_text=row.preference.help_text,
                required=False,
                initial=row.value,
            )

    def values(self) -> dict[str, dict[str, bool]]:
        values: dict[str, dict[str, bool]] = {}
        for row in self.rows:
            field = row.area.preference_field(row.preference)
            values.setdefault(row.area.code, {})[row.preference.key] = self.cleaned_data[field]
        return values


@require_http_methods(["GET", "POST"])
def security(request):
    """What protects the account (devices, backup codes) and how it is notified."""
    preferences = NotificationPreferencesForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
    )
    if request.method == "POST" and preferences.is_valid():
        user_preferences_set(user=request.user, values=preferences.values())
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("accounts:security")
    devices = []
    for device in devices_for_user(request.user, confirmed=None):
        if isinstance(device, BackupCodeDevice):
            continue
        devices.append(
            {
                "name": device.name,
                "kind": _("Authenticator app"),
                "confirmed": device.confirmed,
                "last_used": getattr(device, "last_used_at", None),
            }
        )
    backup = BackupCodeDevice.objects.filter(user=request.user).first()
    return render(
        request,
        "accounts/security.html",
        {
            "devices": devices,
            "backup_codes_left": backup.codes.count() if backup else 0,
            "preferences": preferences if preferences.fields else None,
        },
    )
