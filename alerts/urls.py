from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("", views.AlertListView.as_view(), name="list"),
    path("new/", views.AlertCreateView.as_view(), name="create"),
    path("acknowledge/", views.alerts_acknowledge, name="acknowledge_many"),
    path("<int:pk>/", views.AlertDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.AlertUpdateView.as_view(), name="edit"),
    path("<int:pk>/publish/", views.alert_publish, name="publish"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge, name="acknowledge"),
    path("<int:pk>/deliveries/", views.alert_deliveries, name="deliveries"),
]
