"""Template context shared by every page: the main navigation."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .sharing.declarations import registered_areas


def area_links(user) -> list[tuple[Any, str]]:
    """(label, URL name) of the user's areas, as the area apps registered them, in order."""
    return [
        (config.label, config.nav_url)
        for config in registered_areas()
        if user.has_area(config.code)
    ]


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

    entries = [(_("Home"), "home")]
    entries += area_links(user)
    entries.append((_("Access requests"), "sharing:disclosures"))
    from .models import Notification

    unread = Notification.objects.unread_visible_count(user)
    entries.append(
        (
            _("Notifications (%(count)s unread)") % {"count": unread}
            if unread
            else _("Notifications"),
            "notifications",
        )
    )
    entries.append((_("Contact points"), "administration:contact_points"))
    if getattr(user, "is_commission_admin", False) or getattr(user, "is_national_admin", False):
        entries.append((_("Administration"), "administration:index"))

    path = request.path
    nav_items = []
    for label, url_name in entries:
        url = reverse(url_name)
        # Home is "/" (or the language prefix): only an exact match makes it active.
        active = path == url if url_name == "home" else path.startswith(url)
        nav_items.append({"label": label, "url": url, "active": active})
    # Only the most specific entry is current (the directory sits under /administration/).
    active = [item for item in nav_items if item["active"]]
    current = max(active, key=lambda item: len(item["url"]), default=None)
    for item in nav_items:
        item["active"] = item is current
    return {"nav_items": nav_items}
