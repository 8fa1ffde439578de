"""Login links by e-mail (« lien de connexion »), for people who rarely log in
(associations, residents' contacts who hold an account) and would rather not keep a
password.

- The link is signed (`django.core.signing`, salt of its own) and expires after
  ``CDVS_MAGIC_LINK_MINUTES`` (15 by default).
- It serves once: it carries a digest of the account's last login and password, and
  logging in changes the last login, so the same link is refused afterwards (as is any
  older one).
- Opening it shows a button: the login happens on the POST only, so a mail scanner that
  opens links does not use them up.
- Asking for a link answers the same page whether the address has an account or not;
  requests are limited per address and per client address (`lockout.email_request_refusal`,
  on `core.ratelimit`), and the e-mail goes through `accounts.tasks.queue_email`.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from . import lockout
from .models import User
from .tasks import queue_email

SALT = "cdvs.accounts.magic_link"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
INVALID = (
    "Ce lien de connexion n'est plus valable : il a déjà servi, il a expiré ou il est "
    "incomplet. Demandez-en un nouveau."
)


class MagicLinkForm(forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


def _state(user) -> str:
    last = user.last_login.isoformat() if user.last_login else ""
    return salted_hmac(SALT, f"{user.pk}|{last}|{user.password}").hexdigest()[:32]


def make_token(user) -> str:
    return signing.dumps({"u": user.pk, "s": _state(user)}, salt=SALT)


def user_for(token: str):
    """The active account the link logs in, or None (expired, used, altered)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.CDVS_MAGIC_LINK_MINUTES * 60)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None or not constant_time_compare(str(data.get("s", "")), _state(user)):
        return None
    return user


def request_link(request):
    form = MagicLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        refusal = lockout.email_request_refusal(request, email, "magic-link")
        if refusal:
            form.add_error(None, refusal)
            return render(request, "accounts/magic_link_form.html", {"form": form}, status=429)
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is not None:
            queue_email(
                user.email,
                "accounts/emails/magic_link",
                {
                    "user": user,
                    "path": reverse("accounts:magic_link", kwargs={"token": make_token(user)}),
                    "minutes": settings.CDVS_MAGIC_LINK_MINUTES,
                },
            )
        return redirect("accounts:magic_link_sent")
    return render(request, "accounts/magic_link_form.html", {"form": form})


def link_sent(request):
    return render(
        request, "accounts/magic_link_sent.html", {"minutes": settings.CDVS_MAGIC_LINK_MINUTES}
    )


def use_link(request, token):
    user = user_for(token)
    if user is None:
        return render(request, "accounts/magic_link_invalid.html", {"reason": INVALID}, status=410)
    if request.method == "POST":
        login(request, user, backend=MODEL_BACKEND)
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/magic_link_use.html", {"link_user": user})
