"""ProConnect: the State's identity federation for public agents (OpenID Connect).

The flow is mozilla-django-oidc's (authorization code, state and nonce kept in the
session, ID token signature checked against the provider's JWKS); this module adds:

- `enabled()`: ProConnect is offered only when ``PROCONNECT_CLIENT_ID`` is set (the
  button of the login page, the two pages below answer 404 otherwise);
- `ProConnectBackend`: a stricter check of the ID token (audience, issuer, expiry,
  required claims) and the account matching: the e-mail address given by ProConnect
  (verified by the agent's identity provider) must be the one of an existing, active
  account. **No account is ever created**: a person without an account is refused with a
  French message telling them to ask the coordination for an invitation (accounts are
  opened on invitation, and a coordinator must never appear without one);
- `start` / `callback`: the two pages, whose every failure (refused by the provider,
  unknown state, bad signature, wrong nonce, expired token, unknown address) ends on the
  login page with a French message and no session;
- `LogoutView` (« Se déconnecter », every user): a person who came through ProConnect
  also leaves ProConnect: the tool's session ends, then the browser goes to the
  provider's end-session endpoint with `id_token_hint` (the ID token kept in the session,
  ``OIDC_STORE_ID_TOKEN``), a random `state` and `post_logout_redirect_uri` (the home
  page, the address to declare to ProConnect), as ProConnect requires. Anyone else
  leaves as before (Django's `LogoutView`, its `next`). mozilla-django-oidc's own
  `OIDCLogoutView` (and its ``OIDC_OP_LOGOUT_URL_METHOD`` hook) is not used: it knows no
  `next`.
"""

import logging
import secrets
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

logger = logging.getLogger(__name__)

REFUSALS = {
    "provider": "ProConnect n'a pas confirmé votre identité : la connexion est annulée.",
    "state": (
        "Cette réponse de ProConnect ne correspond à aucune connexion en cours "
        "(lien ancien ou ouvert dans un autre navigateur). Recommencez la connexion."
    ),
    "token": (
        "La réponse de ProConnect n'a pas pu être vérifiée (signature, émetteur ou "
        "destinataire incorrects) : la connexion est refusée."
    ),
    "nonce": "La réponse de ProConnect ne correspond pas à cette connexion : elle est refusée.",
    "expired": "La réponse de ProConnect a expiré. Recommencez la connexion.",
    "unavailable": (
        "ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes ou "
        "connectez-vous avec votre mot de passe."
    ),
    "no_email": "ProConnect n'a pas transmis d'adresse électronique vérifiée : connexion refusée.",
    "no_account": (
        "Aucun compte de l'outil n'utilise l'adresse électronique transmise par ProConnect. "
        "Les comptes sont ouverts sur invitation : demandez à la coordination du contrat "
        "de ville de vous inviter à cette adresse."
    ),
    "inactive": "Ce compte est désactivé.",
}


def enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


class Refusal(SuspiciousOperation):
    """A ProConnect answer the tool does not accept; `reason` is a key of REFUSALS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _refuse(request, reason: str) -> None:
    """Remember why, for the callback page to say it."""
    if request is not None:
        request.proconnect_refusal = reason


class ProConnectBackend(OIDCAuthenticationBackend):
    def _verify_jws(self, payload, key):
        try:
            return super()._verify_jws(payload, key)
        except jwt.ExpiredSignatureError as error:
            raise Refusal("expired") from error
        except (jwt.InvalidTokenError, SuspiciousOperation) as error:
            raise Refusal("token") from error

    def verify_token(self, token, **kwargs):
        if not token:
            raise Refusal("token")
        try:
            payload = super().verify_token(token, **kwargs)
        except Refusal:
            raise
        except jwt.InvalidTokenError as error:  # malformed header
            raise Refusal("token") from error
        except SuspiciousOperation as error:  # the nonce, or no matching key
            raise Refusal("nonce" if "Nonce" in str(error) else "token") from error
        if "nonce" in kwargs:  # the ID token (not the signed userinfo answer)
            audience = payload.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if settings.OIDC_RP_CLIENT_ID not in audiences:
                raise Refusal("token")
            if settings.PROCONNECT_ISSUER and payload.get("iss") != settings.PROCONNECT_ISSUER:
                raise Refusal("token")
            if "exp" not in payload or "sub" not in payload:
                raise Refusal("token")
        return payload

    def verify_claims(self, claims):
        if not claims.get("email") or claims.get("email_verified") is False:
            raise Refusal("no_email")
        return True

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(email__iexact=claims["email"].strip())

    def update_user(self, user, claims):
        if not user.is_active:
            raise Refusal("inactive")
        return user

    def get_or_create_user(self, access_token, id_token, payload):
        try:
            user = super().get_or_create_user(access_token, id_token, payload)
        except Refusal as refusal:
            _refuse(self.request, refusal.reason)
            return None
        if user is None:  # no account has this address (OIDC_CREATE_USER is False)
            _refuse(self.request, "no_account")
        return user

    def authenticate(self, request, **kwargs):
        if not enabled() or "nonce" not in kwargs or request is None:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except Refusal as refusal:
            logger.warning("ProConnect: refused (%s)", refusal.reason)
            _refuse(request, refusal.reason)
        except (requests.RequestException, ValueError, KeyError) as error:
            logger.warning("ProConnect: provider unavailable or invalid answer (%r)", error)
            _refuse(request, "unavailable")
        return None


class StartView(OIDCAuthenticationRequestView):
    def get(self, request):
        if not enabled():
            raise Http404("ProConnect n'est pas configuré.")
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    def login_failure(self):
        if self.request.user.is_authenticated:
            auth.logout(self.request)
        reason = getattr(self.request, "proconnect_refusal", None) or "provider"
        messages.error(self.request, REFUSALS[reason])
        return redirect("accounts:login")

    def get(self, request):
        if not enabled():
            raise Http404("ProConnect n'est pas configuré.")
        if "code" in request.GET and not request.GET.get("error"):
            states = request.session.get("oidc_states") or {}
            if request.GET.get("state") not in states:
                _refuse(request, "state")
                return self.login_failure()
        return super().get(request)


start = StartView.as_view()
callback = CallbackView.as_view()


def provider_logout_url(request) -> str | None:
    """Where the browser ends the ProConnect session of this request's person, or None
    when they did not log in through ProConnect (or no end-session endpoint is set)."""
    id_token = request.session.get("oidc_id_token")
    if not (enabled() and id_token and settings.OIDC_OP_LOGOUT_ENDPOINT):
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "state": secrets.token_urlsafe(24),
            "post_logout_redirect_uri": request.build_absolute_uri(
                resolve_url(settings.LOGOUT_REDIRECT_URL)
            ),
        }
    )
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{query}"


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        at_provider = provider_logout_url(request)  # read before the session is flushed
        response = super().post(request, *args, **kwargs)
        if at_provider and response.status_code == 302:
            return HttpResponseRedirect(at_provider)
        return response


logout = LogoutView.as_view()
