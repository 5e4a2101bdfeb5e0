from django.urls import path

from . import views

app_name = "returns"
urlpatterns = [
    path("", views.ProblemListView.as_view(), name="list"),
    path("problems/new/", views.ProblemCreateView.as_view(), name="problem_create"),
    path("problems/<int:pk>/", views.ProblemDetailView.as_view(), name="problem_detail"),
    path("problems/<int:pk>/edit/", views.ProblemUpdateView.as_view(), name="problem_edit"),
    path("countries/<str:code>/", views.country_page, name="country"),
    path("operations/", views.OperationListView.as_view(), name="operation_list"),
    path("operations/calendar/", views.operation_calendar, name="calendar"),
    path("operations/new/", views.OperationCreateView.as_view(), name="operation_create"),
    path("operations/<int:pk>/", views.OperationDetailView.as_view(), name="operation_detail"),
    path("operations/<int:pk>/edit/", views.OperationUpdateView.as_view(), name="operation_edit"),
    path("operations/<int:pk>/offer/", views.seat_offer_open, name="offer"),
    path("operations/<int:pk>/reply/", views.seats_request, name="reply"),
    path("operations/<int:pk>/allocate/", views.seats_allocate, name="allocate"),
    path("operations/<int:pk>/status/", views.operation_transition, name="transition"),
    path("operations/<int:pk>/authorisations/", views.authorisation_record, name="authorisation"),
    path("operations/<int:pk>/checklist/", views.checklist_tick, name="checklist"),
    path("operations/<int:pk>/incidents/new/", views.incident_report, name="incident_create"),
    path(
        "operations/<int:pk>/incidents/<int:incident_pk>/status/",
        views.incident_transition,
        name="incident_transition",
    ),
]
