"""Template context shared by every page: the main navigation."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# Area code (as stored on the user), menu label (as in Area's choices), URL name; in menu order.
AREA_LINKS = (
    ("alerts", _("Early-warning alerts"), "alerts:list"),
    ("ilo", _("ILO network reports"), "ilo_reports:list"),
    ("documents", _("Document fraud notes"), "documents:list"),
    ("returns", _("Returns"), "returns:list"),
)


def _reverse_or_none(url_name):
    # An area app may not have its URLs yet; its entry is simply left out.
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _is_verified(user):
    # django-otp's middleware adds is_verified(); until the second factor is passed the
    # menu stays empty, since every page behind it would only send the user back.
    is_verified = getattr(user, "is_verified", None)
    if callable(is_verified):
        return bool(is_verified())
    return True


def navigation(request):
    """Main navigation for the signed-in user: home, their areas, access requests, admin."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not _is_verified(user):
        return {"nav_items": []}

    user_areas = set(getattr(user, "areas", None) or [])
    entries = [(_("Home"), "home")]
    entries += [(label, url_name) for code, label, url_name in AREA_LINKS if code in user_areas]
    entries.append((_("Access requests"), "sharing:disclosures"))
    from .models import Notification

    unread = Notification.objects.unread_visible_count(user)
    entries.append((
        _("Notifications (%(count)s unread)") % {"count": unread} if unread else _("Notifications"), "notifications",
    ))
    entries.append((_("Contact points"), "administration:contact_points"))
    if getattr(user, "is_commission_admin", False) or getattr(user, "is_national_admin", False):
        entries.append((_("Administration"), "administration:index"))

    path = request.path
    nav_items = []
    for label, url_name in entries:
        url = _reverse_or_none(url_name)
        if url is None:
            continue
        # Home is "/" (or the language prefix): only an exact match makes it active.
        active = path == url if url_name == "home" else path.startswith(url)
        nav_items.append({"label": label, "url": url, "active": active})
    # Only the most specific entry is current (the directory sits under /administration/).
    active = [item for item in nav_items if item["active"]]
    current = max(active, key=lambda item: len(item["url"]), default=None)
    for item in nav_items:
        item["active"] = item is current
    return {"nav_items": nav_items}
