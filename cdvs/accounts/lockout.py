"""Login rate limiting (django-axes): count failures per lower-cased email, so that
« Jean@Ville.fr » and « jean@ville.fr » share one counter, and per client address.

Behind reverse proxies (``CDVS_TRUSTED_PROXIES`` = how many), the client address is read
from ``X-Forwarded-For``: each trusted proxy appends the address it received the request
from, so the client is the entry that the outermost trusted proxy appended. Entries to its
left were written by the client itself and are never trusted."""

from django.conf import settings


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
