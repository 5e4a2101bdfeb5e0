"""Pages every shared item type has: publish, withdraw, history, print, export, access log,
and the disclosure requests around it."""

import re

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...audit.services import access_log_write, item_read_record
from ...exports.sources import static_only_fetcher
from ...models import (
    FOUR_EYES_MARKINGS,
    MARKING_AUDIENCES,
    PUBLISH_REACH,
    AccessLog,
    Action,
    Audience,
    DisclosureRequest,
    Marking,
    Standing,
    State,
)
from .. import services
from ..access import can, get_item_for_action
from ..declarations import item_type_for
from ..forms import DisclosureDecisionForm, DisclosureRequestForm, PublishForm
from ..registry import item_model_or_404, shared_item_models
from ..related import (
    ItemMention,
    is_content_model,
    item_relation_fields,
    items_for_reader,
    mention,
)
from .steps import workflow_step


def _item(request, type_slug: str, pk: int, action: Action = Action.READ):
    return get_item_for_action(item_model_or_404(type_slug), request.user, pk, action)


def _templates(item, suffix: str) -> list[str]:
    return [
        f"{item._meta.app_label}/{item._meta.model_name}_{suffix}.html",
        f"sharing/item_{suffix}.html",
    ]


def _proposed_audience(item, item_type) -> str:
    """The audience the page proposes: the one asked for release, else, for a first
    publication, the type's declared one, kept within the marking's cap."""
    audience = item.audience
    if item.state == State.DRAFT and not item.release_requested_by_id:
        # A type that declares none is meant for the network, as the core's default.
        audience = (item_type.publish_audience if item_type else None) or Audience.NETWORK
    allowed = MARKING_AUDIENCES.get(item.marking, frozenset())
    if audience not in allowed:
        audience = Audience.GROUPS if Audience.GROUPS in allowed else Audience.OWNER
    return audience


def publish_page(
    request,
    item,
    *,
    publish,
    template="sharing/item_publish.html",
    initial=None,
    context=None,
):
    """The publish form of any item type. `publish(audience=, marking=, groups=)` applies the
    choice through the area's service; a text it returns replaces the default message.

    Before anything is written the page explains the rules (the marking's cap, how wide the
    user's role publishes, four eyes for RED) and shows, for the audience actually chosen,
    which organisations and states will read the item, which states concerned have no contact
    point and, where the item type declares who a publication tells
    (`ItemType.publication_recipients`), who will be told: on the first view for the proposed
    audience, and again after "Show who will be told" (a step that needs no JavaScript).
    A first publication that nobody outside the owner can read, or that tells nobody, is
    published only once the user confirms it, and is then reported as a warning. A RED draft
    published by its own author waits for a second person's release instead."""
    item_type = item_type_for(type(item))
    recipients = item_type.hook("publication_recipients") if item_type else None
    first = item.state == State.DRAFT
    if initial is None:
        initial = {"marking": item.marking, "audience_groups": list(item.audience_groups.all())}
    initial = {
        **initial,
        "audience": initial.get("audience") or _proposed_audience(item, item_type),
    }
    if item.release_requested_by_id:
        initial["audience"] = item.audience
    posted = request.method == "POST"
    form = PublishForm(request.POST if posted else None, initial=initial)
    findings = services.personal_data_unconfirmed(item)
    if not findings:
        del form.fields["personal_data_reason"]  # asked only of text the check found
    valid = posted and form.is_valid()
    if valid:
        try:
            services.publication_check(
                actor=request.user,
                item=item,
                audience=form.cleaned_data["audience"],
                marking=form.cleaned_data["marking"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            valid = False
    # The effect shown is that of the audience on the page, even one the rules refuse.
    audience = request.POST.get("audience") if posted else initial["audience"]
    if audience not in Audience.values:
        audience = initial["audience"]
    cleaned = getattr(form, "cleaned_data", {})
    groups = cleaned.get("audience_groups") if posted else initial.get("audience_groups")
    effect = services.publication_effect(
        item=item, audience=audience, groups=groups or (), recipients=recipients
    )
    preview = effect["told"]
    no_contact_point = services.states_without_contact_point(
        item, item_type.country_fields if item_type else ()
    )
    # Nobody told now, and nobody before (a form posted twice finds the first one's told).
    tells_nobody = first and preview == [] and not item.recipients.exists()
    reads_nobody = first and not effect["outside"]
    confirm_nobody = confirm_owner_only = False
    if (
        valid
        and findings
        and "preview" not in request.POST
        and services.publication_widens(
            item, form.cleaned_data["audience"], form.cleaned_data["audience_groups"]
        )
    ):
        if not form.cleaned_data.get("personal_data_reason", "").strip():
            form.add_error(
                "personal_data_reason",
                _(
                    "The text looks like it holds personal data (shown above). Remove it from "
                    "the item, or say here why it stays."
                ),
            )
            valid = False
    release = valid and services.release_needed(
        actor=request.user,
        item=item,
        audience=form.cleaned_data["audience"],
        marking=form.cleaned_data["marking"],
        groups=form.cleaned_data["audience_groups"],
    )
    if valid and "preview" not in request.POST and release:
        try:
            people = services.item_release_request(
                actor=request.user,
                item=item,
                audience=form.cleaned_data["audience"],
                marking=form.cleaned_data["marking"],
                groups=form.cleaned_data["audience_groups"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.warning(
                request,
                _(
                    "%(ref)s is not published: as a %(marking)s item it waits for its release "
                    "by a second person of your organisation (%(names)s). It stays a draft "
                    "until then."
                )
                % {
                    "ref": item.reference,
                    "marking": item.get_marking_display(),
                    "names": ", ".join(str(p) for p in people) or _("nobody yet"),
                },
            )
            return redirect(item.get_absolute_url())
    elif valid and "preview" not in request.POST:
        if reads_nobody and not request.POST.get("owner_only_confirmed"):
            confirm_owner_only = True
            form.add_error(
                None,
                _(
                    "With the audience chosen, nobody outside your organisation will be able "
                    "to read this item. Choose a wider audience, or confirm that it is meant "
                    "for your organisation only."
                ),
            )
        elif tells_nobody and not reads_nobody and not request.POST.get("nobody_confirmed"):
            confirm_nobody = True
            form.add_error(
                None,
                _(
                    "Nobody will be told of this publication with the audience chosen. Choose "
                    "an audience that includes the people it is meant for, or confirm that it "
                    "is published without telling anyone."
                ),
            )
        else:
            try:
                with transaction.atomic():
                    if findings and form.cleaned_data.get("personal_data_reason", "").strip():
                        services.personal_data_confirm(
                            actor=request.user,
                            item=item,
                            reason=form.cleaned_data["personal_data_reason"],
                        )
                    message = publish(
                        audience=form.cleaned_data["audience"],
                        marking=form.cleaned_data["marking"],
                        groups=form.cleaned_data["audience_groups"],
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if reads_nobody:
                    messages.warning(
                        request,
                        _(
                            "%(ref)s is kept for your organisation only: no other "
                            "organisation can read it."
                        )
                        % {"ref": item.reference},
                    )
                elif tells_nobody:
                    messages.warning(
                        request,
                        _("%(ref)s is published. Nobody was told of it.") % {"ref": item.reference},
                    )
                else:
                    if not isinstance(message, str):
                        message = _("%(ref)s is published.") % {"ref": item.reference}
                    messages.success(request, message)
                return redirect(item.get_absolute_url())
    return render(
        request,
        template,
        {
            "item": item,
            "form": form,
            "preview": preview,
            "previewed": recipients is not None,
            "effect": effect,
            "findings": findings,
            "no_contact_point": no_contact_point,
            "rules": publish_rules(request.user, item),
            "confirm_nobody": confirm_nobody,
            "confirm_owner_only": confirm_owner_only,
            **(context or {}),
        },
    )


def publish_rules(user, item) -> dict:
    """The rules of the publish service as the page explains them: the marking caps, how wide
    each role publishes (the user's own standing marked), and who releases a four-eyes item."""
    standing = services.publisher_standing(user, item)
    return {
        "caps": [
            {
                "marking": Marking(marking).label,
                "audiences": [a.label for a in Audience if a.value in allowed],
                "current": marking == item.marking,
            }
            for marking, allowed in MARKING_AUDIENCES.items()
        ],
        "reach": [
            {
                "standing": Standing(key).label,
                "audiences": [a.label for a in Audience if a.value in reach],
                "yours": key == standing,
            }
            for key, reach in PUBLISH_REACH.items()
        ],
        "four_eyes": [Marking(m).label for m in FOUR_EYES_MARKINGS],
        "is_author": item.author_id == user.pk,
        "open": item.author_id == user.pk and item.marking in FOUR_EYES_MARKINGS,
        "releasers": services.releasers(item) if item.author_id == user.pk else [],
        "requested_by": item.release_requested_by if item.release_requested_by_id else None,
    }


@require_http_methods(["GET", "POST"])
def item_publish(request, type_slug, pk):
    item = _item(request, type_slug, pk, Action.PUBLISH)
    return publish_page(
        request,
        item,
        publish=lambda **choice: services.item_publish(
            actor=request.user,
            item=item,
            **choice,
        ),
    )


@require_POST
def item_state(request, type_slug, pk):
    item = _item(request, type_slug, pk, Action.WITHDRAW)
    state = request.POST.get("state", "")
    return workflow_step(
        request,
        lambda: services.item_state_set(actor=request.user, item=item, state=state),
        lambda _result: (
            _("%(ref)s is now %(state)s.")
            % {
                "ref": item.reference,
                "state": item.get_state_display().lower(),
            }
        ),
        item.get_absolute_url(),
    )


def item_history(request, type_slug, pk):
    from auditlog.models import LogEntry

    item = _item(request, type_slug, pk, Action.READ)
    item_read_record(request=request, item=item)  # earlier versions show the content too
    entries = list(
        LogEntry.objects.get_for_object(item)
        .select_related("actor__organisation")
        .order_by("-timestamp")[:200]
    )
    rows = history_rows(item, entries, reader=request.user) + reply_history_rows(item)
    rows.sort(key=lambda row: row[0].timestamp, reverse=True)
    return render(request, "sharing/item_history.html", {"item": item, "entries": rows[:200]})


def reply_history_rows(item) -> list[tuple[object, list[tuple[str, object, object]]]]:
    """The replies of the item's discussion as entries of its history (the item is visible)."""
    from auditlog.models import LogEntry

    from ...models import ItemReply

    replies = {
        reply.pk: reply
        for reply in ItemReply.objects.of_item(item).only("pk", "text").order_by("-pk")[:200]
    }
    if not replies:
        return []
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ItemReply),
        object_id__in=list(replies),
        action=LogEntry.Action.CREATE,
    ).select_related("actor__organisation")
    return [(entry, [(_("reply"), None, replies[entry.object_id].text)]) for entry in entries]


HISTORY_HIDDEN = {"id", "created_at", "updated_at"}


def history_rows(
    item, entries, *, reader
) -> list[tuple[object, list[tuple[str, str | None, str | None]]]]:
    """(entry, changes) of each log entry; other shared items it names are resolved for the
    reader through the visibility filter (one query per item type for the whole page)."""
    model = type(item)
    relations = {field.name: field for field in item_relation_fields(model)}
    refs, legacy = [], set()
    for entry in entries:
        changes = entry.changes_dict
        for name, field in relations.items():
            if name not in changes:
                continue
            for value in _relation_values(changes[name]):
                if _is_pk(value):
                    refs.append((field.related_model, value))
                elif value:
                    legacy.add(name)
    found = items_for_reader(reader, refs)
    # Older entries hold the other items' text: they show only when it is the text of an item
    # the reader may see that the relation holds now.
    texts: dict[str, dict[str, object]] = {}
    for name in legacy:
        field = relations[name]
        if field.many_to_many:
            current = getattr(item, name).values("pk")
        else:
            current = [getattr(item, field.attname)]
        visible = field.related_model.objects.visible_to(reader).filter(pk__in=current)
        texts[name] = {str(other): other for other in visible}
    names = directory_names(model, entries, exclude=relations)
    return [
        (
            entry,
            history_changes(
                model, entry, relations=relations, found=found, texts=texts, names=names
            ),
        )
        for entry in entries
    ]


def directory_names(model, entries, *, exclude) -> dict[tuple[type, str], str]:
    """The names of what the entries' foreign keys to non-item rows (organisations, people,
    vocabulary terms, networks) point to: one query per related model for the whole page."""
    fields = history_fields(model)
    wanted: dict[type[models.Model], set[str]] = {}
    for entry in entries:
        for name, change in entry.changes_dict.items():
            field = fields.get(name)  # None: a field removed since the entry was written
            if field is None or name in exclude or not field.many_to_one:
                continue
            if isinstance(change, list | tuple):
                wanted.setdefault(field.related_model, set()).update(
                    str(v) for v in change if _is_pk(v)
                )
    names: dict[tuple[type, str], str] = {}
    for related, pks in wanted.items():
        if is_content_model(related):
            continue  # an item or a row of one: never named here (relations go by visibility)
        for pk, row in related._default_manager.in_bulk([int(pk) for pk in pks]).items():
            names[(related, str(pk))] = str(row)
    return names


def history_fields(model) -> dict:
    """The item's own fields a change log entry can name, by name, in the model's order."""
    return {f.name: f for f in model._meta.get_fields() if f.concrete or f.many_to_many}


def readable_value(field, value, names) -> object:
    """A value as the change log stored it (text), as a reader understands it: labels of
    choices, country names, yes/no, dates in Brussels time, names instead of row ids."""
    import ast
    import datetime

    from django.utils import dateparse
    from django.utils import formats as date_formats

    if value in (None, "None", ""):
        return None
    base = getattr(field, "base_field", None)
    if base is not None and isinstance(value, str) and value.startswith("["):
        try:
            items = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        shown = [readable_value(base, item, names) for item in items]
        return ", ".join(str(item) for item in shown if item is not None) or None
    choices = getattr(field, "flatchoices", None)
    if choices:
        return dict(choices).get(value, value)
    kind = field.get_internal_type()
    if kind == "BooleanField":
        return _("Yes") if str(value) == "True" else _("No")
    if kind == "DateTimeField":
        moment = dateparse.parse_datetime(str(value))
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, datetime.UTC)
            return date_formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    if kind == "DateField":
        day = dateparse.parse_date(str(value))
        if day is not None:
            return date_formats.date_format(day, "DATE_FORMAT")
    if field.many_to_one:
        return names.get((field.related_model, str(value)), value)
    return value


def _country_named_again(model, value):
    from django_countries import countries

    from ...models import Country

    found = re.fullmatch(r".*\(([A-Z]{2})\)", str(value)) if model is Country else None
    if found and countries.name(found.group(1)):
        return f"{countries.name(found.group(1))} ({found.group(1)})"
    return value


def _relation_values(change) -> list[str]:
    if isinstance(change, dict):
        return [str(value) for value in change.get("objects", [])]
    return [str(value) for value in change if value not in (None, "None")]


def _is_pk(value) -> bool:
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value) is not None


def history_changes(
    model,
    entry,
    *,
    relations=None,
    found=None,
    texts=None,
    names=None,
) -> list[tuple[str, str | None, str | None]]:
    """(field label, before, after) of the item's own fields, in the model's order."""
    fields = history_fields(model)
    relations = {} if relations is None else relations
    found, texts, names = found or {}, texts or {}, names or {}

    def shown(name, value):
        if name not in relations:
            if fields[name].many_to_many:
                # The change log keeps the names of the rows it links, in the language of
                # the writer: a country is named again, from its code, in the reader's.
                return _country_named_again(fields[name].related_model, value)
            return readable_value(fields[name], value, names)
        if value in (None, "None", ""):
            return value
        if _is_pk(value):
            return str(mention(found, relations[name].related_model, value))
        other = texts.get(name, {}).get(str(value))
        return str(ItemMention(other))

    changes = entry.changes_dict
    rows = []
    for name, field in fields.items():
        if (
            name in HISTORY_HIDDEN
            or name not in changes
            or getattr(field, "auto_created", False)
            and not field.concrete
        ):
            continue
        change = changes[name]
        if isinstance(
            change, dict
        ):  # many-to-many: {"type": "m2m", "operation": ..., "objects": [...]}
            objects = [shown(name, value) for value in change.get("objects", [])]
            before, after = "", f"{change.get('operation', '')}: {', '.join(map(str, objects))}"
        else:
            before, after = shown(name, change[0]), shown(name, change[1])
        rows.append(
            (
                str(field.verbose_name),
                None if before == "None" else before,
                None if after == "None" else after,
            )
        )
    return rows


def item_print(request, type_slug, pk):
    item = _item(request, type_slug, pk, Action.READ)
    access_log_write(event=AccessLog.Event.READ, request=request, item=item, detail="print view")
    return render(request, _templates(item, "print"), {"item": item, "print_view": True})


def item_export_pdf(request, type_slug, pk):
    """A PDF carrying the marking on every page; for a third party, with the authorisation."""
    from weasyprint import HTML

    item = _item(request, type_slug, pk, Action.DOWNLOAD)
    disclosure = None
    if "disclosure" in request.GET:
        disclosure_pk = request.GET["disclosure"]
        if not re.fullmatch(r"[0-9]{1,18}", disclosure_pk):  # a key the database can compare
            raise Http404
        disclosure = get_object_or_404(
            DisclosureRequest,
            pk=int(disclosure_pk),
            object_id=item.pk,
            content_type=ContentType.objects.get_for_model(type(item)),
            target_kind=DisclosureRequest.TargetKind.THIRD_PARTY,
            status=DisclosureRequest.Status.APPROVED,
            requested_by=request.user,
        )
    html = render_to_string(
        _templates(item, "print"),
        {
            "item": item,
            "pdf": True,
            "disclosure": disclosure,
            "exported_by": request.user,
            "exported_at": timezone.now(),
        },
        request=request,
    )
    if len(html) > EXPORT_MAX_CHARS:
        # Laying out a PDF costs CPU in proportion to its text: items saved before the field
        # limits may be too long for one request.
        messages.error(
            request,
            _("%(ref)s is too long to export as a PDF; use the print view.")
            % {
                "ref": item.reference,
            },
        )
        return redirect(item.get_absolute_url())
    pdf = HTML(
        string=html, base_url=request.build_absolute_uri("/"), url_fetcher=static_only_fetcher()
    ).write_pdf()
    access_log_write(
        event=AccessLog.Event.DOWNLOAD,
        request=request,
        item=item,
        detail=f"PDF for {disclosure.third_party} ({disclosure.reference})"
        if disclosure
        else "PDF",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{item.reference}.pdf"'
    return response


# The most HTML a PDF export lays out: an alert with every field at its limit is about 60,000
# characters and takes 1.5 s of CPU; this bounds an export to a few seconds.
EXPORT_MAX_CHARS = 300_000


def item_access_log(request, type_slug, pk):
    """Who read or downloaded the item: for the owner organisation only."""
    item = _item(request, type_slug, pk, Action.READ)
    if not item.is_owner_member(request.user):
        raise PermissionDenied
    entries = AccessLog.objects.filter(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
    ).select_related("actor", "organisation")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/item_access_log.html",
        {"item": item, "page_obj": page, "entries": page.object_list},
    )


def item_footprint(request, type_slug, pk):
    """Where the item went: who can read it and why, who read it, its copies, its disclosures
    and the people told; for its owner organisation and the Commission. The page names people,
    organisations and dates, never a value of the item, and is itself in the access log."""
    from ...audit.footprint import footprint_item

    item, viewer = footprint_item(user=request.user, type_slug=type_slug, pk=pk)
    return _footprint_page(request, item, viewer)


def _footprint_page(request, item, viewer, *, narrow_form=None):
    from ...audit.footprint import item_footprint as footprint_of
    from ...audit.forms import NarrowForm

    access_log_write(
        event=AccessLog.Event.FOOTPRINT, request=request, item=item, detail="footprint page"
    )
    if (
        narrow_form is None
        and item.state == State.PUBLISHED
        and can(request.user, Action.PUBLISH, item)
    ):
        narrow_form = NarrowForm(item=item)
    return render(
        request,
        "sharing/item_footprint.html",
        {
            "item": item,
            "type_name": item._meta.verbose_name,
            "viewer": viewer,
            "footprint": footprint_of(item),
            "narrow_form": narrow_form,
        },
    )


@require_POST
def item_narrow(request, type_slug, pk):
    """Narrow a published item's audience from its footprint, and withdraw the copies that may
    no longer exist (exports whose owners may no longer read the item)."""
    from ...audit.footprint import item_narrow as narrow
    from ...audit.forms import NarrowForm

    item = _item(request, type_slug, pk, Action.PUBLISH)
    form = NarrowForm(request.POST, item=item)
    if form.is_valid():
        try:
            withdrawn = narrow(
                actor=request.user,
                item=item,
                audience=form.cleaned_data["audience"],
                groups=form.cleaned_data.get("audience_groups") or [],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The audience of %(ref)s is narrowed; %(count)s copies were withdrawn.")
                % {"ref": item.reference, "count": withdrawn},
            )
            return redirect("sharing:footprint", type_slug=type_slug, pk=pk)
    return _footprint_page(request, item, "owner", narrow_form=form)


@require_http_methods(["GET", "POST"])
def item_retention(request, type_slug, pk):
    """An item's retention: its review date, the owner's answer to a due review, and the
    Commission's hold. Shown to those who see its footprint; it shows no content."""
    from ...audit.footprint import footprint_item
    from ...retention import services as retention
    from ...retention.forms import RetentionDecisionForm, RetentionHoldForm

    item, viewer = footprint_item(user=request.user, type_slug=type_slug, pk=pk)
    record = retention.retention_record(item)
    may_decide = (
        viewer == "owner"
        and record is not None
        and record.status in retention.OPEN
        and item.is_owner_manager(request.user)
        and can(request.user, Action.WITHDRAW, item)
    )
    may_hold = viewer == "commission"
    decision_form = RetentionDecisionForm() if may_decide else None
    hold_form = RetentionHoldForm(initial={"held": "0" if record and record.held else "1"})
    if request.method == "POST":
        if "decision" in request.POST:
            if not may_decide:
                raise PermissionDenied
            decision_form = RetentionDecisionForm(request.POST)
            form, act = decision_form, retention.review_decide
            arguments = ("decision", "reason")
        else:
            if not may_hold:
                raise PermissionDenied
            hold_form = RetentionHoldForm(request.POST)
            form, act = hold_form, retention.retention_hold_set
            arguments = ("held", "reason")
        if form.is_valid():
            try:
                act(
                    actor=request.user,
                    item=item,
                    **{name: form.cleaned_data[name] for name in arguments},
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if form is decision_form and form.cleaned_data["decision"] == "delete":
                    messages.success(
                        request,
                        _("%(ref)s is deleted with every copy.") % {"ref": item.reference},
                    )
                    return redirect(item_type_for(type(item)).list_url)
                messages.success(request, _("Saved."))
                return redirect("sharing:retention", type_slug=type_slug, pk=pk)
    return render(
        request,
        "sharing/item_retention.html",
        {
            "item": item,
            "viewer": viewer,
            "record": record,
            "review_on": retention.review_date(item),
            "months": retention.retention_months(type(item)),
            "decision_form": decision_form,
            "hold_form": hold_form if may_hold else None,
        },
    )


@require_http_methods(["GET", "POST"])
def retention_overview(request):
    """The Commission's page of retention: each type's period, which it may change, and how
    many items are due, escalated, held, kept or archived (counts only)."""
    from ...directory.services.directory import is_administrator
    from ...retention import services as retention
    from ...retention.forms import RetentionRuleForm

    if not (is_administrator(request.user) and request.user.is_commission_admin):
        raise PermissionDenied
    failed = None
    if request.method == "POST":
        failed = RetentionRuleForm(request.POST, prefix=request.POST.get("row", "")[:100] or None)
        if failed.is_valid():
            try:
                retention.retention_rule_set(
                    actor=request.user,
                    type_slug=failed.cleaned_data["type_slug"],
                    months=failed.cleaned_data["months"],
                )
            except ValidationError as exc:
                failed.add_error(None, exc)
            else:
                messages.success(request, _("The retention period is saved."))
                return redirect("sharing:retention_overview")
    rows = []
    for row in retention.retention_overview():
        form = RetentionRuleForm(
            initial={"type_slug": row.type_slug, "months": row.months},
            prefix=row.type_slug.replace(".", "-"),
        )
        if failed is not None and failed.prefix == form.prefix:
            form = failed
        rows.append((row, form))
    return render(request, "sharing/retention_overview.html", {"rows": rows})


def footprint_find(request):
    """Find an item's footprint by its reference: the owner's people and the Commission."""
    from ...audit.footprint import footprint_find as find
    from ...audit.forms import FootprintFindForm

    form = FootprintFindForm(request.GET if "reference" in request.GET else None)
    if form.is_valid():
        item = find(user=request.user, reference=form.cleaned_data["reference"])
        if item is not None:
            return redirect("sharing:footprint", type_slug=item.type_slug(), pk=item.pk)
        form.add_error("reference", _("No item whose footprint you may see has this reference."))
    return render(request, "sharing/footprint_find.html", {"form": form})


@require_http_methods(["GET", "POST"])
def disclosure_create(request, type_slug, pk):
    item = _item(request, type_slug, pk, Action.REQUEST_DISCLOSURE)
    form = DisclosureRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            disclosure = services.disclosure_request_create(
                actor=request.user,
                item=item,
                target_kind=data["target_kind"],
                purpose=data["purpose"],
                target_organisation=data["target_organisation"],
                target_group=data["target_group"],
                third_party=data["third_party"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Request %(dr)s sent to the owner.") % {"dr": disclosure.reference}
            )
            return redirect("sharing:disclosure", pk=disclosure.pk)
    return render(request, "sharing/disclosure_form.html", {"item": item, "form": form})


def disclosures_visible_to(user):
    """Requests the user made, and those on their organisation's items in their areas."""
    own_areas = [
        ContentType.objects.get_for_model(model)
        for model in shared_item_models().values()
        if user.has_area(model.area)
    ]
    return DisclosureRequest.objects.filter(
        Q(requested_by=user) | Q(owner_id=user.organisation_id, content_type__in=own_areas)
    ).select_related(
        "requested_by",
        "requester_organisation",
        "owner",
        "content_type",
        "target_organisation",
        "target_group",
    )


def disclosure_list(request):
    requests = disclosures_visible_to(request.user)
    status = request.GET.get("status")
    if status in DisclosureRequest.Status.values:
        requests = requests.filter(status=status)
    page = Paginator(requests, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/disclosure_list.html",
        {
            "page_obj": page,
            "requests": page.object_list,
            "statuses": DisclosureRequest.Status.choices,
            "status": status,
        },
    )


def _disclosure(request, pk):
    disclosure = get_object_or_404(disclosures_visible_to(request.user), pk=pk)
    item_model = disclosure.content_type.model_class()
    item = item_model.objects.visible_to(request.user).filter(pk=disclosure.object_id).first()
    if item is None:
        raise Http404
    return disclosure, item


@require_http_methods(["GET", "POST"])
def disclosure_detail(request, pk):
    disclosure, item = _disclosure(request, pk)
    may_decide = disclosure.status == DisclosureRequest.Status.PENDING and can(
        request.user, Action.DECIDE_DISCLOSURE, item
    )
    form = (
        DisclosureDecisionForm(request.POST if request.method == "POST" else None)
        if may_decide
        else None
    )
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.disclosure_decide(
                    actor=request.user,
                    request=disclosure,
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data["decision_reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("sharing:disclosure", pk=pk)
    return render(
        request,
        "sharing/disclosure_detail.html",
        {
            "disclosure": disclosure,
            "item": item,
            "form": form,
            "may_withdraw": disclosure.requested_by_id == request.user.pk
            and disclosure.status == DisclosureRequest.Status.PENDING,
            "may_export": (
                disclosure.requested_by_id == request.user.pk
                and disclosure.status == DisclosureRequest.Status.APPROVED
                and disclosure.target_kind == DisclosureRequest.TargetKind.THIRD_PARTY
            ),
            "type_slug": item.type_slug(),
            "State": State,
        },
    )


@require_POST
def disclosure_withdraw(request, pk):
    disclosure, _item_obj = _disclosure(request, pk)
    return workflow_step(
        request,
        lambda: services.disclosure_withdraw(actor=request.user, request=disclosure),
        _("Request withdrawn."),
        reverse("sharing:disclosure", args=[pk]),
    )
