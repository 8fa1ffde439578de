"""`SessionGuardMiddleware`: what every request of a logged-in person goes through,
after Django's authentication (which already refuses a session whose account changed
its password or logged out everywhere, see `User.get_session_auth_hash`):

- expiry: a session unused for ``CDVS_SESSION_IDLE_MINUTES``, or older than
  ``SESSION_COOKIE_AGE`` since the login, is closed (French message on the login page);
- two-factor authentication: while the session's second factor is pending
  (`sessions.KEY_TWO_FACTOR`), every page but the verification, enrolment, logout pages
  and static files sends to the verification page.

It reads the session only (no query) on the usual request."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import reverse

from .sessions import (
    DONE,
    KEY_SEEN,
    KEY_SINCE,
    KEY_TWO_FACTOR,
    PENDING,
    SEEN_REFRESH_SECONDS,
    has_authenticator,
    two_factor_required,
)

OPEN_WHILE_PENDING = ("accounts:two_factor", "accounts:two_factor_enrol", "accounts:logout")


class SessionGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            response = self._idle(request, session) or self._two_factor(request, session)
            if response is not None:
                return response
        return self.get_response(request)

    def _idle(self, request, session):
        now = int(time.time())
        since = session.get(KEY_SINCE)
        if since is not None and now - since > settings.SESSION_COOKIE_AGE:
            logout(request)
            hours = settings.SESSION_COOKIE_AGE // 3600
            messages.info(
                request,
                f"Votre session a été fermée {hours} heures après la connexion : reconnectez-vous.",
            )
            return _to("accounts:login", request)
        seen = session.get(KEY_SEEN)
        if seen is None:
            return None
        limit = settings.CDVS_SESSION_IDLE_MINUTES * 60
        if limit and now - seen > limit:
            logout(request)
            messages.info(
                request,
                f"Votre session a été fermée après {settings.CDVS_SESSION_IDLE_MINUTES}\u00a0"
                "minutes sans activité : reconnectez-vous.",
            )
            return _to("accounts:login", request)
        if now - seen > SEEN_REFRESH_SECONDS:
            session[KEY_SEEN] = now
        return None

    def _two_factor(self, request, session):
        if KEY_TWO_FACTOR not in session:  # a session opened before two-factor existed
            user = request.user
            asks = two_factor_required(user) or has_authenticator(user)
            session[KEY_TWO_FACTOR] = PENDING if asks else DONE
        if session.get(KEY_TWO_FACTOR) != PENDING:
            return None
        path = request.path_info
        if path.startswith(settings.STATIC_URL) or path in {
            reverse(name) for name in OPEN_WHILE_PENDING
        }:
            return None
        return _to("accounts:two_factor", request)


def _to(name, request):
    url = reverse(name)
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return redirect(url)
