"""Making, rotating and revoking API clients, and finding the client of a key.

Making a client is a change of access: `api_client_create` is the one function that does it, so
that the rule for access changes applies to it in one place."""

import hashlib
import hmac
import ipaddress
import secrets
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from iconet.audit.services import audited

from ..models import Area, Role, User
from .models import ApiAction, ApiClient

KEY_PREFIX = "icn"


def _digest(secret: str) -> str:
    # The secret is 32 random bytes: a plain digest is as strong as a slow hash would be.
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def key_compose(client: ApiClient, secret: str) -> str:
    """The key a system sends: `icn_<key id>_<secret>`."""
    return f"{KEY_PREFIX}_{client.key_id}_{secret}"


def api_client_manageable(actor: User, organisation_id: int) -> bool:
    """Only the organisation's national administrators manage its API clients."""
    return (
        actor.is_active
        and actor.role == Role.NATIONAL_ADMIN
        and actor.organisation_id == organisation_id
    )


def _validate(*, areas, actions, expires_at: datetime, allowed_networks) -> None:
    errors = {}
    if not areas or not set(areas) <= set(Area.values):
        errors["areas"] = _("Choose at least one area.")
    if not actions or not set(actions) <= set(ApiAction.values):
        errors["actions"] = _("Choose at least one action.")
    if expires_at <= timezone.now():
        errors["expires_at"] = _("The expiry must be in the future.")
    for network in allowed_networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            errors["allowed_networks"] = _("%(value)s is not a network (e.g. 192.0.2.0/24).") % {
                "value": network
            }
    if errors:
        raise ValidationError(errors)


@audited
@transaction.atomic
def api_client_create(
    *,
    actor: User,
    organisation_id: int,
    name: str,
    areas: list[str],
    actions: list[str],
    expires_at: datetime,
    allowed_networks: list[str] = (),  # type: ignore[assignment]
) -> tuple[ApiClient, str]:
    """Make an API client of the organisation; returns it with its key, shown this once."""
    if not api_client_manageable(actor, organisation_id):
        raise PermissionDenied
    allowed_networks = list(allowed_networks)
    _validate(
        areas=areas, actions=actions, expires_at=expires_at, allowed_networks=allowed_networks
    )
    key_id = secrets.token_hex(6)
    account = User(
        username=f"api-{key_id}",
        first_name=name[:150],
        last_name="(API)",
        organisation_id=organisation_id,
        role=Role.OFFICER,
        areas=sorted(set(areas)),
        # Reads nothing until a second administrator approves the client (a change of access).
        is_active=False,
    )
    account.set_unusable_password()
    account.save()
    secret = _new_secret()
    client = ApiClient(
        name=name,
        organisation_id=organisation_id,
        user=account,
        areas=sorted(set(areas)),
        actions=sorted(set(actions)),
        expires_at=expires_at,
        allowed_networks=allowed_networks,
        key_id=key_id,
        secret_hash=_digest(secret),
        created_by=actor,
    )
    client.full_clean(exclude=["user", "created_by"])
    client.save()
    from iconet.directory.services.access_changes import api_client_request

    api_client_request(
        actor=actor,
        account=account,
        reason=_("API client “%(name)s” (areas: %(areas)s; actions: %(actions)s)")
        % {"name": name, "areas": ", ".join(client.areas), "actions": ", ".join(client.actions)},
    )
    return client, key_compose(client, secret)


@audited
@transaction.atomic
def api_client_rotate(*, actor: User, client: ApiClient) -> str:
    """Give the client a new secret (the old one stops working at once); returns the new key."""
    if not api_client_manageable(actor, client.organisation_id) or client.is_revoked:
        raise PermissionDenied
    secret = _new_secret()
    client.secret_hash = _digest(secret)
    client.rotated_at = timezone.now()
    client.save(update_fields=["secret_hash", "rotated_at"])
    return key_compose(client, secret)


@audited
@transaction.atomic
def api_client_revoke(*, actor: User, client: ApiClient) -> ApiClient:
    """Stop the client for good: its key and its account no longer work."""
    if not api_client_manageable(actor, client.organisation_id):
        raise PermissionDenied
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.revoked_by = actor
        client.save(update_fields=["revoked_at", "revoked_by"])
        client.user.is_active = False
        client.user.save(update_fields=["is_active"])
    return client


def api_client_for_key(key: str) -> ApiClient | None:
    """The client whose key this is (revoked or expired ones too: the caller says why), or None."""
    prefix, _sep, rest = key.partition("_")
    key_id, _sep, secret = rest.partition("_")
    if prefix != KEY_PREFIX or not key_id or not secret:
        return None
    client = ApiClient.objects.select_related("user", "organisation").filter(key_id=key_id).first()
    if client is None or not hmac.compare_digest(client.secret_hash, _digest(secret)):
        return None
    return client


def api_client_used(*, client: ApiClient, address: str | None) -> None:
    """Note the client's last use, written at most once a minute."""
    now = timezone.now()
    if client.last_used_at and (now - client.last_used_at).total_seconds() < 60:
        return
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=now, last_used_from=address)
    client.last_used_at, client.last_used_from = now, address
