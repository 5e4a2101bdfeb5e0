"""Print the current second-factor code of the demo accounts (development only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from .seed_demo import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current TOTP code shared by the demo accounts."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo codes exist only in development.")
        self.stdout.write(f"{totp(bytes.fromhex(DEMO_TOTP_KEY)):06d}")
