"""Writes of the accounts app: each one checks the permission, runs in a transaction
and sends its email through the task queue."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from . import permissions
from .models import Invitation, InvitationStatus, Membership, User
from .tasks import queue_email

NBSP = "\u00a0"

INVALID_REASONS = {
    InvitationStatus.EXPIRED: (
        "Ce lien d'invitation a expiré. Demandez à la personne qui vous a invité de vous "
        "l'envoyer à nouveau."
    ),
    InvitationStatus.REVOKED: (
        "Cette invitation a été annulée par la coordination. Si vous pensez qu'il s'agit "
        "d'une erreur, contactez la personne qui vous avait invité."
    ),
    InvitationStatus.ACCEPTED: (
        "Cette invitation a déjà été utilisée. Connectez-vous avec votre adresse "
        "électronique et votre mot de passe."
    ),
}


def invitation_url(invitation: Invitation) -> str:
    path = reverse("accounts:invitation", args=[invitation.token])
    return settings.SITE_URL.rstrip("/") + path


def _send_invitation(invitation: Invitation) -> None:
    queue_email(
        invitation.email,
        "accounts/emails/invitation",
        {
            "invitation": invitation,
            "url": invitation_url(invitation),
            "inviter": invitation.invited_by,
            "has_account": User.objects.filter(email__iexact=invitation.email).exists(),
        },
    )
    invitation.last_sent_at = timezone.now()
    invitation.save(update_fields=["last_sent_at"])


@transaction.atomic
def invite(by, email: str, organisation, role: str) -> Invitation:
    """Invite `email` into `organisation` with `role` (form already validated)."""
    permissions.require(by, "accounts.invite", organisation)
    invitation = Invitation.objects.create(
        email=email.strip().lower(), organisation=organisation, role=role, invited_by=by
    )
    _send_invitation(invitation)
    return invitation


@transaction.atomic
def resend(by, invitation: Invitation) -> Invitation:
    """Send a pending invitation again; its link becomes valid for a full period again."""
    permissions.require(by, "accounts.invite", invitation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status not in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
        raise ValidationError(
            f"Cette invitation est {invitation.get_status_display().lower()}{NBSP}: "
            "elle ne peut plus être envoyée."
        )
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.save(update_fields=["expires_at"])
    _send_invitation(invitation)
    return invitation


@transaction.atomic
def revoke(by, invitation: Invitation) -> Invitation:
    permissions.require(by, "accounts.invite", invitation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(
            f"Cette invitation a déjà été acceptée{NBSP}: elle ne peut plus être annulée."
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.revoked_by = by
        invitation.save(update_fields=["revoked_at", "revoked_by"])
    return invitation


def _lock_usable(invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError(INVALID_REASONS[invitation.status])
    return invitation


def _join(user: User, invitation: Invitation) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    permissions.forget(user)
    return membership


@transaction.atomic
def accept_with_new_account(
    invitation: Invitation, first_name: str, last_name: str, password: str
) -> User:
    """Create the account of the invited person and their membership."""
    invitation = _lock_usable(invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(
            f"Un compte existe déjà pour cette adresse{NBSP}: connectez-vous pour "
            "accepter l'invitation."
        )
    user = User.objects.create_user(
        email=invitation.email, password=password, first_name=first_name, last_name=last_name
    )
    _join(user, invitation)
    return user


@transaction.atomic
def accept_as(user: User, invitation: Invitation) -> Membership:
    """The invited person already has an account and is logged in with it."""
    invitation = _lock_usable(invitation)
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            f"Cette invitation est adressée à {invitation.email}{NBSP}; vous êtes connecté "
            f"avec {user.email}."
        )
    return _join(user, invitation)


def log_out_everywhere(user) -> None:
    """Close every session of `user`, on every device (« se déconnecter de partout »):
    their session digest changes (`User._get_session_auth_hash`), so Django refuses the
    sessions opened before, whatever the session backend."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
