"""Load idempotent demo data: the participating states, their services, contact points,
national administrators (two in France and Germany, one in the Netherlands), two Commission
administrators, ILOs posted in two host countries and a few access groups.

Demo accounts share one password and a fixed TOTP secret, printed at the end, so that a
reviewer can sign in with any authenticator app (or `python manage.py demo_totp USER`).
These secrets exist only in demo data: the command refuses to run in production mode.
"""

import os
import shlex
import sys

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ...directory.data import EU_MEMBER_STATES, SCHENGEN_ASSOCIATED, countries_ensure
from ...models import AccessGroup, Area, Organisation, Role, User

DEMO_PASSWORD = "iconet-demo-2026"
# 20 bytes, hex: the same for every demo account so one authenticator entry serves them all.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
NCP_STATES = ["FR", "DE", "NL", "BE", "IT", "ES"]
ALL_AREAS = list(Area.values)


def python_command() -> str:
    """The Python that runs this command, as the operator can type it again from the project's
    directory (the virtual environment's, which a bare `python` may not be)."""
    try:
        path = os.path.relpath(sys.executable)
    except ValueError:
        path = sys.executable
    if os.sep not in path:
        path = f".{os.sep}{path}"
    return shlex.quote(path)


class Command(BaseCommand):
    help = "Create or refresh the demo network (safe to run more than once)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo creates known passwords; it only runs with ICONET_ENV=development."
            )
        with transaction.atomic():
            accounts = self.seed()
        self.stdout.write(self.style.SUCCESS("Demo network ready."))
        self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
        self.stdout.write(
            "Second factor: add the secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ "
            "(TOTP, SHA1, 6 digits, 30 s) to an "
            "authenticator app, or print the current code with "
            f"`{python_command()} manage.py demo_totp`."
        )
        for username, description in accounts:
            self.stdout.write(f"  {username:<22} {description}")

    def seed(self) -> list[tuple[str, str]]:
        countries_ensure()
        password = make_password(DEMO_PASSWORD)
        services = {}
        for code, name in {**EU_MEMBER_STATES, **SCHENGEN_ASSOCIATED}.items():
            services[code], _ = Organisation.objects.get_or_create(
                name=f"{name}: border and immigration police",
                defaults={
                    "short_name": f"Border police {code}",
                    "country_id": code,
                    "email": f"ncp@{code.lower()}.example",
                },
            )
        commission, _ = Organisation.objects.get_or_create(
            name="European Commission, DG Migration and Home Affairs",
            defaults={"short_name": "EC DG HOME", "kind": Organisation.Kind.COMMISSION},
        )
        frontex, _ = Organisation.objects.get_or_create(
            name="Frontex, European Border and Coast Guard Agency",
            defaults={"short_name": "Frontex", "kind": Organisation.Kind.AGENCY},
        )
        accounts: list[tuple[str, str]] = []

        def person(username, org, first, last, description, **fields):
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "organisation": org,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@demo.iconet.test",
                    "password": password,
                    "is_active": True,
                    **fields,
                },
            )
            TOTPDevice.objects.update_or_create(
                user=user,
                name="Demo authenticator",
                defaults={"key": DEMO_TOTP_KEY, "confirmed": True},
            )
            accounts.append((username, description))
            return user

        names = {
            "FR": ("Camille", "Martin"),
            "DE": ("Jonas", "Becker"),
            "NL": ("Sanne", "de Vries"),
            "BE": ("Lucas", "Peeters"),
            "IT": ("Giulia", "Rossi"),
            "ES": ("Lucía", "García"),
        }
        for code in NCP_STATES:
            first, last = names[code]
            person(
                f"{code.lower()}.ncp",
                services[code],
                first,
                last,
                f"national contact point of {code}, every area",
                role=Role.OFFICER,
                areas=ALL_AREAS,
                ncp_areas=ALL_AREAS,
            )
        person(
            "fr.officer",
            services["FR"],
            "Hugo",
            "Bernard",
            "officer of FR (drafts, no contact point)",
            role=Role.OFFICER,
            areas=ALL_AREAS,
            ncp_areas=[],
        )
        person(
            "fr.admin",
            services["FR"],
            "Claire",
            "Dubois",
            "national administrator of FR",
            role=Role.NATIONAL_ADMIN,
            areas=[],
            ncp_areas=[],
        )
        person(
            "ec.admin",
            commission,
            "Eva",
            "Novak",
            "Commission administrator",
            role=Role.COMMISSION_ADMIN,
            areas=ALL_AREAS,
            ncp_areas=[],
        )
        # Changes of access are approved by a second administrator: France and Germany have
        # two national administrators (they approve each other), the Netherlands one (the
        # Commission approves its changes), and the Commission two.
        second_admins = [
            ("fr.admin2", "FR", "Julien", "Moreau"),
            ("de.admin", "DE", "Anna", "Schmidt"),
            ("de.admin2", "DE", "Lukas", "Wagner"),
            ("nl.admin", "NL", "Daan", "Jansen"),
        ]
        for username, code, first, last in second_admins:
            person(
                username,
                services[code],
                first,
                last,
                f"national administrator of {code}",
                role=Role.NATIONAL_ADMIN,
                areas=[],
                ncp_areas=[],
            )
        person(
            "ec.admin2",
            commission,
            "Tomas",
            "Lindqvist",
            "second Commission administrator",
            role=Role.COMMISSION_ADMIN,
            areas=[],
            ncp_areas=[],
        )
        person(
            "frontex.analyst",
            frontex,
            "Mikko",
            "Virtanen",
            "EU agency user (observer)",
            role=Role.AGENCY_USER,
            areas=ALL_AREAS,
            ncp_areas=[],
        )
        ilos = {
            "TR": [
                ("ilo.fr.tr", "FR", "Antoine", "Lefèvre"),
                ("ilo.de.tr", "DE", "Lena", "Schulz"),
                ("ilo.nl.tr", "NL", "Daan", "Jansen"),
            ],
            "MA": [("ilo.es.ma", "ES", "Javier", "López"), ("ilo.fr.ma", "FR", "Sophie", "Moreau")],
        }
        for host, people in ilos.items():
            for username, code, first, last in people:
                person(
                    username,
                    services[code],
                    first,
                    last,
                    f"immigration liaison officer of {code} in {host}",
                    role=Role.ILO,
                    areas=[Area.ILO],
                    ncp_areas=[],
                    host_country=host,
                )

        groups = {
            "Early-warning contact points": (
                "The alerts-area contact points of every Member State.",
                list(services.values()),
            ),
            "Mediterranean route working group": (
                "Services of the Mediterranean Member States.",
                [services[c] for c in ("ES", "IT", "FR", "GR", "MT", "CY")],
            ),
            "Benelux and France": (
                "Cooperation of neighbouring services.",
                [services[c] for c in ("BE", "NL", "LU", "FR")],
            ),
        }
        for name, (description, orgs) in groups.items():
            group, _ = AccessGroup.objects.get_or_create(
                name=name, defaults={"description": description}
            )
            group.organisations.add(*orgs)
        return accounts
