"""What a session records of its login, stamped on ``user_logged_in`` whatever the way
in (password, ProConnect, login link, Django admin, `Client.force_login`):

- ``KEY_TWO_FACTOR``: "pending" while a person who must (coordinators, administrators,
  staff) or chose to use two-factor authentication has not given a code yet, "done"
  afterwards; `middleware.SessionGuardMiddleware` sends a pending session to the
  verification page (or to enrolment when the person has no authenticator yet);
- ``KEY_SEEN``: when the session was last used (seconds since the epoch), for the
  inactivity limit ``CDVS_SESSION_IDLE_MINUTES`` (the middleware refreshes it at most
  every ``SEEN_REFRESH_SECONDS``);
- ``KEY_SINCE``: when the person logged in, for the longest life of a session,
  ``SESSION_COOKIE_AGE`` counted from the login (Django's own expiry moves forward
  each time the session is saved).

Roles are read at login: a person made coordinator while logged in is asked for a code
at their next login."""

import time

from django_otp.plugins.otp_totp.models import TOTPDevice

from . import permissions

KEY_TWO_FACTOR = "cdvs_2fa"
KEY_SEEN = "cdvs_seen"
KEY_SINCE = "cdvs_since"
PENDING = "pending"
DONE = "done"
SEEN_REFRESH_SECONDS = 300


def two_factor_required(user) -> bool:
    """Must this person give a second factor? (coordinators, administrators, staff)"""
    if user.is_staff or user.is_superuser:
        return True
    had = hasattr(user, "_cdvs_memberships")
    role = permissions.role_of(user)
    if not had:  # leave no cache behind on the caller's object
        del user._cdvs_memberships
    return role in (permissions.COORDINATOR, permissions.ADMIN)


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def stamp_login(sender, request, user, **kwargs) -> None:
    """Receiver of ``user_logged_in``."""
    session = getattr(request, "session", None)
    if session is None:
        return
    asks = two_factor_required(user) or has_authenticator(user)
    session[KEY_TWO_FACTOR] = PENDING if asks else DONE
    session[KEY_SEEN] = session[KEY_SINCE] = int(time.time())
