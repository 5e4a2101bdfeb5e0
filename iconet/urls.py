"""URLs of the portal: the core's own pages, then one namespace per area."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from .admin import manage_site
from .api import docs as api_docs
from .api import pages as api_pages
from .attachments import views as attachments
from .dashboard import views as home
from .directory.views import access_changes as access_change_views
from .directory.views import accounts, administration
from .discussion import views as discussion
from .exports import views as exports
from .operations.views import health, metrics
from .outbox import views as recipients
from .search import views as search
from .sharing.views import sharing

accounts_patterns = (
    [
        path("sign-in/", accounts.LoginView.as_view(), name="login"),
        path("sign-out/", accounts.SignOutView.as_view(), name="logout"),
        path("two-factor/setup/", accounts.otp_setup, name="otp_setup"),
        path("two-factor/verify/", accounts.otp_verify, name="otp_verify"),
        path("two-factor/backup-codes/", accounts.backup_codes, name="backup_codes"),
        path("security/", accounts.security, name="security"),
        path("saved-searches/", search.saved_search_list, name="saved_searches"),
        path(
            "saved-searches/<int:pk>/",
            search.saved_search_edit,
            name="saved_search_edit",
        ),
        path(
            "saved-searches/<int:pk>/delete/",
            search.saved_search_delete,
            name="saved_search_delete",
        ),
        path(
            "password-reset/",
            auth_views.PasswordResetView.as_view(
                form_class=accounts.OutboxPasswordResetForm,
                success_url=reverse_lazy("accounts:password_reset_done"),
                email_template_name="registration/password_reset_email.html",
                subject_template_name="registration/password_reset_subject.txt",
            ),
            name="password_reset",
        ),
        path(
            "password-reset/sent/",
            auth_views.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            "password-reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(
                success_url=reverse_lazy("accounts:password_reset_complete"),
            ),
            name="password_reset_confirm",
        ),
        path(
            "password-reset/complete/",
            auth_views.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
    ],
    "accounts",
)

sharing_patterns = (
    [
        path("items/<str:type_slug>/<int:pk>/publish/", sharing.item_publish, name="publish"),
        path("items/<str:type_slug>/<int:pk>/state/", sharing.item_state, name="state"),
        path("items/<str:type_slug>/<int:pk>/history/", sharing.item_history, name="history"),
        path("items/<str:type_slug>/<int:pk>/print/", sharing.item_print, name="print"),
        path(
            "items/<str:type_slug>/<int:pk>/export.pdf", sharing.item_export_pdf, name="export_pdf"
        ),
        path(
            "items/<str:type_slug>/<int:pk>/access-log/", sharing.item_access_log, name="access_log"
        ),
        path("items/<str:type_slug>/<int:pk>/footprint/", sharing.item_footprint, name="footprint"),
        path("items/<str:type_slug>/<int:pk>/narrow/", sharing.item_narrow, name="narrow"),
        path("items/<str:type_slug>/<int:pk>/retention/", sharing.item_retention, name="retention"),
        path(
            "items/<str:type_slug>/<int:pk>/disclose/",
            sharing.disclosure_create,
            name="disclosure_create",
        ),
        path(
            "items/<str:type_slug>/<int:pk>/recipients/",
            recipients.item_recipients,
            name="recipients",
        ),
        path(
            "items/<str:type_slug>/<int:pk>/attachments/",
            attachments.attachment_create,
            name="attachment_create",
        ),
        path(
            "items/<str:type_slug>/<int:pk>/attachments/<int:attachment_pk>/",
            attachments.attachment_download,
            name="attachment",
        ),
        path("items/<str:type_slug>/<int:pk>/replies/", discussion.reply_create, name="reply"),
        path("items/<str:type_slug>/<int:pk>/follow/", discussion.follow_set, name="follow"),
        path("items/<str:type_slug>/<int:pk>/links/", discussion.link_set, name="links"),
        path("items/bulk/", discussion.items_bulk, name="items_bulk"),
        path("footprints/", sharing.footprint_find, name="footprint_find"),
        path("retention/", sharing.retention_overview, name="retention_overview"),
        path("disclosures/", sharing.disclosure_list, name="disclosures"),
        path("disclosures/<int:pk>/", sharing.disclosure_detail, name="disclosure"),
        path(
            "disclosures/<int:pk>/withdraw/",
            sharing.disclosure_withdraw,
            name="disclosure_withdraw",
        ),
    ],
    "sharing",
)

administration_patterns = (
    [
        path("", administration.index, name="index"),
        path("users/", administration.user_list, name="users"),
        path("users/invite/", administration.user_invite, name="user_invite"),
        path("users/<int:pk>/", administration.user_detail, name="user"),
        path("users/<int:pk>/deactivate/", administration.user_deactivate, name="user_deactivate"),
        path(
            "users/<int:pk>/second-factor-reset/",
            administration.user_second_factor_reset,
            name="user_otp_reset",
        ),
        path("users/<int:pk>/reinvite/", administration.user_reinvite, name="user_reinvite"),
        path(
            "users/<int:pk>/reactivate/",
            access_change_views.user_reactivate,
            name="user_reactivate",
        ),
        path("access-changes/", access_change_views.access_change_list, name="access_changes"),
        path(
            "access-changes/<int:pk>/",
            access_change_views.access_change_detail,
            name="access_change",
        ),
        path("access-groups/", administration.group_list, name="groups"),
        path("access-groups/new/", administration.group_create, name="group_create"),
        path("access-groups/<int:pk>/", administration.group_detail, name="group"),
        path(
            "access-groups/<int:pk>/add-user/",
            administration.group_member_add,
            name="group_member_add",
        ),
        path(
            "access-groups/<int:pk>/add-organisation/",
            administration.group_organisation_add,
            name="group_organisation_add",
        ),
        path(
            "access-groups/<int:pk>/<str:kind>/<int:membership_pk>/",
            administration.membership_edit,
            name="membership",
        ),
        path(
            "access-groups/<int:pk>/deactivate/",
            administration.group_deactivate,
            name="group_deactivate",
        ),
        path("organisations/", administration.organisation_list, name="organisations"),
        path("organisations/new/", administration.organisation_create, name="organisation_create"),
        path("organisations/<int:pk>/", administration.organisation_detail, name="organisation"),
        path(
            "organisations/<int:pk>/deactivate/",
            administration.organisation_deactivate,
            name="organisation_deactivate",
        ),
        path("contact-points/", administration.contact_points, name="contact_points"),
        path("account/password/", administration.account_password, name="account_password"),
        path("account/sessions/", administration.account_sessions, name="account_sessions"),
        path(
            "account/sessions/<int:pk>/revoke/",
            administration.account_session_revoke,
            name="account_session_revoke",
        ),
    ],
    "administration",
)

exports_patterns = (
    [
        path("", exports.export_list, name="list"),
        path("new/", exports.export_start, name="start"),
        path("<int:pk>/", exports.export_detail, name="detail"),
        path("<int:pk>/status/", exports.export_status, name="status"),
        path("<int:pk>/cancel/", exports.export_cancel, name="cancel"),
        path("<int:pk>/download/", exports.export_download, name="download"),
    ],
    "exports",
)

urlpatterns = [
    path("", home.home, name="home"),
    path("notifications/", home.notification_list, name="notifications"),
    path("notifications/read/", home.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/open/", home.notification_open, name="notification_open"),
    path("drafts/", home.drafts, name="drafts"),
    path("search/", search.search_page, name="search"),
    path("search/save/", search.saved_search_create, name="search_save"),
    path("accounts/", include(accounts_patterns)),
    path("sharing/", include(sharing_patterns)),
    path("i18n/setlang/", accounts.language_set, name="set_language"),
    path("health/live/", health.health_live, name="health_live"),
    path("health/ready/", health.health_ready, name="health_ready"),
    path("health/background/", health.health_background, name="health_background"),
    path("metrics/", metrics.metrics, name="metrics"),
    path("administration/", include(administration_patterns)),
    path("exports/", include(exports_patterns)),
    path("invitation/<str:token>/", administration.invitation_accept, name="invitation_accept"),
    path("email-confirm/<str:token>/", access_change_views.email_confirm, name="email_confirm"),
    # Django's admin: for the technical superuser only; administrators use /administration/.
    path("manage/", manage_site.urls),
    path("api/", include("iconet.api.urls")),
    path("api/v1/schema/", api_docs.schema, name="api_schema"),
    path("api/v1/docs/", api_docs.docs, name="api_docs"),
    path("administration/api-clients/", api_pages.api_clients, name="api_clients"),
    path("administration/api-clients/new/", api_pages.api_client_new, name="api_client_new"),
    path(
        "administration/api-clients/<int:pk>/rotate/",
        api_pages.api_client_rotate_page,
        name="api_client_rotate",
    ),
    path(
        "administration/api-clients/<int:pk>/webhooks/new/",
        api_pages.webhook_endpoint_new,
        name="webhook_endpoint_new",
    ),
    path(
        "administration/api-clients/webhooks/<int:pk>/turn-off/",
        api_pages.webhook_endpoint_turn_off_page,
        name="webhook_endpoint_turn_off",
    ),
    path(
        "administration/api-clients/<int:pk>/revoke/",
        api_pages.api_client_revoke_page,
        name="api_client_revoke",
    ),
    path("alerts/", include("alerts.urls")),
    path("ilo/", include("ilo_reports.urls")),
    path("documents/", include("documents.urls")),
    path("returns/", include("returns.urls")),
    path("workspaces/", include("workspaces.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
