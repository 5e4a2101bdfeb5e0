"""The people and bodies of the network: countries, organisations, users, access groups."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.db.models.query_utils import DeferredAttribute
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


def reason_for_change_log(instance):
    """The reason an administrator gave for a change, stored with django-auditlog's entry."""
    reason = getattr(instance, "_change_reason", "")
    return {"reason": reason} if reason else None


class Area(models.TextChoices):
    """An area of exchange; a user reads an area only if their account has it."""

    ALERTS = "alerts", _("Early-warning alerts")
    ILO = "ilo", _("ILO network reports")
    DOCUMENTS = "documents", _("Document fraud notes")
    RETURNS = "returns", _("Returns")
    WORKSPACES = "workspaces", _("Group workspaces")


class _NameInActiveLanguage(DeferredAttribute):
    """Reading a country's `name` gives its name in the language of the page, from its ISO
    code; the stored (English) name is only the fallback for a code the ISO list lacks."""

    def __get__(self, instance, cls=None):
        stored = super().__get__(instance, cls)
        if instance is None:
            return stored
        from django_countries import countries

        return str(countries.name(instance.code) or stored)

    def __set__(self, instance, value):
        # A data descriptor, so that the stored value in the instance's dict does not hide it.
        instance.__dict__[self.field.attname] = value


class CountryNameField(models.CharField):
    """The stored name of a country, read in the active language (see above); saving and
    forms keep the stored value, so that French never lands in the database."""

    descriptor_class = _NameInActiveLanguage

    def pre_save(self, model_instance, add):
        return model_instance.__dict__.get(self.attname)

    def value_from_object(self, obj):
        return obj.__dict__.get(self.attname)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class Country(models.Model):
    """A participating state (ISO 3166 alpha-2); third countries are never participants."""

    code = models.CharField(_("ISO code"), max_length=2, primary_key=True)
    name = CountryNameField(_("name"), max_length=100)
    is_eu_member = models.BooleanField(_("EU Member State"), default=False)
    is_schengen_associated = models.BooleanField(_("Schengen-associated state"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Organisation(models.Model):
    """A body of the network: a national service of a participating state, or an EU body."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("National service")
        COMMISSION = "commission", _("European Commission")
        AGENCY = "agency", _("EU agency")

    # The kinds that form "the whole network"; agencies observe.
    NETWORK_KINDS = frozenset({Kind.NATIONAL, Kind.COMMISSION})

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NATIONAL)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text=_("Empty for EU institutions and agencies."),
    )
    email = models.EmailField(_("functional mailbox"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The principal that object permissions are granted to on behalf of the organisation.
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, editable=False, related_name="organisation"
    )

    class Meta:
        ordering = ["country__name", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return f"{self.short_name} ({self.country_id})" if self.country_id else self.short_name

    def save(self, *args, **kwargs) -> None:
        if not self.group_id:
            self.group = Group.objects.create(name=f"org:{uuid.uuid4().hex}")
        super().save(*args, **kwargs)

    get_additional_data = reason_for_change_log
    # Set by the directory services for the change log's entry of the next save.
    _change_reason: str = ""

    @property
    def is_network_member(self) -> bool:
        """National services and the Commission form "the whole network"; agencies observe."""
        return self.kind in self.NETWORK_KINDS


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    ILO = "ilo", _("Immigration liaison officer")
    NATIONAL_ADMIN = "national_admin", _("National administrator")
    COMMISSION_ADMIN = "commission_admin", _("Commission administrator")
    AGENCY_USER = "agency_user", _("EU agency user")


# django_otp ships no types: the stubs cannot see the devices that point at a user.
class User(AbstractUser):  # type: ignore[django-manager-missing]
    """A person of the network, always in one organisation."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    areas = ArrayField(
        models.CharField(max_length=20, choices=Area.choices),
        verbose_name=_("areas of competence"),
        default=list,
        blank=True,
    )
    ncp_areas = ArrayField(
        models.CharField(max_length=20, choices=Area.choices),
        verbose_name=_("national contact point for"),
        default=list,
        blank=True,
        help_text=_("Areas in which this user is a designated national contact point."),
    )
    host_country = CountryField(
        _("host country"),
        blank=True,
        help_text=_("For immigration liaison officers: where posted."),
    )
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "Of the portal once signed in and of the e-mails sent to this user; "
            "left empty, the browser's language."
        ),
    )
    preferences = models.JSONField(
        _("notification preferences"),
        default=dict,
        blank=True,
        help_text=_("Per area, the choices its declaration offers (iconet.sharing.declarations)."),
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # One account per address, whatever its case: an address names one person.
            models.UniqueConstraint(
                Lower("email"),
                name="iconet_user_email_unique_ci",
                condition=~models.Q(email=""),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    get_additional_data = reason_for_change_log
    # Set by the directory services for the change log's entry of the next save.
    _change_reason: str = ""

    def has_area(self, area: str) -> bool:
        return self.is_active and area in (self.areas or [])

    # Areas in which this very user object acts as its organisation's contact point without
    # being designated one: set on the account of an API client that may publish, by the API's
    # authentication (iconet.api), for one request. Queries of contact points read `ncp_areas`
    # in the database, so such an account is never told or asked as one.
    acting_ncp_areas: tuple[str, ...] = ()

    def is_ncp(self, area: str) -> bool:
        return self.has_area(area) and (
            area in (self.ncp_areas or []) or area in self.acting_ncp_areas
        )

    @property
    def is_commission_admin(self) -> bool:
        return self.role == Role.COMMISSION_ADMIN

    @property
    def is_national_admin(self) -> bool:
        return self.role == Role.NATIONAL_ADMIN

    @cached_property
    def country(self):
        return self.organisation.country if self.organisation_id else None


class AccessGroup(models.Model):
    """A closed user group of organisations and users, managed by the Commission."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    purpose = models.TextField(
        _("purpose"),
        blank=True,
        help_text=_("What the members exchange in this group, and why."),
    )
    managing_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("managing organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_access_groups",
        help_text=_("Its national administrators manage the group beside the Commission."),
    )
    # Explicit through models carry each membership's end date
    # (iconet.directory.models.administration).
    organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("member organisations"),
        blank=True,
        related_name="access_groups",
        help_text=_("Every user of these organisations is a member."),
        through="iconet.AccessGroupOrganisation",
    )
    members = models.ManyToManyField(
        User,
        verbose_name=_("individual members"),
        blank=True,
        related_name="access_groups",
        through="iconet.AccessGroupMember",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, editable=False, related_name="access_group"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("access group")
        verbose_name_plural = _("access groups")

    def __str__(self) -> str:
        return self.name

    get_additional_data = reason_for_change_log
    # Set by the directory services for the change log's entry of the next save.
    _change_reason: str = ""

    def save(self, *args, **kwargs) -> None:
        if not self.group_id:
            self.group = Group.objects.create(name=f"ag:{uuid.uuid4().hex}")
        super().save(*args, **kwargs)
