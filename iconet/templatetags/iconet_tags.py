"""Small template helpers shared by every area: query strings, pagination, markings, forms,
charts."""

from django import template
from django.utils.translation import gettext_lazy as _

from ..models import Action

register = template.Library()


@register.simple_tag
def bar_chart(chart, labelledby):
    """The SVG of an `iconet.dashboard.charts.bar_chart`, named by the element `labelledby`."""
    from ..dashboard.charts import svg_of

    return svg_of(chart, labelledby)


@register.simple_tag
def bar_chart_horizontal(chart, labelledby):
    """The SVG of an `iconet.dashboard.charts.bar_chart_horizontal`, named by `labelledby`."""
    from ..dashboard.charts import svg_of_horizontal

    return svg_of_horizontal(chart, labelledby)


@register.simple_tag
def error_line(field, error) -> str:
    """A line of a form's error summary, written as a sentence: "Label: error", where a label
    that is itself a sentence loses its full stop, and an unticked required box says so."""
    from django import forms

    label = str(field.label or "").rstrip()
    if isinstance(field.field.widget, forms.CheckboxInput) and str(error) == str(
        field.field.error_messages.get("required", "")
    ):
        return _("Tick the box “%(label)s”") % {"label": label.rstrip(".")}
    return f"{label.rstrip('.:')}: {error}" if label else str(error)


@register.filter
def to_acknowledge(rows) -> bool:
    """Whether a list holds an item the user received and has not acknowledged yet."""
    return any(
        getattr(row, "is_recipient", False) and not getattr(row, "acknowledged_by_me", True)
        for row in rows
    )


@register.filter
def moment(value, zone=None) -> str:
    """A moment written in the portal's one format: in Brussels time, or in `zone` (a meeting's
    own time zone), with its zone."""
    from ..dates import moment_shown

    return moment_shown(value, zone or None) if value else ""


@register.filter
def day(value) -> str:
    """A date, or the day of a moment in Brussels, written in the portal's one format."""
    from ..dates import date_shown

    return date_shown(value) if value else ""


@register.filter
def filled_rows(rows):
    """The (label, value) rows of a read-only section that hold a value, dates and times
    written in the portal's one format: a sparse item does not print each empty field."""
    from ..dates import shown

    return [
        (label, shown(value))
        for label, value in rows
        if value is not None and value != "" and value != []
    ]


# FIRST TLP 2.0 labels. The CSS class carries the colour; the text carries the meaning.
MARKING_CLASSES = {
    "RED": "tlp-red",
    "AMBER+STRICT": "tlp-amber-strict",
    "AMBER": "tlp-amber",
    "GREEN": "tlp-green",
    "CLEAR": "tlp-clear",
}

MARKING_EXPLANATIONS = {
    "RED": _("For the eyes and ears of individual recipients only. No further disclosure."),
    "AMBER+STRICT": _(
        "Limited disclosure: recipients may share this only within their own organisation."
    ),
    "AMBER": _(
        "Limited disclosure: recipients may share this within their organisation and "
        "with its clients, on a need-to-know basis only."
    ),
    "GREEN": _(
        "Limited disclosure: recipients may share this within the community of the "
        "network, but not through publicly accessible channels."
    ),
    "CLEAR": _("Disclosure is not limited: this information may be shared without restriction."),
}


@register.simple_tag
def url_replace(request, **kwargs):
    """Return the current query string with the given parameters replaced.

    The result has no leading "?": write ``href="?{% url_replace request page=2 %}"``.
    A value of None removes the parameter. The output is escaped by the template engine,
    so "&" correctly becomes "&amp;" inside an attribute.
    """
    query = request.GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.simple_tag
def page_links(page_obj, on_each_side=2, on_ends=1):
    """Return the page numbers to show for page_obj, with gaps marked as ellipses.

    Each entry is a dict: {"number": int or None, "current": bool, "gap": bool}.
    """
    paginator = page_obj.paginator
    links = []
    for number in paginator.get_elided_page_range(
        page_obj.number, on_each_side=on_each_side, on_ends=on_ends
    ):
        if isinstance(number, int):
            links.append({"number": number, "current": number == page_obj.number, "gap": False})
        else:
            links.append({"number": None, "current": False, "gap": True})
    return links


# Parameters of a list's form that order, page or carry the words searched, not filter.
NOT_FILTERS = ("sort", "page", "q")


@register.filter
def active_filter_count(form) -> int:
    """How many of a list's filters the user set (its sorting is not one)."""
    if form is None or not getattr(form, "is_bound", False):
        return 0
    data = form.data

    def values(name):
        return data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]

    return sum(
        1
        for name in form.fields
        if name not in NOT_FILTERS and any(value not in ("", None) for value in values(name))
    )


@register.filter
def marking_class(marking):
    """CSS class for a TLP marking code, e.g. "AMBER+STRICT" -> "tlp-amber-strict"."""
    return MARKING_CLASSES.get(str(marking or "").upper(), "tlp-unknown")


@register.filter
def marking_explanation(marking):
    """What the recipient may do with information under this TLP marking."""
    return MARKING_EXPLANATIONS.get(str(marking or "").upper(), "")


@register.filter
def field_anchor(bound_field):
    """The id an error-summary link should point at for a bound form field.

    Radio buttons and checkbox lists have no single labelled input: link to the first one.
    """
    if getattr(bound_field, "use_fieldset", False) and bound_field.auto_id:
        widget = bound_field.field.widget
        if getattr(widget, "add_id_index", False):
            return f"{bound_field.auto_id}_0"
        return widget.id_for_label(bound_field.auto_id) or bound_field.auto_id
    return bound_field.id_for_label or bound_field.auto_id or ""


@register.filter
def widget_kind(bound_field):
    """A coarse widget family used by partials/form.html to choose the markup."""
    widget = bound_field.field.widget
    if widget.is_hidden:
        return "hidden"
    input_type = getattr(widget, "input_type", "")
    if input_type == "checkbox" and not getattr(widget, "allow_multiple_selected", False):
        return "checkbox"
    if bound_field.use_fieldset:
        return "fieldset"
    return "input"


@register.inclusion_tag("partials/attachments.html", takes_context=True)
def item_attachments(context, item):
    """The attachments section of an item's detail page (the page has found the item visible):
    the files, and the upload form for those who may change the item."""
    from iconet.attachments.forms import AttachmentForm
    from iconet.sharing.declarations import takes_attachments

    user = context["request"].user
    takes = takes_attachments(type(item))
    return {
        "item": item,
        "slug": item.type_slug(),
        "files": item.attachments.all() if takes or item.is_owner_member(user) else [],
        "form": AttachmentForm() if takes and item.allows(user, Action.CHANGE) else None,
        "takes": takes,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def areas_labelled(user) -> list[dict]:
    """A user's areas by their names, each saying whether the user is its contact point."""
    from iconet.models import Area

    ncp = set(user.ncp_areas or [])
    return [
        {"label": Area(code).label if code in Area.values else code, "ncp": code in ncp}
        for code in user.areas or []
    ]


@register.inclusion_tag("partials/discussion.html", takes_context=True)
def item_discussion(context, item):
    """The discussion of an item's detail page (the page has found the item visible): its
    replies, the reply form for those who may reply, and following the item."""
    from iconet.discussion.forms import ReplyForm
    from iconet.discussion.services import is_following
    from iconet.models import ItemReply

    user = context["request"].user
    may_reply = item.allows(user, Action.REPLY)
    return {
        "item": item,
        "slug": item.type_slug(),
        "replies": ItemReply.objects.of_item(item).select_related("author", "organisation"),
        "form": ReplyForm(auto_id="id_reply_%s") if may_reply else None,
        "may_follow": item.allows(user, Action.FOLLOW),
        "following": is_following(user, item),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def capfirst_type(item) -> str:
    """The name of an item's type, capitalised (an alert: "Alert")."""
    name = str(item._meta.verbose_name)
    return name[:1].upper() + name[1:]


@register.inclusion_tag("partials/item_links.html", takes_context=True)
def item_links(context, item):
    """Links between the item and items of any type, each shown only when the reader may read
    its other end; the form to add one for those who may change the item."""
    from django.contrib.contenttypes.models import ContentType

    from iconet.discussion.services import item_links_for_reader

    user = context["request"].user
    may_change = item.allows(user, Action.CHANGE)
    links = item_links_for_reader(item, user)
    own_type = ContentType.objects.get_for_model(type(item)).pk
    return {
        "item": item,
        "slug": item.type_slug(),
        "links": [
            {
                "other": other,
                "removable": may_change
                and link.content_type_id == own_type
                and link.object_id == item.pk,
                "pk": link.pk,
            }
            for link, other in links
        ],
        "may_change": may_change,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("partials/linked_from.html", takes_context=True)
def item_linked_from(context, item):
    """Items of other areas that link to this one (a document note naming an alert), through
    the reader's visibility filter; nothing is shown when there is none."""
    from iconet.sharing.related import items_linking_to

    return {"groups": items_linking_to(item, context["request"].user)}


@register.filter
def column_labelled(cells, columns):
    """A table row's cells, each with its column's label: ``(label, cell)`` pairs, so that a
    row stacked on a narrow screen names every value (`columns`: labels, or dicts with one)."""
    labels = [c.get("label", "") if isinstance(c, dict) else c for c in columns]
    return list(zip(labels, cells, strict=False))


# A change-log entry's action as the portal words it, in the reader's language (django-auditlog
# names them "create", "update", "delete", "access", in English only).
LOG_ACTIONS = {0: _("Created"), 1: _("Changed"), 2: _("Deleted"), 3: _("Read")}


@register.filter
def log_action(action) -> str:
    return str(LOG_ACTIONS.get(action, action))
