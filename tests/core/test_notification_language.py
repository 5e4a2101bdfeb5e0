"""Notifications are written in each recipient's language, whatever the language of the one who
acts: for every notifying step of the ILO report workflow, of the returns' seat offer, of the
saved searches and of access changes, a French reader's title and e-mail are in French, an
English reader's in English, and both name the item concerned."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db.models import Max
from django.utils import translation

from iconet.directory.services.directory import user_deactivate
from iconet.models import Audience, EmailDelivery, Notification, Organisation, SavedSearch, User
from iconet.search import saved_searches
from ilo_reports import services as ilo
from ilo_reports.models import NetworkChair, Semester
from returns.models import Incident, OperationStatus, ReturnProblem
from returns.services import incident_report, operation_transition, seats_allocate
from tests.core.test_search import SEARCHED, text_field
from tests.ilo_reports.conftest import network_make
from tests.items import item_make
from tests.returns.conftest import offer_open, operation_published, reply

pytestmark = pytest.mark.django_db

# The words of each template's fixed text (English, French): the body was rendered in the
# reader's language, not only its title filled in.
ILO_BODY = (
    "Open it in ICONet (sign-in required):",
    "L'ouvrir dans ICONet (connexion requise)\u00a0:",
)
RETURNS_BODY = ("Open it in ICONet:", "L'ouvrir dans ICONet :")
SAVED_BODY = ("Sign in to read them.", "Connectez-vous pour les lire.")


@dataclass(frozen=True)
class Case:
    """One notifying action: `prepare(cast)` brings the item to the state before it and returns
    what `act(cast, ready)` needs; `names(ready)` are how the title and the e-mail name the item.
    `english` and `french` hold words of the title, the subject and the body in each language."""

    name: str
    actor: str
    reader: str
    prepare: Callable[[Any], Any]
    act: Callable[[Any, Any], Any]
    names: Callable[[Any], list[str]]
    english: tuple[str, str, str]
    french: tuple[str, str, str]
    title_names: bool = field(default=True)


# --- the ILO report workflow -------------------------------------------------------------


def ilo_network(cast):
    """The Türkiye network, chaired by France this semester through its posted ILO."""
    semester = Semester.reporting()
    network = network_make()
    NetworkChair.objects.create(
        network=network,
        semester=str(semester),
        organisation=Organisation.objects.get(short_name="BP-FR"),
        officer=cast.ilo_fr_tr,
    )
    return network, semester


def ilo_report(*steps):
    """A report opened by the chair and taken through `steps` (each `step(cast, report)`)."""

    def prepare(cast):
        network, semester = ilo_network(cast)
        report = ilo.report_open(actor=cast.ilo_fr_tr, network=network, semester=semester)
        for step in steps:
            step(cast, report)
        report.refresh_from_db()
        return report

    return prepare


def submitted(cast, report):
    ilo.report_submit(actor=cast.ilo_fr_tr, report=report)


def reviewed(cast, report):
    ilo.report_review(actor=cast.commission_admin, report=report, comment="Complete.")


def published(cast, report):
    report.refresh_from_db()
    ilo.report_publish(
        actor=cast.commission_admin, report=report, audience="network", marking="GREEN"
    )


def report_named(report) -> list[str]:
    return [str(report.network), str(report.semester)]


def ilo_case(name, actor, reader, prepare, act, english, french, names=report_named) -> Case:
    """A step of the workflow: its title is in the subject and leads the e-mail."""
    return Case(
        name=name,
        actor=actor,
        reader=reader,
        prepare=prepare,
        act=act,
        names=names,
        english=(english, english, ILO_BODY[0]),
        french=(french, french, ILO_BODY[1]),
    )


def reminder_send(cast, ready):
    _network, semester = ready
    assert ilo.report_reminders_send(semester.deadline - datetime.timedelta(days=3)) == 1


# --- returns -----------------------------------------------------------------------------


def operation_offered(*replies):
    """A published operation of the French service with seats offered to Germany and the
    Netherlands, and the replies of `replies` (cast names)."""

    def prepare(cast):
        operation = operation_published(cast.fr_ncp, audience="network")
        offer_open(cast.fr_ncp, operation)
        return operation, {who: reply(getattr(cast, who), operation) for who in replies}

    return prepare


def fundamental_rights_report(cast, ready):
    operation, _replies = ready
    incident_report(
        actor=cast.de_ncp,
        operation=operation,
        incident=Incident(
            occurred_at="2026-05-01T10:00Z",
            place="Lagos airport",
            category="fundamental_rights",
            facts="Restraints kept on after landing.",
        ),
    )


def returns_case(name, actor, reader, prepare, act, english, french) -> Case:
    """A message about the operation: its title is in the subject and the body."""
    return Case(
        name=name,
        actor=actor,
        reader=reader,
        prepare=prepare,
        act=act,
        names=lambda ready: [ready[0].reference],
        english=(english, english, RETURNS_BODY[0]),
        french=(french, french, RETURNS_BODY[1]),
    )


# --- access changes --------------------------------------------------------------------


def officer_deactivated(cast, officer):
    user_deactivate(actor=cast.commission_admin, user=officer, reason="Left the service.")


# --- saved searches ----------------------------------------------------------------------


def problem_found(frequency):
    """A saved search of the French contact point, and a return problem it finds, published."""

    def prepare(cast):
        SavedSearch.objects.create(
            user=cast.fr_ncp, name="Routes", query="zorblatt", frequency=frequency
        )
        item_type = dict(SEARCHED)[ReturnProblem.type_slug()]
        return item_make(
            ReturnProblem.type_slug(),
            author=cast.fr_officer,
            audience=Audience.OWNER,
            marking="AMBER",
            **{text_field(item_type): "Zorblatt route confirmed"},
        )

    return prepare


def digest_prepare(cast):
    problem = problem_found(SavedSearch.Frequency.DAILY)(cast)
    saved_searches.item_check(ReturnProblem, problem.pk)
    return problem


CASES = [
    ilo_case(
        "ilo-opened",
        "ilo_fr_tr",
        "ilo_de_tr",
        ilo_network,
        lambda cast, ready: ilo.report_open(
            actor=cast.ilo_fr_tr, network=ready[0], semester=ready[1]
        ),
        "is open for contributions",
        "est ouvert aux contributions",
        names=lambda ready: [str(ready[0]), str(ready[1])],
    ),
    ilo_case(
        "ilo-contribution",
        "ilo_de_tr",
        "ilo_fr_tr",
        ilo_report(),
        lambda cast, report: ilo.contribution_add(
            actor=cast.ilo_de_tr,
            report=report,
            section=report.template.sections.first(),
            text="The route through the Aegean is busier.",
        ),
        "New contribution from",
        "Nouvelle contribution de",
    ),
    ilo_case(
        "ilo-submitted",
        "ilo_fr_tr",
        "commission_admin",
        ilo_report(),
        lambda cast, report: ilo.report_submit(actor=cast.ilo_fr_tr, report=report),
        "was submitted for review",
        "a été soumis pour examen",
    ),
    ilo_case(
        "ilo-reviewed",
        "commission_admin",
        "ilo_fr_tr",
        ilo_report(submitted),
        lambda cast, report: ilo.report_review(actor=cast.commission_admin, report=report),
        "was reviewed",
        "a été examiné",
    ),
    ilo_case(
        "ilo-returned",
        "commission_admin",
        "ilo_fr_tr",
        ilo_report(submitted),
        lambda cast, report: ilo.report_return(
            actor=cast.commission_admin, report=report, comment="Section 2 is missing."
        ),
        "was returned for correction",
        "a été renvoyé pour correction",
    ),
    ilo_case(
        "ilo-published",
        "commission_admin",
        "ilo_de_tr",
        ilo_report(submitted, reviewed),
        published,
        "was published",
        "a été publié",
    ),
    ilo_case(
        "ilo-correction",
        "ilo_fr_tr",
        "ilo_de_tr",
        ilo_report(submitted, reviewed, published),
        lambda cast, report: ilo.report_revise(actor=cast.ilo_fr_tr, report=report),
        "A correction of the report of",
        "Une correction du rapport du réseau",
    ),
    Case(
        name="ilo-reminder",
        actor="commission_admin",
        reader="ilo_fr_tr",
        prepare=ilo_network,
        act=reminder_send,
        names=lambda ready: [str(ready[0]), str(ready[1])],
        english=("due on", "ILO network report due on", "has not been submitted yet"),
        french=("attendu le", "Rapport de réseau d'OLI attendu le", "n'a pas encore été soumis"),
    ),
    returns_case(
        "returns-offer",
        "fr_ncp",
        "de_ncp",
        lambda cast: (operation_published(cast.fr_ncp, audience="network"), {}),
        lambda cast, ready: offer_open(cast.fr_ncp, ready[0]),
        "Seats offered on return operation",
        "Places proposées sur l'opération de retour",
    ),
    returns_case(
        "returns-reply",
        "de_ncp",
        "fr_ncp",
        operation_offered(),
        lambda cast, ready: reply(cast.de_ncp, ready[0]),
        "replied to the seat offer of",
        "a répondu à l'offre de places de",
    ),
    returns_case(
        "returns-allocated",
        "fr_ncp",
        "de_ncp",
        operation_offered("de_ncp"),
        lambda cast, ready: seats_allocate(
            actor=cast.fr_ncp, operation=ready[0], participation=ready[1]["de_ncp"], seats=3
        ),
        "3 seats allocated to you on",
        "Places qui vous sont attribuées sur",
    ),
    returns_case(
        "returns-confirmed",
        "fr_ncp",
        "de_ncp",
        operation_offered("de_ncp"),
        lambda cast, ready: operation_transition(
            actor=cast.fr_ncp, operation=ready[0], status=OperationStatus.CONFIRMED
        ),
        "is confirmed",
        "confirmé",
    ),
    returns_case(
        "returns-fundamental-rights",
        "de_ncp",
        "fr_ncp",
        operation_offered("de_ncp"),
        fundamental_rights_report,
        "Fundamental-rights concern reported on",
        "Préoccupation en matière de droits fondamentaux signalée concernant",
    ),
    Case(
        name="access-change",
        actor="commission_admin",
        reader="fr_admin",
        prepare=lambda cast: cast.fr_officer,
        act=officer_deactivated,
        names=lambda officer: [str(officer)],
        english=("was deactivated", "[ICONet] Change of access:", "Details in the administration"),
        french=(
            "a été désactivé",
            "[ICONet] Modification d'accès",
            "Détails dans l'administration",
        ),
    ),
    Case(
        name="saved-search-immediate",
        actor="fr_officer",
        reader="fr_ncp",
        prepare=problem_found(SavedSearch.Frequency.IMMEDIATE),
        act=lambda cast, problem: saved_searches.item_check(ReturnProblem, problem.pk),
        names=lambda problem: [problem.reference],
        english=("Your saved search “Routes” found", "Saved search “Routes”", SAVED_BODY[0]),
        french=(
            "Votre recherche enregistrée « Routes » a trouvé",
            "Recherche enregistrée « Routes »",
            SAVED_BODY[1],
        ),
    ),
    Case(
        name="saved-search-digest",
        actor="fr_officer",
        reader="fr_ncp",
        prepare=digest_prepare,
        act=lambda cast, problem: saved_searches.digest_send(),
        names=lambda problem: [problem.reference],
        english=(
            "Your saved searches found 1 new items",
            "Daily digest of your saved searches",
            SAVED_BODY[0],
        ),
        french=(
            "Vos recherches enregistrées ont trouvé 1 nouvelles informations",
            "Récapitulatif quotidien de vos recherches enregistrées",
            SAVED_BODY[1],
        ),
        title_names=False,  # a digest names its items in the body
    ),
]

# Who acts in which language, and who reads in which: the reader's choice always wins.
LANGUAGES = [("en", "fr"), ("en", "en"), ("fr", "en")]


def latest_pk(model) -> int:
    return model.objects.aggregate(last=Max("pk"))["last"] or 0


@pytest.mark.parametrize(
    ("acting", "reading"), LANGUAGES, ids=[f"{a}-to-{r}" for a, r in LANGUAGES]
)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_reader_is_told_in_their_own_language_and_of_which_item(cast, case, acting, reading):
    actor, reader = getattr(cast, case.actor), getattr(cast, case.reader)
    User.objects.filter(pk=actor.pk).update(language=acting)
    User.objects.filter(pk=reader.pk).update(language=reading)
    ready = case.prepare(cast)
    notifications, emails = latest_pk(Notification), latest_pk(EmailDelivery)
    with translation.override(acting):  # as the actor's request would have it
        case.act(cast, ready)

    notification = Notification.objects.get(recipient=reader, pk__gt=notifications)
    email = EmailDelivery.objects.get(recipient=reader, pk__gt=emails)
    expected, other = (
        (case.french, case.english) if reading == "fr" else (case.english, case.french)
    )
    texts = (notification.title, email.subject, email.body)
    for text, words, foreign in zip(texts, expected, other, strict=True):
        assert words in text, (words, text)
        assert foreign not in text, (foreign, text)
    for name in case.names(ready):
        assert name in email.body, (name, email.body)
        if case.title_names:
            assert name in notification.title, (name, notification.title)
