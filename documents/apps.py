from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Document fraud notes")

    def ready(self) -> None:
        from iconet.areas import AreaConfig, ItemType, register_area
        from iconet.models import Audience
        from iconet.services.sharing import item_published

        from . import selectors
        from .models import DocumentNote
        from .services import note_create, note_publish_check

        # Runs inside the publishing transaction, whichever page publishes: a note whose
        # images are not all reviewed is refused and nothing of the publication is kept.
        item_published.connect(
            note_publish_check,
            sender=DocumentNote,
            dispatch_uid="documents.publish_check",
        )
        register_area(
            AreaConfig(
                code="documents",
                label=_("Document fraud notes"),
                nav_url="documents:list",
                order=30,
                item_types=(
                    ItemType(
                        "documents.DocumentNote",
                        list_url="documents:list",
                        detail_url="documents:detail",
                        form="documents.forms.DocumentNoteForm",
                        create_service=lambda *, actor, item: note_create(actor=actor, note=item),
                        # Read by the network's services, as an alert is.
                        publish_audience=Audience.NETWORK,
                        # Its images are redacted and reviewed before anyone else sees them;
                        # a generic attachment would skip that review.
                        takes_attachments=False,
                        personal_data_related=("images",),
                        images_for_reader=selectors.images_for_reader,
                        image_served=selectors.image_served,
                        image_fields=("caption", "side", "light_source"),
                        search_fields=DocumentNote.SEARCH_FIELDS,
                    ),
                ),
            )
        )
