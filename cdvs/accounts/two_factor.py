"""Two-factor authentication (TOTP, django-otp): required for coordinators and
administrators, open to anyone who wants it.

- `enrol`: a new authenticator (QR code and the key to type by hand), confirmed by a
  first code; then ten recovery codes are shown once (only their list in the database,
  each serves once: django-otp's static device deletes a code when it is used).
- `verify`: the step after the password, ProConnect or a login link while the session's
  second factor is pending (`sessions.KEY_TWO_FACTOR`); a 6-digit code or a recovery
  code. django-otp slows down repeated failures (growing delay per device).
- `recovery_codes`: new recovery codes (the old ones stop working), for a verified
  session only.

Lost authenticator and no recovery code left: an administrator deletes the person's
devices in the Django admin (« OTP_TOTP »), the person enrols again at next login."""

import base64
from io import BytesIO
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .sessions import DONE, KEY_TWO_FACTOR, PENDING

RECOVERY_CODES = 10
TOO_MANY = "Trop d'essais à la suite : attendez quelques secondes avant de réessayer."


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code à 6 chiffres ou code de secours",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _confirmed(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _verified(request):
    request.session.cycle_key()  # a new session id once the second factor is given
    request.session[KEY_TWO_FACTOR] = DONE


def _new_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Codes de secours")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _qr_code(url: str) -> str:
    """The QR code of `url` as a data: address of an SVG image."""
    buffer = BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _group(key: str) -> str:
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@login_required
def enrol(request):
    user = request.user
    pending = request.session.get(KEY_TWO_FACTOR) == PENDING
    if _confirmed(user) is not None:
        if pending:  # replacing the authenticator needs the second factor first
            return redirect("accounts:two_factor")
        return render(request, "accounts/two_factor_enrolled.html")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Application", confirmed=False)
    form = CodeForm(request.POST or None)
    form.fields["code"].label = "Code à 6 chiffres affiché par l'application"
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("code", TOO_MANY)
        elif device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_recovery_codes(user)
            _verified(request)
            return render(
                request, "accounts/two_factor_codes.html", {"codes": codes, "next": _next(request)}
            )
        else:
            form.add_error(
                "code", "Ce code n'est pas le bon : vérifiez l'heure de votre téléphone."
            )
    key = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "qr_code": _qr_code(device.config_url),
            "key": _group(key),
            "next": _next(request),
            "required": pending,
        },
    )


@login_required
def verify(request):
    user = request.user
    if request.session.get(KEY_TWO_FACTOR) != PENDING:
        return HttpResponseRedirect(_next(request))
    device = _confirmed(user)
    if device is None:
        query = urlencode({"next": _next(request)})
        return redirect(f"{reverse('accounts:two_factor_enrol')}?{query}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            form.add_error("code", TOO_MANY)
        elif device.verify_token(code) or _recovery(user, code):
            _verified(request)
            return HttpResponseRedirect(_next(request))
        else:
            form.add_error("code", "Ce code n'est pas valable.")
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


def _recovery(user, code: str) -> bool:
    device = StaticDevice.objects.filter(user=user).first()
    return device is not None and device.verify_token(code)


@login_required
@require_POST
def recovery_codes(request):
    if request.session.get(KEY_TWO_FACTOR) != DONE or _confirmed(request.user) is None:
        messages.error(request, "Activez d'abord la double authentification.")
        return redirect("accounts:two_factor_enrol")
    codes = _new_recovery_codes(request.user)
    return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": "/compte/"})
