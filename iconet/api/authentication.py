"""Authentication of API requests by an API client's key (`Authorization: Bearer icn_...`)."""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from iconet.audit.services import client_address

from ..sharing.access import principal_group_ids
from .models import ApiAction
from .services import api_client_for_key, api_client_used


def organisation_principals(user) -> list[int]:
    """The account's principals less any access group it was made a member of in person (which
    an administrator could do to the account as to anybody's): a client reads what its
    organisation reads, never more."""
    from ..models import AccessGroupMember, AccessGroupOrganisation

    principals = set(principal_group_ids(user))
    personal = set(
        AccessGroupMember.objects.current()
        .filter(user=user)
        .exclude(
            accessgroup__in=AccessGroupOrganisation.objects.current()
            .filter(organisation_id=user.organisation_id)
            .values("accessgroup")
        )
        .values_list("accessgroup__group_id", flat=True)
    )
    return sorted(principals - personal)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """The request acts as the client's account; `request.auth` is the client."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode().lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header is malformed."))
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("The API key is not valid.")) from exc
        client = api_client_for_key(key)
        if client is None:
            raise exceptions.AuthenticationFailed(_("The API key is not valid."))
        if client.is_revoked:
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
        if client.is_expired:
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        user = client.user
        if not user.is_active or not client.organisation.is_active:
            raise exceptions.AuthenticationFailed(_("This API key is no longer active."))
        address = client_address(request._request)
        if not client.allows_address(address):
            raise exceptions.PermissionDenied(_("This API key may not be used from this network."))
        # The areas the client has, and nothing its account might have gained in the database.
        user.areas = [area for area in user.areas if area in client.areas]
        if client.may(ApiAction.PUBLISH):
            user.acting_ncp_areas = tuple(user.areas)
        user._iconet_principals = organisation_principals(user)
        # It acts for its organisation: it acknowledges what the organisation was told.
        user.acts_for_organisation = True
        api_client_used(client=client, address=address)
        return user, client

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
