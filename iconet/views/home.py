"""The signed-in user's start page."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from ..areas import item_types
from ..dashboard import NewestFirst, dashboard_panels, dashboard_trends, drafts_of, types_of
from ..models import Notification


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
        },
    )


def drafts(request):
    """Every draft of the user across the areas, newest first, by item type if asked."""
    types = types_of(request.user)
    choices = [(model.type_slug(), capfirst(model._meta.verbose_name_plural)) for model in types]
    chosen = request.GET.get("type", "")
    if chosen in dict(choices):
        types = [model for model in types if model.type_slug() == chosen]
    else:
        chosen = ""
    page = Paginator(NewestFirst(drafts_of(request.user, types)), 25).get_page(
        request.GET.get("page")
    )
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
