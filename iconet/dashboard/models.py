"""The home page's trends kept as monthly counts per audience, so that a home page sums a few
rows instead of counting a year of visible items (iconet.dashboard.trends keeps them)."""

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models


class TrendAudience(models.Model):
    """The guardian groups that together hold the read grants of some items (sorted ids).

    Every item is counted under exactly one audience, the set of all its grants' groups, so a
    reader's figure is the sum over the audiences that share a group with the reader's
    principals: each visible item once, no hidden item ever (the visibility filter's rule).
    """

    groups = ArrayField(models.IntegerField(), unique=True)

    class Meta:
        indexes = [GinIndex(fields=["groups"], name="trend_audience_groups")]

    def __str__(self) -> str:
        return ",".join(map(str, self.groups))


class TrendCount(models.Model):
    """How many items of one audience a trend counts for one value in one month."""

    trend = models.CharField(max_length=64)
    audience = models.ForeignKey(TrendAudience, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    value = models.CharField(max_length=64)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["trend", "month", "audience", "value"], name="trend_count_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.trend} {self.month} {self.value}: {self.n}"


class TrendMark(models.Model):
    """What one item adds to the counts, kept so that a change takes back exactly that."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    trend = models.CharField(max_length=64)
    audience = models.ForeignKey(TrendAudience, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    value = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"], name="trend_mark_item")]

    def __str__(self) -> str:
        return f"{self.content_type_id}/{self.object_id} {self.trend} {self.month} {self.value}"


class TrendStale(models.Model):
    """An item written since its marks were counted: counted again before the next reading."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="trend_stale_once")
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}/{self.object_id}"


class TrendState(models.Model):
    """One row: a new token each time a count changes, so that the figures a reader's
    principals give can be kept in the cache under the token they were read at."""

    token = models.CharField(max_length=32, default="")

    def __str__(self) -> str:
        return self.token
