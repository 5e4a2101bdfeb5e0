from django.urls import path

from . import views

app_name = "ilo_reports"
urlpatterns = [
    path("", views.ReportListView.as_view(), name="list"),
    path("open/", views.report_open, name="open"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.report_edit, name="edit"),
    path("<int:pk>/edit/<int:section_pk>/", views.report_section_edit, name="section"),
    path("<int:pk>/edit/part/<str:part>/", views.report_part_edit, name="part"),
    path("<int:pk>/contribute/", views.contribution_add, name="contribute"),
    path(
        "<int:pk>/contributions/<int:contribution_pk>/incorporate/",
        views.contribution_incorporate,
        name="incorporate",
    ),
    path("<int:pk>/submit/", views.report_submit, name="submit"),
    path("<int:pk>/review/", views.report_review, name="review"),
    path("<int:pk>/return/", views.report_return, name="return"),
    path("<int:pk>/publish/", views.report_publish, name="publish"),
    path("<int:pk>/revise/", views.report_revise, name="revise"),
    path("<int:pk>/changes/", views.report_changes, name="changes"),
    path("synthesis/", views.synthesis, name="synthesis"),
    path("synthesis/csv/", views.synthesis_csv, name="synthesis_csv"),
    path("synthesis/pdf/", views.synthesis_pdf, name="synthesis_pdf"),
    path("synthesis/tasks/add/", views.follow_up_task_add, name="task_add"),
    path("synthesis/tasks/<int:task_pk>/close/", views.follow_up_task_close, name="task_close"),
    path("networks/", views.network_list, name="networks"),
    path("networks/missing/", views.networks_missing, name="missing"),
    path("networks/<int:pk>/", views.network_detail, name="network"),
    path("networks/<int:pk>/meetings/add/", views.meeting_add, name="meeting_add"),
    path("networks/<int:pk>/compare/", views.network_compare, name="compare"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:pk>/", views.template_version, name="template_version"),
    path("templates/<int:pk>/copy/", views.template_copy, name="template_copy"),
    path(
        "templates/<int:pk>/sections/add/", views.template_section_add, name="template_section_add"
    ),
    path(
        "templates/<int:pk>/sections/<int:section_pk>/",
        views.template_section,
        name="template_section",
    ),
    path(
        "templates/<int:pk>/sections/<int:section_pk>/move/",
        views.template_section_move,
        name="template_section_move",
    ),
    path(
        "templates/<int:pk>/sections/<int:section_pk>/remove/",
        views.template_section_remove,
        name="template_section_remove",
    ),
    path("templates/<int:pk>/activate/", views.template_activate, name="template_activate"),
    path("postings/", views.posting_list, name="postings"),
    path("postings/add/", views.posting_edit, name="posting_add"),
    path("postings/<int:pk>/", views.posting_edit, name="posting_edit"),
]
