"""Public pages of the directory: the searchable list, the fiche (contacts for logged-in
partners only), « qui peut aider ? », exports; and the pages where an organisation's
people keep their fiche up to date. Coordination pages are in `coordination.py`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cdvs.accounts import permissions
from cdvs.accounts.models import Invitation
from cdvs.core.exports import FORMAT_LABELS, export_response

from . import services
from .forms import ContactForm, FilterForm, HelpForm, OrganisationForm
from .models import Contact, Organisation, Place

PAGE_SIZE = 50


def _mine(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(user.memberships.values_list("organisation_id", flat=True))


def _filters(request):
    form = FilterForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {}
    return form, params


def organisation_list(request):
    permissions.require(request.user, "directory.view")
    form, params = _filters(request)
    qs = services.listing(services.filtered(params))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "directory/organisation_list.html",
        {
            "form": form,
            "page": page,
            "organisations": page.object_list,
            "mine": _mine(request.user),
            "query": query.urlencode(),
            "formats": FORMAT_LABELS,
            "filtered": any(v not in (None, "") for v in params.values()),
        },
    )


def organisation_detail(request, pk):
    permissions.require(request.user, "directory.view")
    organisation = get_object_or_404(
        Organisation.objects.select_related("territory").prefetch_related(
            "enjeux",
            "territories",
            Prefetch("places", queryset=Place.objects.select_related("territory")),
        ),
        pk=pk,
    )
    may_view_contacts = permissions.can(request.user, "directory.view_contacts", organisation)
    return render(
        request,
        "directory/organisation_detail.html",
        {
            "organisation": organisation,
            "contacts": organisation.contacts.all()
            if may_view_contacts
            else Contact.objects.none(),
            "may_view_contacts": may_view_contacts,
            "may_edit": permissions.can(request.user, "directory.edit", organisation),
            "may_view_members": permissions.can(
                request.user, "accounts.view_members", organisation
            ),
            "may_invite": permissions.can(request.user, "accounts.invite", organisation),
        },
    )


@login_required
def organisation_edit(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    permissions.require(request.user, "directory.edit", organisation)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST":
        if form.is_valid():
            services.update_fiche(form, request.user)
            messages.success(request, "Fiche enregistrée.")
            return redirect(organisation)
        messages.error(
            request, "La fiche n'a pas été enregistrée : corrigez les erreurs signalées."
        )
    return render(
        request, "directory/organisation_edit.html", {"organisation": organisation, "form": form}
    )


@login_required
@require_POST
def organisation_confirm(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    permissions.require(request.user, "directory.edit", organisation)
    services.mark_up_to_date(organisation, request.user)
    messages.success(request, "Fiche marquée comme à jour.")
    return redirect(organisation)


@login_required
def contact_add(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    permissions.require(request.user, "directory.edit", organisation)
    form = ContactForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.add_contact(form, organisation, request.user)
            messages.success(request, "Contact ajouté.")
            return redirect(organisation)
        messages.error(
            request, "Le contact n'a pas été enregistré : corrigez les erreurs signalées."
        )
    return render(
        request, "directory/contact_form.html", {"organisation": organisation, "form": form}
    )


def who_can_help(request):
    permissions.require(request.user, "directory.view")
    form = HelpForm(request.GET or None)
    helpers = None
    origin = None
    if form.is_valid() and any(v not in (None, "") for v in form.cleaned_data.values()):
        data = form.cleaned_data
        lat, lon = data.get("lat"), data.get("lon")
        if lat is None and data.get("place") is not None:
            origin = services.point_of(data["place"])
            if origin:
                lat, lon = origin
        helpers = services.who_can_help(
            need=data.get("need") or "",
            thematique=data.get("thematique") or "",
            age=data.get("age"),
            lat=lat,
            lon=lon,
        )
    return render(request, "directory/who_can_help.html", {"form": form, "helpers": helpers})


EXPORT_HEADERS = [
    "Nom",
    "Type",
    "Adresse",
    "Code postal",
    "Commune",
    "Latitude",
    "Longitude",
    "Site internet",
    "SIRET",
    "RNA",
    "Enjeux",
    "Publics",
    "Âge minimum",
    "Âge maximum",
    "Thématiques",
    "Langues",
    "Confirmée à jour le",
]


def export(request, fmt):
    """The filtered list as a table: public information only, whoever asks (contacts
    are personal data and never leave the application through an export)."""
    permissions.require(request.user, "directory.view")
    _, params = _filters(request)
    qs = services.listing(services.filtered(params))
    rows = (
        [
            o.name,
            o.get_kind_display(),
            o.address,
            o.postcode,
            o.city,
            o.lat,
            o.lon,
            o.website,
            o.siret,
            o.rna,
            ", ".join(str(e.number) for e in o.enjeux.all()),
            ", ".join(o.public_labels),
            o.age_min,
            o.age_max,
            ", ".join(o.thematique_labels),
            ", ".join(o.language_labels),
            o.last_confirmed_at,
        ]
        for o in qs
    )
    return export_response("organisations", "Organisations", EXPORT_HEADERS, rows, fmt)


@login_required
def organisation_members(request, pk):
    organisation = get_object_or_404(Organisation.objects.select_related("territory"), pk=pk)
    permissions.require(request.user, "accounts.view_members", organisation)
    memberships = organisation.memberships.select_related("user").order_by(
        "user__last_name", "user__first_name", "user__email"
    )
    may_invite = permissions.can(request.user, "accounts.invite", organisation)
    invitations = (
        Invitation.objects.pending().filter(organisation=organisation).select_related("invited_by")
        if may_invite
        else Invitation.objects.none()
    )
    return render(
        request,
        "directory/organisation_members.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "may_invite": may_invite,
            "invitations": invitations,
        },
    )
