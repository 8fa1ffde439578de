"""« Mes données personnelles » : what the tool holds about a person, and the erasure of
their contact entries in the directory.

A logged-in person sees it for the address of their account. Anyone else, e.g. a
contact of an organisation who has no account, asks for a link sent to their address:
the link is signed and expires, and the answer never says whether the address is
known (nobody learns who is in the directory by asking)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cdvs.calls.models import SavedSearch
from cdvs.directory import services as directory_services
from cdvs.directory.models import Contact

from .lockout import email_request_refusal
from .models import Invitation, Membership, User
from .tasks import queue_email

SALT = "cdvs.accounts.personal-data"
LINK_VALID_SECONDS = 2 * 24 * 3600
NBSP = "\u00a0"


class AddressForm(forms.Form):
    email = forms.EmailField(
        label="Votre adresse électronique",
        max_length=254,
        error_messages={
            "invalid": "Saisissez une adresse électronique valide.",
            "required": "Saisissez votre adresse électronique.",
        },
    )


def _token(email: str) -> str:
    return signing.dumps(email.strip().lower(), salt=SALT)


def _email_from(token: str) -> str:
    try:
        return signing.loads(token, salt=SALT, max_age=LINK_VALID_SECONDS)
    except signing.BadSignature:
        raise Http404("Lien invalide ou expiré") from None


def _contacts(email: str):
    return (
        Contact.all_objects.filter(email__iexact=email)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )


def _holdings(email: str) -> dict:
    user = User.objects.filter(email__iexact=email).first()
    return {
        "email": email,
        "contacts": list(_contacts(email)),
        "account": user,
        "memberships": list(
            Membership.objects.filter(user=user).select_related("organisation") if user else []
        ),
        "invitations": list(
            Invitation.objects.usable().filter(email=email).select_related("organisation")
        ),
    }


def _when(value):
    return value.isoformat() if value else None


def _as_json(email: str) -> dict:
    """Everything `_holdings` shows, plus the account's login security and saved
    searches, as plain data (the « mes données » download)."""
    held = _holdings(email)
    user = held["account"]
    data = {
        "adresse": email,
        "fiches_contact": [
            {
                "organisation": str(c.organisation),
                "nom": c.name,
                "fonction": c.role,
                "adresse_electronique": c.email,
                "telephone": c.phone,
                "accord_donne_le": _when(c.consent_at),
                "creee_le": _when(c.created_at),
                "a_la_corbeille": c.deleted_at is not None,
            }
            for c in held["contacts"]
        ],
        "invitations_en_attente": [
            {"organisation": str(i.organisation), "role": i.role, "expire_le": _when(i.expires_at)}
            for i in held["invitations"]
        ],
        "compte": None,
    }
    if user is not None:
        data["compte"] = {
            "prenom": user.first_name,
            "nom": user.last_name,
            "adresse_electronique": user.email,
            "actif": user.is_active,
            "cree_le": _when(user.date_joined),
            "derniere_connexion": _when(user.last_login),
            "appartenances": [
                {"organisation": str(m.organisation), "role": m.role, "depuis": _when(m.created_at)}
                for m in held["memberships"]
            ],
            "double_authentification": TOTPDevice.objects.filter(
                user=user, confirmed=True
            ).exists(),
            "codes_de_secours_restants": StaticToken.objects.filter(device__user=user).count(),
            "recherches_enregistrees": [
                {
                    "nom": search.name,
                    "filtres": search.query,
                    "frequence": search.frequency,
                    "alertes_actives": search.active,
                    "creee_le": _when(search.created_at),
                }
                for search in SavedSearch.objects.filter(user=user).order_by("pk")
            ],
        }
    return data


def _download(email: str):
    response = JsonResponse(_as_json(email), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
    return response


def personal_data_json(request):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={reverse('accounts:personal_data')}")
    return _download(request.user.email)


def personal_data_link_json(request, token):
    return _download(_email_from(token))


def _page(request, email: str, token: str = ""):
    return render(
        request,
        "accounts/personal_data.html",
        {**_holdings(email), "token": token, "valid_hours": LINK_VALID_SECONDS // 3600},
    )


def personal_data(request):
    if request.user.is_authenticated:
        return _page(request, request.user.email)
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        refusal = email_request_refusal(request, email, "personal-data")
        if refusal:
            form.add_error(None, refusal)
            return render(
                request, "accounts/personal_data_request.html", {"form": form}, status=429
            )
        if _contacts(email).exists() or User.objects.filter(email__iexact=email).exists():
            url = settings.SITE_URL.rstrip("/") + reverse(
                "accounts:personal_data_link", args=[_token(email)]
            )
            queue_email(
                email,
                "accounts/emails/personal_data",
                {"url": url, "valid_hours": LINK_VALID_SECONDS // 3600},
            )
        messages.success(
            request,
            f"Si cette adresse figure dans l'outil, un lien vient de lui être envoyé{NBSP}; "
            f"il est valable {LINK_VALID_SECONDS // 3600}{NBSP}heures.",
        )
        return redirect("accounts:personal_data")
    return render(request, "accounts/personal_data_request.html", {"form": form})


def personal_data_link(request, token):
    return _page(request, _email_from(token), token)


@require_POST
def erase_contact(request, pk, token=""):
    """Erase one contact entry whose address is the person's own."""
    if token:
        email, back = _email_from(token), reverse("accounts:personal_data_link", args=[token])
    elif request.user.is_authenticated:
        email, back = request.user.email, reverse("accounts:personal_data")
    else:
        return redirect(f"{reverse('accounts:login')}?next={reverse('accounts:personal_data')}")
    contact = _contacts(email).filter(pk=pk).first()
    if contact is None:
        raise Http404("Aucune fiche contact à cette adresse")
    organisation = contact.organisation
    directory_services.erase_contact(contact)
    messages.success(
        request,
        f"Vos coordonnées ont été effacées de la fiche «{NBSP}{organisation}{NBSP}», "
        "historique compris.",
    )
    return redirect(back)
