"""The sign-in backend: Django's model backend, reading the signed-in user of each request with
the organisation and its country that every page's header names and the visibility filter
reads, in the same query."""

from django.contrib.auth.backends import ModelBackend


class UserWithOrganisationBackend(ModelBackend):
    def get_user(self, user_id):
        from ..models import User

        user = User.objects.select_related("organisation__country").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
