from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from cdvs.directory.fields import suggestions
from cdvs.directory.models import Organisation

from . import lockout, permissions, proconnect, services
from .forms import (
    AcceptInvitationForm,
    CdvsPasswordResetForm,
    EmailAuthenticationForm,
    InvitationForm,
    NameForm,
)
from .models import Invitation, User

NBSP = "\u00a0"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if lockout.address_locked(request):
            context = {"cooloff_timedelta": settings.AXES_COOLOFF_TIME, "by_address": True}
            return render(request, "accounts/lockout.html", context, status=429)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(proconnect=proconnect.enabled(), **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = CdvsPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        refusal = lockout.email_request_refusal(
            self.request, form.cleaned_data["email"], "password-reset"
        )
        if refusal:
            form.add_error(None, refusal)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


def _pending_invitations(user):
    """Pending invitations a coordinator (or admin) manages, newest first."""
    return permissions.filter_allowed(
        user,
        "accounts.invite",
        Invitation.objects.pending().select_related(
            "organisation", "organisation__territory", "invited_by"
        ),
    )


@login_required
def account(request):
    user = request.user
    form = NameForm(request.POST or None, instance=user, prefix="nom")
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Votre nom a été enregistré.")
            return redirect("accounts:account")
        messages.error(request, f"Le nom n'a pas été enregistré{NBSP}: corrigez le formulaire.")
    memberships = user.memberships.filter(organisation__deleted_at__isnull=True).select_related(
        "organisation", "organisation__territory"
    )
    may_invite = permissions.can(user, "accounts.invite")
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "memberships": memberships,
            "role_label": permissions.ROLE_LABELS[permissions.role_of(user)],
            "may_invite": may_invite,
            "invitations": list(_pending_invitations(user)[:20]) if may_invite else [],
            "idle_minutes": settings.CDVS_SESSION_IDLE_MINUTES,
        },
    )


@login_required
@require_POST
def logout_everywhere(request):
    """« Se déconnecter de partout »: every session of the person, this one included (and,
    after a ProConnect login, the provider's session of this browser)."""
    at_provider = proconnect.provider_logout_url(request)  # before the session is flushed
    services.log_out_everywhere(request.user)
    logout(request)
    messages.success(
        request,
        "Vous êtes déconnecté de tous vos appareils et navigateurs. Reconnectez-vous pour "
        "continuer.",
    )
    return redirect(at_provider or "accounts:login")


@login_required
def invitations(request):
    """Coordinators and admins: invite someone, list the pending invitations."""
    permissions.require(request.user, "accounts.invite")
    initial = {}
    if organisation_id := request.GET.get("organisation", "").strip():
        initial["organisation"] = organisation_id
    form = InvitationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            invitation = services.invite(
                request.user,
                form.cleaned_data["email"],
                form.cleaned_data["organisation"],
                form.cleaned_data["role"],
            )
            messages.success(
                request,
                f"Invitation envoyée à {invitation.email} pour «{NBSP}{invitation.organisation}"
                f"{NBSP}».",
            )
            return redirect("accounts:invitations")
        messages.error(request, f"Aucune invitation n'a été envoyée{NBSP}: corrigez le formulaire.")
    return render(
        request,
        "accounts/invitations.html",
        {
            "form": form,
            "invitations": _pending_invitations(request.user),
            "valid_days": settings.INVITATION_VALID_DAYS,
        },
    )


@login_required
def invitation_organisations(request):
    """Suggestions for the organisation field of the invitation form (JSON)."""
    permissions.require(request.user, "accounts.invite")
    allowed = permissions.filter_allowed(request.user, "accounts.invite", Organisation.objects)
    return JsonResponse(suggestions(allowed, request.GET.get("q", "")[:100]), safe=False)


def _managed_invitation(request, pk):
    invitation = get_object_or_404(
        Invitation.objects.select_related("organisation", "organisation__territory"), pk=pk
    )
    permissions.require(request.user, "accounts.invite", invitation)
    return invitation


@login_required
@require_POST
def invitation_revoke(request, pk):
    invitation = _managed_invitation(request, pk)
    try:
        services.revoke(request.user, invitation)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"L'invitation de {invitation.email} est annulée.")
    return redirect("accounts:invitations")


@login_required
@require_POST
def invitation_resend(request, pk):
    invitation = _managed_invitation(request, pk)
    try:
        services.resend(request.user, invitation)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"L'invitation a été renvoyée à {invitation.email}.")
    return redirect("accounts:invitations")


def invitation_accept(request, token):
    """The link of the invitation email: create the account, or join with one's own."""
    invitation = Invitation.objects.select_related("organisation", "invited_by").filter(token=token)
    invitation = invitation.first()
    if invitation is None:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"reason": "Ce lien d'invitation n'est pas valide. Vérifiez qu'il est complet."},
            status=404,
        )
    if not invitation.is_usable:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"reason": services.INVALID_REASONS[invitation.status]},
            status=410,
        )
    existing = User.objects.filter(email__iexact=invitation.email).first()
    user = request.user
    context = {"invitation": invitation, "existing": existing}

    if user.is_authenticated:
        if user.email.lower() != invitation.email:
            return render(request, "accounts/invitation_other_account.html", context)
        if request.method == "POST":
            try:
                services.accept_as(user, invitation)
            except ValidationError as error:
                messages.error(request, error.messages[0])
                return redirect("accounts:account")
            messages.success(request, f"Vous avez rejoint «{NBSP}{invitation.organisation}{NBSP}».")
            return redirect("accounts:account")
        return render(request, "accounts/invitation_join.html", context)

    if existing is not None:
        login_url = f"{reverse('accounts:login')}?next={request.path}"
        return render(
            request, "accounts/invitation_login.html", {**context, "login_url": login_url}
        )

    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            new_user = services.accept_with_new_account(
                invitation,
                form.cleaned_data["first_name"],
                form.cleaned_data["last_name"],
                form.cleaned_data["password1"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, new_user, backend=MODEL_BACKEND)
            messages.success(
                request,
                f"Bienvenue{NBSP}! Votre compte est créé et vous avez rejoint "
                f"«{NBSP}{invitation.organisation}{NBSP}».",
            )
            return redirect("accounts:account")
    return render(request, "accounts/invitation_signup.html", {**context, "form": form})
