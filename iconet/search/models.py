"""Saved searches: a user is told of newly published items that match a search of theirs;
and the stored search vector of the item types whose searched fields are their own columns."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..limits import single_line
from ..sharing.models import Language

# The searched fields of an item type, each with its weight ("A" counts most, "D" least).
SearchFields = tuple[tuple[str, str], ...]

# The name of the stored vector on the models that have one (iconet.search.services reads it).
SEARCH_DOCUMENT = "search_document"


def weighted_vector(fields: SearchFields, config: str) -> models.Expression:
    """The fields' vectors, each with its weight, joined into one (`config` is the name of the
    text search configuration)."""
    vectors = [SearchVector(name, weight=weight, config=config) for name, weight in fields]
    combined: models.Expression = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def search_document_field(fields: SearchFields) -> models.GeneratedField:
    """The item's searched fields as one weighted vector, kept by PostgreSQL on every write.

    The text search configuration follows the item's language, as in the query-time vector of
    iconet.search.services; it is written as literal configurations ('french'::regconfig), so
    that the expression is immutable, which a stored generated column requires. Only columns
    of the item's own table can be read (no join, no JSON).
    """
    return models.GeneratedField(
        expression=models.Case(
            models.When(language=Language.FRENCH, then=weighted_vector(fields, "french")),
            default=weighted_vector(fields, "english"),
            output_field=SearchVectorField(),
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )


def search_document_index(name: str) -> GinIndex:
    """The GIN index the search's match (``@@``) walks on the stored vector."""
    return GinIndex(fields=[SEARCH_DOCUMENT], name=name)


class SavedSearch(models.Model):
    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("At once")
        DAILY = "daily", _("In a daily digest")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=100, validators=[single_line])
    query = models.CharField(_("searched words"), max_length=200)
    # The page's filters (area, type, country, marking) as the search page reads them.
    filters = models.JSONField(default=dict, blank=True)
    frequency = models.CharField(
        _("tell me"), max_length=10, choices=Frequency.choices, default=Frequency.DAILY
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")

    def __str__(self) -> str:
        return self.name


class SavedSearchMatch(models.Model):
    """One item found by a saved search: written once, so its user is told once."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="matches")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["saved_search", "content_type", "object_id"],
                name="saved_search_match_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.saved_search_id}: {self.content_type_id}/{self.object_id}"
