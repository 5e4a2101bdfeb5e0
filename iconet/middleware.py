"""Every page needs a signed-in user who passed the second factor, except the few below."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

# URL names reachable without a verified second factor (sign-in and password reset).
OPEN_URL_NAMES = frozenset(
    {
        "accounts:login",
        "accounts:password_reset",
        "accounts:password_reset_done",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
        "invitation_accept",  # the one-time link of an invited user, who has no password yet
        "email_confirm",  # the one-time link sent to a new address, shows only that address
        # a calendar program's read of a user's meetings by its secret, revocable address
        "workspaces:feed",
        "set_language",  # sets the language cookie and redirects; shows nothing
        "health_live",  # up or down for the load balancer and docker, no data
        "health_ready",
        "health_background",
        "metrics",  # Prometheus: a bearer token of its own (operations.views.metrics), no data
    }
)
# URL namespaces whose views authenticate every request by a key of their own (the API's
# clients, iconet.api), never by a session: they answer 401 themselves without one.
KEY_AUTHENTICATED_NAMESPACES = frozenset({"api"})
# Reachable once signed in with a password, before the second factor.
SECOND_FACTOR_URL_NAMES = frozenset(
    {"accounts:otp_setup", "accounts:otp_verify", "accounts:logout"}
)


def url_name(request) -> str:
    match = request.resolver_match
    return match.view_name if match else ""


def has_confirmed_device(user) -> bool:
    from django_otp import devices_for_user

    return any(True for _ in devices_for_user(user, confirmed=True))


class SecondFactorRequiredMiddleware:
    """Placed after django-otp's OTPMiddleware, which sets `request.user.is_verified()`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        name = url_name(request)
        if name in OPEN_URL_NAMES or request.path.startswith(settings.STATIC_URL):
            return None
        if name.partition(":")[0] in KEY_AUTHENTICATED_NAMESPACES and ":" in name:
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
        if user.is_verified():
            return None
        if name in SECOND_FACTOR_URL_NAMES:
            return None
        target = "accounts:otp_verify" if has_confirmed_device(user) else "accounts:otp_setup"
        return redirect(f"{reverse(target)}?next={request.path}")


class NulBytesRefusedMiddleware:
    """A NUL byte in a query or form value is never meant, and PostgreSQL refuses it in any
    string: the request answers 400 (the portal's page) before a view sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.core.exceptions import SuspiciousOperation

        sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
        for data in sources:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise SuspiciousOperation("NUL byte in a request parameter")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages, exports and attachments carry restricted content: no browser or proxy keeps a
    copy (`Cache-Control: no-store, private`), unless a view chose its own caching. Static
    files are served before this middleware (WhiteNoise) or skipped here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        static = request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        if not static and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response


SAME_SITE_FETCH = frozenset({"same-origin", "none"})


def is_same_site_navigation(request) -> bool:
    """Did the user open this page from the portal itself or by typing or opening a link
    (Sec-Fetch-Site "same-origin" or "none")? Without that header (older browsers), the
    Referer must be one of our pages. A page that another site makes the browser load (an
    image, a frame, a link on a foreign page) is not a reading by the user."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in SAME_SITE_FETCH
    referer = request.headers.get("Referer")
    if not referer:
        return False
    from urllib.parse import urlsplit

    return urlsplit(referer).netloc == request.get_host()


class IdleTimeoutMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE) slides with use: a session in use has its expiry
    pushed forward at most once every SESSION_RENEW_SECONDS, rather than written on every
    request. A session therefore ends between SESSION_COOKIE_AGE less SESSION_RENEW_SECONDS and
    SESSION_COOKIE_AGE after its last request, never later."""

    RENEWED_AT = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            import time

            now = int(time.time())
            if now - session.get(self.RENEWED_AT, 0) >= settings.SESSION_RENEW_SECONDS:
                session[self.RENEWED_AT] = now  # marks it modified: saved with a new expiry
        return response


class SessionLastSeenMiddleware:
    """Keeps "last seen" of the user's tracked session (Your sessions page) within a few minutes,
    at the cost of one UPDATE per session every LAST_SEEN_EVERY seconds."""

    LAST_SEEN_EVERY = 300

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and session is not None and session.session_key:
            import time

            now = int(time.time())
            if now - session.get("_last_seen_mark", 0) >= self.LAST_SEEN_EVERY:
                from django.utils import timezone

                from .models import UserSession

                UserSession.objects.filter(session_key=session.session_key, user=user).update(
                    last_seen_at=timezone.now(),
                )
                session["_last_seen_mark"] = now
        return response


class UserLanguageMiddleware:
    """After authentication: a signed-in user reads the portal in the language saved on the
    account (the language switcher and the account page set it), whatever the browser or an
    old cookie says; the language cookie follows it, so the sign-in page after signing out
    speaks it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self.saved_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # Read again: the request may have signed the user in or out, or changed the choice.
        language = self.saved_language(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    @staticmethod
    def saved_language(request) -> str:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        return user.language if translation.check_for_language(user.language) else ""


# URL keywords that carry a secret (an invitation or password-reset link): masked in the log.
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})
PATH_LOGGED_MAX = 300


def view_label(request) -> str:
    """The URL name of the request (never its path, which names items): the metrics' label."""
    match = request.resolver_match
    if match is not None:
        return match.view_name
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


def path_logged(request) -> str:
    """The path without its query string, secrets of the URL masked, bounded in length."""
    path = request.path
    match = request.resolver_match
    if match is not None:
        for key, value in match.kwargs.items():
            if key in SECRET_URL_KWARGS and value:
                path = path.replace(str(value), "<secret>")
    return path[:PATH_LOGGED_MAX]


def secret_path_masked(request) -> None:
    """Mask the secret of a one-time link in the request's path as the lockout library reads
    it (it writes the path of a sign-in into its log line and its table)."""
    request.META["PATH_INFO"] = path_logged(request)


def identity(request) -> tuple[int | None, int | None]:
    """The signed-in user's id and organisation id, if authentication ran for this request."""
    from django.utils.functional import empty

    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None, None  # nothing asked who the user is: not asked here either
    if not user.is_authenticated:
        return None, None
    return user.pk, getattr(user, "organisation_id", None)


class RequestObservedMiddleware:
    """First of all: gives the request its id (a sane incoming X-Request-ID, else a new one),
    holds it for every log line and Celery task of the request, returns it in the response,
    counts the request in the metrics and writes its one log line (method, path without the
    query string, URL name, status, duration, user and organisation ids)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import logging
        import time

        from .operations.logging import (
            log_context_bound,
            log_context_update,
            request_id_from,
            request_observed_mark,
        )
        from .operations.metrics import request_observe

        started = time.perf_counter()
        method = request.method[:10]
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        request_observed_mark(request)
        with log_context_bound(request_id=request_id):
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            user_id, organisation_id = identity(request)
            if user_id is not None:
                log_context_update(user_id=user_id, organisation_id=organisation_id)
            view = view_label(request)
            status = response.status_code
            try:
                request_observe(view=view, method=method, status=status, seconds=seconds)
            except Exception:  # noqa: BLE001 - a metric never breaks a request
                pass
            # A health check answering 503 reports the state it checks (a worker not yet
            # started, a database down): a warning, not a fault of the portal.
            level = (
                logging.ERROR
                if status >= 500 and not view.startswith("health_")
                else logging.WARNING
                if status >= 500
                else logging.WARNING
                if status >= 400
                else logging.INFO
            )
            path = path_logged(request)
            logging.getLogger("iconet.request").log(
                level,
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "method": method,
                    "path": path,
                    "view": view,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        from .operations.logging import log_context_update

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:  # the next middleware asks it anyway
            log_context_update(
                user_id=user.pk, organisation_id=getattr(user, "organisation_id", None)
            )
        return None
