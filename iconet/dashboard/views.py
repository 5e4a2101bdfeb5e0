"""The signed-in user's start page."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from ..directory.services.access_changes import may_read_register, requests_waiting_for
from ..exports.sources import export_offer
from ..models import Notification
from ..sharing.registry import item_types
from .panels import (
    NewestFirst,
    dashboard_panels,
    dashboard_trends,
    drafts_of,
    types_of,
)


def home(request):
    user = request.user
    panels = []
    for config, item_type in item_types():
        if not user.has_area(config.code):
            continue
        model = item_type.model
        panels.append(
            {
                "title": capfirst(model._meta.verbose_name_plural),
                "url": reverse(item_type.list_url),
                "count": model.objects.visible_to(user).count(),
                "description": config.label,
            }
        )
    notifications = Notification.objects.for_reader(user)[:10]
    return render(
        request,
        "home.html",
        {
            "panels": panels,
            "notifications": notifications,
            "work": dashboard_panels(user),
            "trends": dashboard_trends(user),
            "access_requests": requests_waiting_for(user),
            "register_readable": may_read_register(user),
        },
    )


def drafts_listed(user, params) -> tuple[NewestFirst, list[tuple[str, str]], str]:
    """The user's drafts newest first, of the kind `params` asks for if it is one of theirs;
    the kinds offered; the kind chosen."""
    types = types_of(user)
    choices = [(model.type_slug(), capfirst(model._meta.verbose_name_plural)) for model in types]
    chosen = params.get("type", "")
    if chosen in dict(choices):
        types = [model for model in types if model.type_slug() == chosen]
    else:
        chosen = ""
    return NewestFirst(drafts_of(user, types)), choices, chosen


def drafts_export_rows(user, params) -> NewestFirst:
    """The rows of an export of My drafts (the export source "drafts", iconet.apps)."""
    return drafts_listed(user, params)[0]


def drafts(request):
    """Every draft of the user across the areas, newest first, by item type if asked."""
    rows, choices, chosen = drafts_listed(request.user, request.GET)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.type_label = capfirst(row._meta.verbose_name)
    return render(
        request,
        "drafts.html",
        {
            "page_obj": page,
            "drafts": page.object_list,
            "types": choices,
            "chosen": chosen,
            "export": export_offer(request, "drafts") if page.paginator.count else None,
        },
    )


@require_POST
def notification_open(request, pk):
    notification = get_object_or_404(Notification.objects.for_reader(request.user), pk=pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    return redirect(notification.shown_url or "notifications")


def notification_list(request):
    """Every notification of the user, newest first."""
    notifications = Notification.objects.for_reader(request.user)
    page = Paginator(notifications, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications.html",
        {
            "notifications": page.object_list,
            "page_obj": page,
            "unread": Notification.objects.unread_visible_count(request.user),
        },
    )


@require_POST
def notifications_read(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("notifications")
