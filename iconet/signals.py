"""Authentication events go to the access log (and lockouts to the metrics)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit.services import access_log_write
from .models import AccessLog
from .operations.metrics import lockout_count


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    access_log_write(event=AccessLog.Event.SIGN_IN, request=request, actor=user)
    if request is not None and hasattr(request, "session"):
        from .directory.services.directory import session_track

        session_track(request=request, user=user)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        access_log_write(event=AccessLog.Event.SIGN_OUT, request=request, actor=user)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    access_log_write(
        event=AccessLog.Event.SIGN_IN_FAILED,
        request=request,
        actor=None,
        username=str(credentials.get("username", ""))[:150],
    )


@receiver(user_locked_out, dispatch_uid="iconet.metrics.lockout")
def _locked_out(sender, **kwargs):
    lockout_count()
