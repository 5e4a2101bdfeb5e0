"""factory_boy factories for the people and bodies of the network."""

import factory
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.utils import timezone

from iconet.directory.data import countries_ensure
from iconet.models import AccessGroup, Area, ExportJob, Organisation, Role, User

PASSWORD = "correct horse battery staple"
# Hashing once keeps user creation cheap; every test user signs in with PASSWORD.
_PASSWORD_HASH = None


def password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = make_password(PASSWORD)
    return _PASSWORD_HASH


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"National service {n}")
    short_name = factory.LazyAttribute(lambda o: o.name[:40])
    kind = Organisation.Kind.NATIONAL
    country_id = "FR"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        countries_ensure()
        return super()._create(model_class, *args, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.LazyFunction(password_hash)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.OFFICER
    areas = factory.LazyFunction(lambda: list(Area.values))
    ncp_areas = factory.LazyFunction(list)


class AccessGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessGroup
        django_get_or_create = ("name",)
        skip_postgeneration_save = True  # the hooks only set many-to-many relations

    name = factory.Sequence(lambda n: f"Access group {n}")

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        if create and extracted:
            self.organisations.set(extracted)

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.set(extracted)


def export_finished(owner) -> ExportJob:
    """A finished export of an empty alert list, its file stored, owned by `owner`."""
    job = ExportJob.objects.create(
        owner=owner,
        source="alerts:list",
        format="csv",
        state=ExportJob.State.DONE,
        total=0,
        finished_at=timezone.now(),
    )
    job.file.save("export.csv", ContentFile(b"TLP:CLEAR\n"), save=True)
    return job
