"""The generated walk of the portal's pages that the browser checks share (accessibility, a
phone's screen): every page that takes no argument, every item page of the policy for one
item of each registered type in the demo network, the pages of the other objects that take one
(an administered user, group or organisation, an ILO network, posting or template version, a
disclosure request, a country's return contacts), and a user's own saved search and export.

Each page is seen by the first user who may open it (a 200 HTML answer), so that a new page is
walked the day it exists, with the data the demo network gives it.
"""

from __future__ import annotations

from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from iconet.models import SavedSearch, State
from iconet.sharing.registry import shared_item_models
from tests import policy
from tests.conftest import verified_client
from tests.core.test_permission_matrix import url_patterns
from tests.factories import export_finished

# A page that shows its results only for a query gets one that finds demo items.
QUERIES = {"search": "?q=route"}
SKIPPED_NAMESPACES = {"manage"}  # Django's admin, for the technical superuser only


def page_names(resolver=None, prefix=""):
    """The URL names of every pattern that takes no argument."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from page_names(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
            yield prefix + pattern.name


PAGES = sorted(set(page_names()))


def viewer_of(url: str, clients: dict[str, Client]) -> str | None:
    """The first user whose client is answered with an HTML page."""
    for username, client in clients.items():
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            return username
    return None


def item_page_urls(item) -> list[tuple[str, str]]:
    """(URL name, address) of every item page of the policy that answers GET for `item` with a
    page and needs nothing beyond the item."""
    slug = item.type_slug()
    urls = []
    for name, page in sorted(policy.ITEM_PAGES.items()):
        if not page.get or page.needs or page.pdf or page.action == "download":
            continue
        if page.item_type and page.item_type != slug:
            continue
        namespace = name.partition(":")[0]
        try:
            if namespace == "sharing":
                url = reverse(name, args=[slug, item.pk])
            elif namespace == item._meta.app_label:
                url = reverse(name, args=[item.pk])
            else:
                continue
        except NoReverseMatch:
            continue
        urls.append((name, url))
    return urls


def _first(model):
    return model.objects.order_by("pk").first()


def object_page_urls() -> list[tuple[str, str]]:
    """(URL name, address) of each page of an object that is not an item, for the first such
    object of the demo network; a pattern that needs more than the object is left out."""
    from iconet.models import AccessGroup, DisclosureRequest, Organisation, User
    from ilo_reports.models import Network, Posting, TemplateVersion

    # policy.NOT_ITEM_PAGES says what each area page's `pk` is; administration pages say it
    # by the first word of their name.
    described = {
        "an ILO network": Network,
        "an ILO posting": Posting,
        "an ILO report template version": TemplateVersion,
    }
    administered = {"user": User, "group": AccessGroup, "organisation": Organisation}
    models = {name: described[kind] for name, kind in policy.NOT_ITEM_PAGES.items()}
    for name, _keywords in url_patterns():
        namespace, _colon, short = name.partition(":")
        if namespace == "administration" and short.split("_")[0] in administered:
            models[name] = administered[short.split("_")[0]]
    urls = []
    for name, model in sorted(models.items()):
        try:
            urls.append((name, reverse(name, args=[_first(model).pk])))
        except NoReverseMatch:
            continue  # it needs more than the object (a section, a membership)
    disclosure = _first(DisclosureRequest)
    if disclosure is not None:
        urls.append(("sharing:disclosure", reverse("sharing:disclosure", args=[disclosure.pk])))
    urls.append(("returns:country", reverse("returns:country", args=["FR"])))
    return urls


def demo_items() -> list:
    """The newest published item of each registered type, and its newest draft if any."""
    items = []
    for model in shared_item_models().values():
        for state in (State.PUBLISHED, State.DRAFT):
            item = model.objects.filter(state=state).order_by("-pk").first()
            if item is not None:
                items.append(item)
    return items


def personal_urls(owner) -> list[tuple[str, str]]:
    """The pages of `owner`'s first saved search and of a finished export of theirs."""
    saved = SavedSearch.objects.filter(user=owner).first()
    job = export_finished(owner)
    urls = [("exports:detail", reverse("exports:detail", args=[job.pk]))]
    if saved is not None:
        urls.append(
            ("accounts:saved_search_edit", reverse("accounts:saved_search_edit", args=[saved.pk]))
        )
    return urls


def walk(viewers: dict) -> tuple[dict, list[tuple[str, str, str]]]:
    """The users who look (the viewers, then the demo items' authors) and the walk's
    (URL name, address, username) of every page one of them may open."""
    items = demo_items()
    users = dict(viewers)
    for item in items:
        users.setdefault(item.author.username, item.author)
    clients = {username: verified_client(user) for username, user in users.items()}
    targets = [(name, reverse(name) + QUERIES.get(name, "")) for name in PAGES]
    for item in items:
        targets += item_page_urls(item)
    targets += object_page_urls()
    targets += personal_urls(next(iter(viewers.values())))
    seen = []
    for name, url in targets:
        username = viewer_of(url, clients)
        if username is not None:  # not a POST action, a download, a probe, another stage's
            seen.append((name, url, username))
    return users, seen
