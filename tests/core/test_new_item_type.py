"""A new item type is a model with its declaration (plus its templates): defined here, in the
test, and created in the test's database, it gets from the core its references, visibility,
publication, its sections in the print view, search, and a clean bill from the system check,
with no registry entry, no signal and no service of its own."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.urls import reverse

from iconet.models import Area, Audience, SharedItem, State, grant_model_for
from iconet.search.models import search_document_field
from iconet.search.services import SearchFilters, search
from iconet.sharing.declarations import ItemType, Section
from iconet.sharing.registry import declaration_errors, shared_item_models
from iconet.sharing.services import item_create, item_publish

pytestmark = pytest.mark.django_db


def throwaway_type():
    """The lines a new type takes: its model with its declaration, and its grant table."""

    class ReadmissionContact(SharedItem):
        """Who to call in a third country's authority about readmissions."""

        # As if written in returns/models.py (its grant table is declared beside it).
        __module__ = "returns.models"
        area = Area.RETURNS
        declaration = ItemType(
            list_url="returns:list",
            detail_url="returns:problem_detail",
            reference_prefix="RC",
            search_fields=(("reference_code", "A"), ("authority", "A"), ("notes", "C")),
            country_fields=("country",),
            publish_audience=Audience.NETWORK,
            sections=(Section("Contact", ("authority", "country", "notes")),),
        )

        reference_code = models.CharField(
            "reference", max_length=32, unique=True, null=True, blank=True, editable=False
        )
        country = models.CharField("country", max_length=2)
        authority = models.CharField("authority", max_length=200)
        notes = models.TextField("notes", blank=True)
        search_document = search_document_field(declaration.search_fields)

        class Meta:
            app_label = "returns"

        def __str__(self) -> str:
            return f"{self.reference_code} {self.authority}"

        @property
        def reference(self) -> str:
            return self.reference_code or f"RC-DRAFT-{self.pk or 'new'}"

    grant = grant_model_for(ReadmissionContact)
    return ReadmissionContact, grant


@pytest.fixture
def contact_type():
    model, grant = throwaway_type()
    # Its tables, in the test's transaction (rolled back with it), and its read permission.
    with connection.schema_editor() as editor:
        editor.create_model(model)
        editor.create_model(grant)
    content_type = ContentType.objects.get_for_model(model)
    Permission.objects.get_or_create(
        content_type=content_type, codename=f"view_{content_type.model}", name="view"
    )
    shared_item_models.cache_clear()
    yield model
    for name in (model._meta.model_name, grant._meta.model_name):
        apps.all_models["returns"].pop(name, None)
    apps.clear_cache()
    shared_item_models.cache_clear()
    ContentType.objects.clear_cache()


def test_a_new_type_is_a_model_and_its_declaration(cast, client_for, contact_type):
    assert "returns.readmissioncontact" in shared_item_models()
    assert declaration_errors(contact_type, contact_type.declaration) == []

    contact = item_create(
        actor=cast.fr_ncp,
        item=contact_type(country="NG", authority="Nigeria Immigration Service", notes="Desk B"),
    )
    assert contact.reference_code.startswith("RC-") and "-FR-" in contact.reference_code
    assert contact.state == State.DRAFT
    assert not contact_type.objects.visible_to(cast.de_ncp).filter(pk=contact.pk).exists()
    assert contact_type.objects.visible_to(cast.fr_officer).filter(pk=contact.pk).exists()

    told = item_publish(actor=cast.fr_ncp, item=contact, audience="network", marking="GREEN")
    assert told == []  # it declares nobody to tell
    assert contact_type.objects.visible_to(cast.de_ncp).filter(pk=contact.pk).exists()

    printed = client_for(cast.de_ncp).get(
        reverse("sharing:print", args=[contact.type_slug(), contact.pk])
    )
    page = printed.content.decode()
    assert printed.status_code == 200
    assert ">Contact</h2>" in page and "Nigeria Immigration Service" in page

    found = search(cast.de_ncp, SearchFilters(text="Immigration"))
    assert contact in [hit.item for hit in found.hits]
    assert not search(cast.fr_no_area, SearchFilters(text="Immigration")).hits
