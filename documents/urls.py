from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.NoteListView.as_view(), name="list"),
    path("gallery/", views.note_gallery, name="gallery"),
    path("statistics/", views.note_statistics, name="statistics"),
    path("new/", views.NoteCreateView.as_view(), name="create"),
    path("<int:pk>/", views.NoteDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.NoteUpdateView.as_view(), name="edit"),
    path("<int:pk>/images/", views.image_add, name="image_add"),
    path("<int:pk>/images/<int:image_pk>/redact/", views.image_redact, name="image_redact"),
    path("<int:pk>/images/<int:image_pk>/review/", views.image_review, name="image_review"),
    path("<int:pk>/images/<int:image_pk>/delete/", views.image_delete, name="image_delete"),
    path("<int:pk>/images/<int:image_pk>/image.jpg", views.image_redacted, name="image"),
    path("<int:pk>/images/<int:image_pk>/thumbnail.jpg", views.image_thumbnail, name="thumbnail"),
    path("<int:pk>/images/<int:image_pk>/original/", views.image_original, name="original"),
    path("<int:pk>/images/<int:image_pk>/download/", views.image_download, name="download"),
]
