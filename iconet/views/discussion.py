"""The discussion of any shared item and following it: a reply, follow, stop following.

Every registered item type has them at the core's addresses; the item is found through the
visibility filter (out of scope is 404), then asked whether the user may act (403)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import get_item_for_action
from ..forms import ReplyForm
from ..models import Action
from ..registry import item_model_or_404
from ..services import discussion as services
from .steps import workflow_step


@require_POST
def reply_create(request, type_slug, pk):
    item = get_item_for_action(item_model_or_404(type_slug), request.user, pk, Action.REPLY)
    form = ReplyForm(request.POST)
    back = item.get_absolute_url() + "#discussion"
    if not form.is_valid():
        messages.error(request, _("Write the reply before sending it."))
        return redirect(back)
    return workflow_step(
        request,
        lambda: services.item_reply_add(
            actor=request.user, item=item, text=form.cleaned_data["text"]
        ),
        _("Reply added."),
        back,
    )


@require_POST
def follow_set(request, type_slug, pk):
    """Follow the item (`follow=1`) or stop following it (anything else)."""
    item = get_item_for_action(item_model_or_404(type_slug), request.user, pk, Action.FOLLOW)
    back = item.get_absolute_url() + "#discussion"
    if request.POST.get("follow") == "1":
        return workflow_step(
            request,
            lambda: services.item_follow(actor=request.user, item=item),
            _("You follow %(ref)s: you will be told when it changes.") % {"ref": item.reference},
            back,
        )
    return workflow_step(
        request,
        lambda: services.item_unfollow(actor=request.user, item=item),
        _("You no longer follow %(ref)s.") % {"ref": item.reference},
        back,
    )
