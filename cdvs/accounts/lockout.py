"""Abuse limits of the accounts.

Login rate limiting (django-axes): count failures per lower-cased email, so that
« Jean@Ville.fr » and « jean@ville.fr » share one counter, and per client address. On
top of it, a cap per client address whatever the accounts tried
(``CDVS_LOGIN_FAILURES_PER_IP`` failures within ``AXES_COOLOFF_TIME``): spreading
attempts over many accounts is slowed too (`address_locked`, counted by
`note_login_failure` on ``user_login_failed``).

Emails anyone may ask for (password reset, « mes données ») are limited per address
asked and per client address (`email_request_refusal`): the limit counts every address
typed, known or not, so its message never tells whether an address is in the tool.

Behind reverse proxies (``CDVS_TRUSTED_PROXIES`` = how many), the client address is read
from ``X-Forwarded-For``: each trusted proxy appends the address it received the request
from, so the client is the entry that the outermost trusted proxy appended. Entries to its
left were written by the client itself and are never trusted."""

from django.conf import settings

from cdvs.core import ratelimit

EMAIL_WINDOW_SECONDS = 3600


def username_for_axes(request, credentials=None) -> str:
    value = (credentials or {}).get("username")
    if value is None:
        data = getattr(request, "data", None) or request.POST
        value = data.get("username", "")
    return str(value).strip().lower()


def client_ip_for_axes(request) -> str:
    proxies = settings.CDVS_TRUSTED_PROXIES
    remote = request.META.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    if len(chain) < proxies:
        # fewer hops than configured proxies: the request did not come through all of them
        return remote
    return chain[-proxies]


def _login_key(request) -> str:
    return f"login-failures-ip:{client_ip_for_axes(request)}"


def note_login_failure(sender, credentials=None, request=None, **kwargs) -> None:
    """Receiver of ``user_login_failed``: one more failure from this client address."""
    if request is not None:
        window = int(settings.AXES_COOLOFF_TIME.total_seconds())
        ratelimit.hit(_login_key(request), settings.CDVS_LOGIN_FAILURES_PER_IP, window)


def address_locked(request) -> bool:
    """Has this client address failed too often, whatever the accounts tried?"""
    return ratelimit.used(_login_key(request)) >= settings.CDVS_LOGIN_FAILURES_PER_IP


def email_request_refusal(request, email: str, purpose: str) -> str | None:
    """Count one email asked for `purpose` to `email`; the French message to show when
    it goes over the limits (per address asked, per client address), else None."""
    email = email.strip().lower()
    per_address = ratelimit.hit(
        f"email:{purpose}:{email}", settings.CDVS_EMAILS_PER_ADDRESS, EMAIL_WINDOW_SECONDS
    )
    per_ip = ratelimit.hit(
        f"email-ip:{purpose}:{client_ip_for_axes(request)}",
        settings.CDVS_EMAILS_PER_IP,
        EMAIL_WINDOW_SECONDS,
    )
    if not per_address:
        return (
            "Plusieurs courriels ont déjà été demandés pour cette adresse. Par sécurité, "
            "aucun nouveau courriel n'est envoyé avant une heure : consultez votre "
            "messagerie (pensez aux indésirables)."
        )
    if not per_ip:
        return (
            "Trop de courriels ont été demandés depuis votre connexion. Par sécurité, "
            "réessayez dans une heure."
        )
    return None
