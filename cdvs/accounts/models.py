import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from simple_history.models import HistoricalRecords

from .permissions import Role  # declared with the other roles of the product


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person who logs in with an email address; what they may do comes from
    their memberships (see `cdvs.accounts.permissions`)."""

    username = None
    email = models.EmailField("adresse électronique", unique=True)
    # « se déconnecter de partout » adds one: every session opened before is refused
    session_generation = models.PositiveIntegerField("génération des sessions", default=0)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def _get_session_auth_hash(self, secret=None):
        """Django checks this digest, stored in the session at login, on every request
        (`AuthenticationMiddleware`): it changes with the password, as in Django, and
        with `session_generation`, whatever the session backend (database, cache)."""
        if not self.session_generation:  # the digest of sessions opened before the field
            return super()._get_session_auth_hash(secret)
        key_salt = "cdvs.accounts.User.session_generation"
        value = f"{self.password}|{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    scope_territory_path = "organisation__territory"
    scope_organisation_path = "organisation"

    class Meta:
        verbose_name = "appartenance"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"

    def scope_territory(self):
        return self.organisation.territory

    def scope_organisation(self):
        return self.organisation


def _new_token():
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Neither accepted nor revoked (possibly expired: it can be sent again)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def usable(self):
        return self.pending().filter(expires_at__gt=timezone.now())

    def expired(self):
        return self.pending().filter(expires_at__lte=timezone.now())


class InvitationStatus(models.TextChoices):
    PENDING = "en_attente", "En attente"
    EXPIRED = "expiree", "Expirée"
    REVOKED = "revoquee", "Révoquée"
    ACCEPTED = "acceptee", "Acceptée"


class Invitation(models.Model):
    email = models.EmailField("adresse électronique")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    last_sent_at = models.DateTimeField("dernier envoi", null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    scope_territory_path = "organisation__territory"
    scope_organisation_path = "organisation"

    class Meta:
        verbose_name = "invitation"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return InvitationStatus(self.status).label

    @property
    def is_usable(self) -> bool:
        return self.status == InvitationStatus.PENDING

    def scope_territory(self):
        return self.organisation.territory

    def scope_organisation(self):
        return self.organisation


class InactivityNotice(models.Model):
    """The warning sent to a person whose account is about to be anonymised for
    inactivity (`manage.py anonymise_inactive_accounts`)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="inactivity_notice")
    warned_at = models.DateTimeField("prévenu le")
    anonymise_on = models.DateField("anonymisé à partir du")

    class Meta:
        verbose_name = "avertissement d'inactivité"
        verbose_name_plural = "avertissements d'inactivité"

    def __str__(self):
        return f"{self.user_id} ({self.warned_at:%Y-%m-%d})"
