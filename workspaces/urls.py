from django.urls import path

from . import views

app_name = "workspaces"

urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/address/", views.feed_create, name="feed_create"),
    path("calendar/address/revoke/", views.feed_revoke, name="feed_revoke"),
    path("calendar/feed/<str:token>.ics", views.feed, name="feed"),
    path("groups/<int:group_pk>/", views.group_page, name="group"),
    path("groups/<int:group_pk>/folders/<int:folder_pk>/", views.folder_page, name="folder"),
    path("groups/<int:group_pk>/folders/new/", views.folder_create, name="folder_create"),
    path(
        "groups/<int:group_pk>/folders/<int:folder_pk>/subscription/",
        views.folder_subscribe,
        name="folder_subscribe",
    ),
    path("groups/<int:group_pk>/documents/new/", views.document_create, name="document_create"),
    path("groups/<int:group_pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("groups/<int:group_pk>/contributors/", views.contributors, name="contributors"),
    path("documents/", views.DocumentListView.as_view(), name="documents"),
    path("meetings/", views.MeetingListView.as_view(), name="meetings"),
    path("documents/<int:pk>/", views.DocumentDetailView.as_view(), name="document"),
    path("documents/<int:pk>/versions/", views.version_create, name="version_create"),
    path(
        "documents/<int:pk>/versions/<int:number>/",
        views.version_download,
        name="version_download",
    ),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting"),
    path("meetings/<int:pk>/change/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/reply/", views.meeting_reply, name="meeting_reply"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/calendar.ics", views.meeting_ics, name="meeting_ics"),
]
