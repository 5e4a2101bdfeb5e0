"""The discussion of any shared item and following it: a reply, follow, stop following.

Every registered item type has them at the core's addresses; the item is found through the
visibility filter (out of scope is 404), then asked whether the user may act (403)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ..models import Action
from ..sharing.access import get_item_for_action
from ..sharing.registry import item_model_or_404, shared_item_models
from ..sharing.views.steps import workflow_step
from . import services
from .forms import ReplyForm


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


# What a list's bulk form may do to the items ticked, with the action the item's policy must
# allow for it.
BULK_ACTIONS = {
    "follow": Action.FOLLOW,
    "unfollow": Action.FOLLOW,
    "archive": Action.WITHDRAW,
}
BULK_LIMIT = 200


@require_POST
def items_bulk(request):
    """Follow, stop following or archive the items ticked on a list (`item`: "slug:pk"), each
    through the service a single item's button calls. Items the user may not read are not
    found; those the action is not theirs to take are left as they are, and counted."""
    from ..models import State
    from ..sharing.services import item_state_set

    action = request.POST.get("action", "")
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    if action not in BULK_ACTIONS:
        messages.error(request, _("Choose what to do with the ticked items."))
        return redirect(back)
    wanted: dict[str, list[int]] = {}
    for value in request.POST.getlist("item")[:BULK_LIMIT]:
        slug, _sep, pk = value.partition(":")
        if pk.isdigit() and slug in shared_item_models():
            wanted.setdefault(slug, []).append(int(pk))
    done, refused = [], 0
    for slug, pks in wanted.items():
        model = shared_item_models()[slug]
        for item in model.objects.visible_to(request.user).filter(pk__in=pks).order_by("pk"):
            if not item.allows(request.user, BULK_ACTIONS[action]):
                refused += 1
                continue
            try:
                if action == "follow":
                    services.item_follow(actor=request.user, item=item)
                elif action == "unfollow":
                    services.item_unfollow(actor=request.user, item=item)
                elif item.state in (State.PUBLISHED, State.WITHDRAWN):
                    item_state_set(actor=request.user, item=item, state=State.ARCHIVED)
                else:
                    refused += 1
                    continue
            except ValidationError:
                refused += 1
                continue
            done.append(item.reference)
    if done:
        messages.success(request, BULK_DONE[action](done))
    if refused:
        messages.warning(
            request,
            ngettext(
                "%(count)s ticked item was left as it is: this is not yours to do with it.",
                "%(count)s ticked items were left as they are: this is not yours to do with them.",
                refused,
            )
            % {"count": refused},
        )
    if not done and not refused:
        messages.error(request, _("Tick the items first."))
    return redirect(back)


def _refs(done: list[str]) -> dict:
    return {"count": len(done), "refs": ", ".join(done)}


BULK_DONE = {
    "follow": lambda done: (
        ngettext("You follow %(refs)s.", "You follow %(count)s more items: %(refs)s.", len(done))
        % _refs(done)
    ),
    "unfollow": lambda done: (
        ngettext(
            "You no longer follow %(refs)s.",
            "You no longer follow %(count)s items: %(refs)s.",
            len(done),
        )
        % _refs(done)
    ),
    "archive": lambda done: (
        ngettext("%(refs)s is archived.", "%(count)s items are archived: %(refs)s.", len(done))
        % _refs(done)
    ),
}


@require_POST
def link_set(request, type_slug, pk):
    """Link the item to another by its reference (`reference`), or remove a link (`remove`)."""
    item = get_item_for_action(item_model_or_404(type_slug), request.user, pk, Action.CHANGE)
    back = item.get_absolute_url() + "#item-links"
    remove = request.POST.get("remove", "")
    if remove.isdigit():
        return workflow_step(
            request,
            lambda: services.item_link_remove(actor=request.user, item=item, link_pk=int(remove)),
            _("Link removed."),
            back,
        )
    reference = request.POST.get("reference", "")[:64]
    return workflow_step(
        request,
        lambda: services.item_link_add(actor=request.user, item=item, reference=reference),
        _("Link added."),
        back,
    )
