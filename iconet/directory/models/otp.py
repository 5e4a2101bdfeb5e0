"""One-time backup codes stored as keyed hashes (django-otp's static tokens are plain text)."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models, transaction
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def code_hash(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").lower()
    return hmac.new(settings.SECRET_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


class BackupCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A set of single-use backup codes for a user who has lost their authenticator."""

    class Meta:
        verbose_name = "backup code set"

    def get_throttle_factor(self) -> int:
        return settings.OTP_STATIC_THROTTLE_FACTOR

    @transaction.atomic
    def codes_regenerate(self, count: int = 10) -> list[str]:
        """Replace every code; the plain codes are returned once and never stored."""
        self.codes.all().delete()
        plain = []
        for _ in range(count):
            raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
            plain.append(f"{raw[:5]}-{raw[5:]}")
            BackupCode.objects.create(device=self, code_hash=code_hash(raw))
        return plain

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        deleted, _ = self.codes.filter(code_hash=code_hash(str(token))).delete()
        if deleted:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return f"backup code of {self.device.user}"
