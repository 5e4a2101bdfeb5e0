"""/api/v1/: every registered item type's list, detail and publish addresses, and what a client
does with one item (iconet.api.item_actions), from the registry.

The views of namespace "api" authenticate each request by an API client's key and never by a
session (iconet.middleware lets them through to do so); the schema and its documentation page
are pages for signed-in users."""

from django.urls import path

from .declaration import api_types
from .item_actions import ACTION_PATHS, action_views_for
from .views import MeView, RootView, views_for

app_name = "api"


def item_patterns() -> list:
    patterns = []
    for api_type in api_types():
        views = views_for(api_type)
        base = f"v1/{api_type.path}/"
        patterns += [
            path(base, views["list"].as_view(), name=f"{api_type.slug}-list"),
            path(f"{base}<int:pk>/", views["detail"].as_view(), name=f"{api_type.slug}-detail"),
            path(
                f"{base}<int:pk>/publish/",
                views["publish"].as_view(),
                name=f"{api_type.slug}-publish",
            ),
        ]
        for suffix, view in action_views_for(api_type).items():
            patterns.append(
                path(
                    f"{base}<int:pk>/{ACTION_PATHS[suffix]}",
                    view.as_view(),
                    name=f"{api_type.slug}-{suffix}",
                )
            )
    return patterns


urlpatterns = [
    path("v1/", RootView.as_view(), name="root"),
    path("v1/me/", MeView.as_view(), name="me"),
    *item_patterns(),
]
