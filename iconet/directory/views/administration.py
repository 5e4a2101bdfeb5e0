"""Administration inside the portal: users, access groups, organisations, the directory of
contact points and one's own account. Thin views over iconet.directory.services.directory; a page
outside the administrator's scope answers 404, the area itself 403 for non-administrators.
No page shows the content of an item: access groups show counts per area and marking only."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...middleware import secret_path_masked
from ...models import (
    AccessGroup,
    AccessGroupMember,
    AccessGroupOrganisation,
    Area,
    Invitation,
    User,
)
from .. import forms
from ..services import access_changes, directory

REQUESTED = _(
    "The request is recorded. It takes effect once a second administrator approves it; "
    "the people concerned are told."
)


def _requested(request, count: int = 1) -> None:
    if count:
        messages.success(request, str(REQUESTED))


def administrators_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not directory.is_administrator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def commission_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (directory.is_administrator(request.user) and request.user.is_commission_admin):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def errors_to_form(form, error: ValidationError) -> None:
    """Show a service's refusal on the form (field errors where the form has the field)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def form_page(
    request,
    form,
    *,
    title: str,
    submit: str,
    cancel: str,
    intro: str = "",
    danger=False,
    breadcrumbs=(),
):
    return render(
        request,
        "administration/form_page.html",
        {
            "form": form,
            "title": title,
            "submit": submit,
            "cancel": cancel,
            "intro": intro,
            "danger": danger,
            "breadcrumbs": breadcrumbs,
        },
    )


def _crumbs(*pairs):
    return [{"label": label, "url": url} for label, url in pairs]


# --- index ------------------------------------------------------------------------------


@administrators_only
def index(request):
    actor = request.user
    return render(
        request,
        "administration/index.html",
        {
            "users_count": directory.users_manageable_by(actor).filter(is_active=True).count(),
            "groups_count": directory.groups_manageable_by(actor).filter(is_active=True).count(),
            "organisations_count": directory.organisations_manageable_by(actor)
            .filter(is_active=True)
            .count(),
        },
    )


# --- users ------------------------------------------------------------------------------


@administrators_only
def user_list(request):
    users = directory.users_manageable_by(request.user)
    query = (request.GET.get("q") or "").strip()
    if query:
        from django.db.models import Q

        users = users.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    return render(request, "administration/user_list.html", {"users": users[:500], "q": query})


@administrators_only
@require_http_methods(["GET", "POST"])
def user_invite(request):
    actor = request.user
    initial = {"organisation": actor.organisation_id} if not actor.is_commission_admin else {}
    form = forms.UserInviteForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            change = access_changes.account_request(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            _requested(request)
            return redirect("administration:access_change", change.pk)
    return form_page(
        request,
        form,
        title=_("Invite a user"),
        submit=_("Ask for the account"),
        cancel=reverse("administration:users"),
        intro=_(
            "Once a second administrator approves the account, the person receives a one-time "
            "link to choose a password and set up the second factor."
        ),
        breadcrumbs=_crumbs((_("Users"), reverse("administration:users"))),
    )


def _user_in_scope(request, pk) -> User:
    return get_object_or_404(directory.users_manageable_by(request.user), pk=pk)


@administrators_only
@require_http_methods(["GET", "POST"])
def user_detail(request, pk):
    actor = request.user
    user = _user_in_scope(request, pk)
    fields = [
        "first_name",
        "last_name",
        "email",
        "job_title",
        "phone",
        "organisation",
        "role",
        "areas",
        "ncp_areas",
    ]
    initial = {field: getattr(user, field) for field in fields}
    form = forms.UserDetailsForm(request.POST or None, actor=actor, initial=initial)
    if user.pk == actor.pk:
        # Nobody changes his own access: shown read-only, not refused only on saving.
        for name in (name for name in directory.ACCESS_FIELDS if name in form.fields):
            form.fields[name].disabled = True
            form.fields[name].help_text = _(
                "You cannot change your own access: another administrator does it."
            )
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in fields}
        try:
            _saved, asked = access_changes.user_change_request(
                actor=actor, user=user, changes=changes, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            if asked:
                _requested(request)
            else:
                messages.success(request, _("The changes are saved."))
            return redirect("administration:user", user.pk)
    memberships = user.access_group_rows.select_related("accessgroup")
    organisation_groups = AccessGroupOrganisation.objects.filter(
        organisation_id=user.organisation_id
    ).select_related(
        "accessgroup",
    )
    return render(
        request,
        "administration/user_detail.html",
        {
            "subject": user,
            "form": form,
            "is_self": user.pk == actor.pk,
            "memberships": memberships,
            "organisation_groups": organisation_groups,
            "history": directory.sign_in_history(user)[:20],
            "invitation": Invitation.objects.filter(user=user).first(),
            "has_password": user.has_usable_password(),
            "never_signed_in": user.last_login is None and not user.has_usable_password(),
            "changes": access_changes.requests_readable_by(actor).filter(user=user)[:20],
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def user_deactivate(request, pk):
    user = _user_in_scope(request, pk)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            directory.user_deactivate(
                actor=request.user, user=user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The account of %(user)s is deactivated.") % {"user": user})
            return redirect("administration:user", user.pk)
    return form_page(
        request,
        form,
        title=_("Deactivate the account of %(user)s") % {"user": user},
        submit=_("Deactivate"),
        cancel=reverse("administration:user", args=[user.pk]),
        danger=True,
        intro=_("The person can no longer sign in; the account and its history are kept."),
        breadcrumbs=_crumbs(
            (_("Users"), reverse("administration:users")),
            (str(user), reverse("administration:user", args=[user.pk])),
        ),
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def user_second_factor_reset(request, pk):
    user = _user_in_scope(request, pk)
    form = forms.ConfirmedReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = access_changes.second_factor_reset_request(
                actor=request.user, user=user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            _requested(request)
            return redirect("administration:access_change", change.pk)
    return form_page(
        request,
        form,
        title=_("Reset the second factor of %(user)s") % {"user": user},
        submit=_("Ask for the reset"),
        cancel=reverse("administration:user", args=[user.pk]),
        danger=True,
        intro=_(
            "Once a second administrator approves it, the authenticator app and the backup "
            "codes of this account stop working and its sessions end; the person is told at "
            "the address on file and sets up a new authenticator at the next sign-in with "
            "their own password. The reset is in the access log."
        ),
        breadcrumbs=_crumbs(
            (_("Users"), reverse("administration:users")),
            (str(user), reverse("administration:user", args=[user.pk])),
        ),
    )


@administrators_only
@require_POST
def user_reinvite(request, pk):
    user = _user_in_scope(request, pk)
    try:
        directory.invitation_send(actor=request.user, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("A new invitation is on its way to %(email)s.") % {"email": user.email}
        )
    return redirect("administration:user", user.pk)


# --- access groups ----------------------------------------------------------------------


@administrators_only
def group_list(request):
    groups = (
        directory.groups_manageable_by(request.user)
        .select_related("managing_organisation")
        .annotate(
            n_users=Count("member_rows", distinct=True),
            n_orgs=Count("organisation_rows", distinct=True),
        )
    )
    return render(request, "administration/group_list.html", {"groups": groups})


@commission_only
@require_http_methods(["GET", "POST"])
def group_create(request):
    form = forms.AccessGroupForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            group = directory.group_save(
                actor=request.user, group=form.instance, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The access group is created."))
            return redirect("administration:group", group.pk)
    return form_page(
        request,
        form,
        title=_("New access group"),
        submit=_("Create the group"),
        cancel=reverse("administration:groups"),
        breadcrumbs=_crumbs((_("Access groups"), reverse("administration:groups"))),
    )


def _group_in_scope(request, pk) -> AccessGroup:
    return get_object_or_404(directory.groups_manageable_by(request.user), pk=pk)


@administrators_only
@require_http_methods(["GET", "POST"])
def group_detail(request, pk):
    group = _group_in_scope(request, pk)
    form = forms.AccessGroupForm(request.POST or None, instance=group, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            directory.group_save(
                actor=request.user, group=form.instance, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("administration:group", group.pk)
    if form.errors:
        group.refresh_from_db()
    members = group.member_rows.select_related("user__organisation__country").order_by(
        "user__last_name",
        "user__first_name",
    )
    organisations = group.organisation_rows.select_related("organisation__country")
    counts = directory.group_shared_counts(group)
    area_labels = dict(Area.choices)
    for row in counts:
        row["area_label"] = area_labels.get(row["area"], row["area"])
    return render(
        request,
        "administration/group_detail.html",
        {
            "group": group,
            "form": form,
            "members": members,
            "organisations": organisations,
            "shared_counts": counts,
            "is_network": hasattr(group, "ilo_network"),
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def group_member_add(request, pk):
    group = _group_in_scope(request, pk)
    form = forms.MemberAddForm(request.POST or None)
    form.fields["user"].queryset = form.fields["user"].queryset.order_by(
        "organisation__name", "last_name", "first_name"
    )
    if request.method == "POST" and form.is_valid():
        try:
            requested = access_changes.group_members_request(
                actor=request.user,
                group=group,
                users=form.cleaned_data["user"],
                ends_on=form.cleaned_data["ends_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            _requested(request, len(requested))
            return redirect("administration:group", group.pk)
    return form_page(
        request,
        form,
        title=_("Add a user to %(group)s") % {"group": group},
        submit=_("Add the users"),
        cancel=reverse("administration:group", args=[group.pk]),
        breadcrumbs=_crumbs(
            (_("Access groups"), reverse("administration:groups")),
            (str(group), reverse("administration:group", args=[group.pk])),
        ),
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def group_organisation_add(request, pk):
    group = _group_in_scope(request, pk)
    form = forms.OrganisationAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access_changes.group_organisation_request(
                actor=request.user, group=group, **form.cleaned_data
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            _requested(request)
            return redirect("administration:group", group.pk)
    return form_page(
        request,
        form,
        title=_("Add an organisation to %(group)s") % {"group": group},
        submit=_("Add the organisation"),
        cancel=reverse("administration:group", args=[group.pk]),
        intro=_("Every user of the organisation becomes a member of the group."),
        breadcrumbs=_crumbs(
            (_("Access groups"), reverse("administration:groups")),
            (str(group), reverse("administration:group", args=[group.pk])),
        ),
    )


def _membership(request, pk, kind, membership_pk):
    group = _group_in_scope(request, pk)
    if kind not in ("users", "organisations"):
        raise Http404
    model = AccessGroupMember if kind == "users" else AccessGroupOrganisation
    return group, get_object_or_404(model.objects.filter(accessgroup=group), pk=membership_pk)


@administrators_only
@require_http_methods(["GET", "POST"])
def membership_edit(request, pk, kind, membership_pk):
    """Set the end date of one membership, or remove it."""
    group, membership = _membership(request, pk, kind, membership_pk)
    removing = request.POST.get("action") == "remove"
    form_class = forms.ReasonForm if removing else forms.MembershipEndForm
    form = form_class(request.POST or None, initial={"ends_on": membership.ends_on})
    if request.method == "POST" and form.is_valid():
        try:
            if removing:
                directory.membership_remove(
                    actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
                )
            else:
                access_changes.membership_end_request(
                    actor=request.user,
                    membership=membership,
                    ends_on=form.cleaned_data["ends_on"],
                    reason=form.cleaned_data["reason"],
                )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            if removing:
                messages.success(request, _("The membership is removed."))
            else:
                _requested(request)
            return redirect("administration:group", group.pk)
    who = membership.user if kind == "users" else membership.organisation
    return render(
        request,
        "administration/membership_edit.html",
        {
            "group": group,
            "membership": membership,
            "who": who,
            "form": form,
            "removing": removing,
            "end_form": forms.MembershipEndForm(initial={"ends_on": membership.ends_on})
            if removing
            else form,
            "remove_form": form if removing else forms.ReasonForm(),
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def group_deactivate(request, pk):
    group = _group_in_scope(request, pk)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            directory.group_deactivate(
                actor=request.user, group=group, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The access group is deactivated."))
            return redirect("administration:group", group.pk)
    return form_page(
        request,
        form,
        title=_("Deactivate %(group)s") % {"group": group},
        submit=_("Deactivate"),
        cancel=reverse("administration:group", args=[group.pk]),
        danger=True,
        intro=_(
            "The group then gives no access; its members and what was shared with it "
            "stay on record."
        ),
        breadcrumbs=_crumbs(
            (_("Access groups"), reverse("administration:groups")),
            (str(group), reverse("administration:group", args=[group.pk])),
        ),
    )


# --- organisations ----------------------------------------------------------------------


@commission_only
def organisation_list(request):
    organisations = directory.organisations_manageable_by(request.user).annotate(
        n_users=Count("users")
    )
    return render(
        request, "administration/organisation_list.html", {"organisations": organisations}
    )


@commission_only
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    form = forms.OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = directory.organisation_save(
                actor=request.user, organisation=form.instance
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The organisation is created."))
            return redirect("administration:organisation", organisation.pk)
    return form_page(
        request,
        form,
        title=_("New organisation"),
        submit=_("Create the organisation"),
        cancel=reverse("administration:organisations"),
        breadcrumbs=_crumbs((_("Organisations"), reverse("administration:organisations"))),
    )


@commission_only
def organisation_detail(request, pk):
    organisation = get_object_or_404(directory.organisations_manageable_by(request.user), pk=pk)
    users = organisation.users.order_by("last_name", "first_name")
    return render(
        request,
        "administration/organisation_detail.html",
        {
            "organisation": organisation,
            "users": users,
            "contact_points": [u for u in users if u.is_active and u.ncp_areas],
            "groups": organisation.access_group_rows.select_related("accessgroup"),
        },
    )


@commission_only
@require_http_methods(["GET", "POST"])
def organisation_deactivate(request, pk):
    organisation = get_object_or_404(directory.organisations_manageable_by(request.user), pk=pk)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            directory.organisation_deactivate(
                actor=request.user,
                organisation=organisation,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The organisation is deactivated."))
            return redirect("administration:organisation", organisation.pk)
    return form_page(
        request,
        form,
        title=_("Deactivate %(org)s") % {"org": organisation},
        submit=_("Deactivate"),
        cancel=reverse("administration:organisation", args=[organisation.pk]),
        danger=True,
        breadcrumbs=_crumbs(
            (_("Organisations"), reverse("administration:organisations")),
            (str(organisation), reverse("administration:organisation", args=[organisation.pk])),
        ),
    )


# --- every user: the directory and one's own account ------------------------------------


def contact_points(request):
    """Who to call about an alert: contact points per area and country."""
    people = list(directory.contact_points())
    area = request.GET.get("area") or ""
    country = request.GET.get("country") or ""
    sections = []
    for code, label in Area.choices:
        if area and code != area:
            continue
        rows = [p for p in people if code in p.ncp_areas and p.has_area(code)]
        if country:
            rows = [p for p in rows if p.organisation and p.organisation.country_id == country]
        sections.append({"code": code, "label": label, "people": rows})
    countries = sorted(
        {
            (p.organisation.country_id, p.organisation.country.name)
            for p in people
            if p.organisation and p.organisation.country_id
        },
        key=lambda pair: pair[1],
    )
    return render(
        request,
        "administration/contact_points.html",
        {
            "sections": sections,
            "areas": Area.choices,
            "countries": countries,
            "area": area,
            "country": country,
        },
    )


@require_http_methods(["GET", "POST"])
def account_password(request):
    form = forms.OwnPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            directory.password_change(
                actor=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
                token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                errors_to_form(form, error)
            else:
                for message in error.messages:
                    form.add_error("new_password1", message)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password is changed."))
            return redirect("administration:account_sessions")
    return form_page(
        request,
        form,
        title=_("Change your password"),
        submit=_("Change the password"),
        cancel=reverse("accounts:security"),
    )


def account_sessions(request):
    sessions = directory.sessions_of(request.user)
    return render(
        request,
        "administration/account_sessions.html",
        {
            "sessions": sessions,
            "current_key": request.session.session_key,
        },
    )


@require_POST
def account_session_revoke(request, pk):
    session = get_object_or_404(directory.sessions_of(request.user), pk=pk)
    current = session.session_key == request.session.session_key
    directory.session_revoke(actor=request.user, session=session)
    if current:
        return redirect("accounts:login")
    messages.success(request, _("The session is ended."))
    return redirect("administration:account_sessions")


# --- the invited user's one-time link (no session yet) ----------------------------------


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = directory.invitation_for_token(token)
    if invitation is None:
        return render(request, "administration/invitation_invalid.html")
    form = forms.InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = directory.invitation_accept(
                token=token, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("new_password1", message)
        else:
            # The sign-in below is logged by the lockout library with the path: not the link.
            secret_path_masked(request)
            login(request, user, backend="iconet.directory.backends.UserWithOrganisationBackend")
            messages.success(request, _("Your password is set. Now set up your authenticator app."))
            return redirect("accounts:otp_setup")
    return render(
        request, "administration/invitation_accept.html", {"form": form, "invited": invitation.user}
    )
