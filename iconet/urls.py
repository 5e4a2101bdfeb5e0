"""URLs of the portal: the core's own pages, then one namespace per area."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from django.views.i18n import set_language

from .admin import manage_site
from .views import accounts, attachments, home, sharing

accounts_patterns = ([
    path("sign-in/", accounts.LoginView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/setup/", accounts.otp_setup, name="otp_setup"),
    path("two-factor/verify/", accounts.otp_verify, name="otp_verify"),
    path("two-factor/backup-codes/", accounts.backup_codes, name="backup_codes"),
    path("security/", accounts.security, name="security"),
    path("password-reset/", auth_views.PasswordResetView.as_view(
        form_class=accounts.OutboxPasswordResetForm,
        success_url=reverse_lazy("accounts:password_reset_done"),
        email_template_name="registration/password_reset_email.html",
        subject_template_name="registration/password_reset_subject.txt",
    ), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        success_url=reverse_lazy("accounts:password_reset_complete"),
    ), name="password_reset_confirm"),
    path("password-reset/complete/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
], "accounts")

sharing_patterns = ([
    path("items/<str:type_slug>/<int:pk>/publish/", sharing.item_publish, name="publish"),
    path("items/<str:type_slug>/<int:pk>/state/", sharing.item_state, name="state"),
    path("items/<str:type_slug>/<int:pk>/history/", sharing.item_history, name="history"),
    path("items/<str:type_slug>/<int:pk>/print/", sharing.item_print, name="print"),
    path("items/<str:type_slug>/<int:pk>/export.pdf", sharing.item_export_pdf, name="export_pdf"),
    path("items/<str:type_slug>/<int:pk>/access-log/", sharing.item_access_log, name="access_log"),
    path("items/<str:type_slug>/<int:pk>/disclose/", sharing.disclosure_create, name="disclosure_create"),
    path("items/<str:type_slug>/<int:pk>/attachments/", attachments.attachment_create,
         name="attachment_create"),
    path("items/<str:type_slug>/<int:pk>/attachments/<int:attachment_pk>/",
         attachments.attachment_download, name="attachment"),
    path("disclosures/", sharing.disclosure_list, name="disclosures"),
    path("disclosures/<int:pk>/", sharing.disclosure_detail, name="disclosure"),
    path("disclosures/<int:pk>/withdraw/", sharing.disclosure_withdraw, name="disclosure_withdraw"),
], "sharing")

urlpatterns = [
    path("", home.home, name="home"),
    path("notifications/", home.notification_list, name="notifications"),
    path("notifications/read/", home.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/open/", home.notification_open, name="notification_open"),
    path("accounts/", include(accounts_patterns)),
    path("sharing/", include(sharing_patterns)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("manage/", manage_site.urls),
    path("alerts/", include("alerts.urls")),
    path("ilo/", include("ilo_reports.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
