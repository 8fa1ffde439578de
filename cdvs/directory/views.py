"""Public pages of the directory: the searchable list, the fiche (contacts for logged-in
partners only), « qui peut aider ? », exports; and the pages where an organisation's
people keep their fiche up to date. Coordination pages are in `coordination.py`."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import json_script

from cdvs.accounts import permissions
from cdvs.accounts.models import Invitation
from cdvs.core.exports import FORMAT_LABELS, export_response
from cdvs.core.geocoding import BanClient, GeocodingError, in_france
from cdvs.core.trash import confirm_trash
from cdvs.territories.models import Kind, Territory
from cdvs.territories.services import feature_collection

from . import maps, services
from .forms import (
    ContactForm,
    ExceptionFormSet,
    FilterForm,
    HelpForm,
    OrganisationForm,
    PlaceForm,
    PlaceHoursForm,
    ServiceForm,
    week_formset,
)
from .models import Contact, OpeningException, OpeningSlot, Organisation, Place, Service

PAGE_SIZE = 50
PRINT_SIZE = 500  # the printable list: one long page


def _mine(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(user.memberships.values_list("organisation_id", flat=True))


def _filters(request):
    form = FilterForm(request.GET)
    return form, form.values


def organisation_list(request):
    permissions.require(request.user, "directory.view")
    form, params = _filters(request)
    qs = services.listing(form.filter(Organisation.objects.all())).only(*services.LIST_PAGE_COLUMNS)
    printable = bool(request.GET.get("imprimer"))
    paginator = Paginator(qs, PRINT_SIZE if printable else PAGE_SIZE)
    # lazy: when the rows come from the cache, neither the count nor the rows are read
    page = SimpleLazyObject(lambda: paginator.get_page(request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("imprimer", None)
    mine = _mine(request.user)
    return render(
        request,
        "directory/organisation_list.html",
        {
            "printable": printable,
            "form": form,
            "page": page,
            "organisations": SimpleLazyObject(lambda: page.object_list),
            "rows_key": services.list_rows_key(request.GET.urlencode(), mine),
            "mine": mine,
            "query": query.urlencode(),
            "formats": FORMAT_LABELS,
            "filtered": any(v not in (None, "") for v in params.values()),
            "may_import": permissions.can(request.user, "directory.import"),
            "may_create": permissions.can(request.user, "directory.create"),
        },
    )


def organisation_detail(request, pk):
    permissions.require(request.user, "directory.view")
    organisation = get_object_or_404(
        Organisation.objects.select_related("territory").prefetch_related(
            "enjeux",
            "territories",
            Prefetch("places", queryset=_places_with_hours()),
            Prefetch("services", queryset=Service.objects.select_related("place")),
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
def organisation_confirm(request, pk):
    """« Marquer comme à jour » : a button on the fiche (POST); the reminder email's
    link opens this page (GET), which asks to confirm with the same button."""
    organisation = get_object_or_404(Organisation, pk=pk)
    permissions.require(request.user, "directory.edit", organisation)
    if request.method != "POST":
        return render(
            request, "directory/organisation_confirm.html", {"organisation": organisation}
        )
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
    if form.is_valid() and any(
        v not in (None, "") for k, v in form.cleaned_data.items() if k not in ("lat", "lon")
    ):
        data = form.cleaned_data
        point = data.get("point")
        lat, lon = point.coords if point else (None, None)
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
            opening=data,
        )
    return render(
        request,
        "directory/who_can_help.html",
        {"form": form, "helpers": helpers, "origin": origin},
    )


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
    form, _ = _filters(request)
    qs = services.listing(form.filter(Organisation.objects.all()))
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


# ------------------------------------------------------------------ places


def _place_map(place):
    """The place form's map: QPV and PAC outlines and the current point."""
    outlines = Territory.objects.with_perimeter().filter(kind__in=[Kind.QPV, Kind.PAC])
    commune = place.organisation.territory
    while commune is not None and commune.kind in (Kind.QPV, Kind.PAC):
        commune = commune.parent
    if commune is not None and commune.kind == Kind.COMMUNE:
        # the organisation's commune, for context
        outlines = outlines | Territory.objects.with_perimeter().filter(pk=commune.pk)
    data = {
        "tileUrl": settings.TILE_URL,
        "attribution": "© les contributeurs d'OpenStreetMap",
        "outlines": feature_collection(outlines.order_by("kind", "name")),
        "point": [place.lat, place.lon] if place.lat is not None else None,
    }
    return json_script(data, "place-map-data")


def _geocode_into(form, organisation):
    """« Trouver l'adresse » : ask the BAN, put its answer in a new unbound-like form."""
    data = form.data.copy()
    address = " ".join(
        data.get(k, "").strip() for k in ("address", "postcode", "city") if data.get(k)
    )
    try:
        result = BanClient().search(address, postcode=data.get("postcode", "").strip())
    except GeocodingError as exc:
        return data, "error", str(exc)
    if result is None or not in_france(result.lat, result.lon):
        return (
            data,
            "error",
            (
                "Aucune adresse trouvée par la Base Adresse Nationale : précisez l'adresse, ou "
                "saisissez les coordonnées, ou placez le lieu sur la carte."
            ),
        )
    lat, lon = f"{result.lat:.6f}", f"{result.lon:.6f}"
    data["lat"], data["lon"] = lat.replace(".", ","), lon.replace(".", ",")
    data["geocoding_label"] = result.label
    data["geocoding_score"] = str(result.score)
    data["citycode"] = result.citycode
    data["geocoded_point"] = f"{lat},{lon}"
    if not data.get("postcode"):
        data["postcode"] = result.postcode
    if not data.get("city"):
        data["city"] = result.city
    if result.needs_review:
        return (
            data,
            "warning",
            (
                f"Adresse trouvée avec un score de {result.score_label} seulement : « {result.label} ». "
                "À vérifier : déplacez le point sur la carte si besoin, puis enregistrez."
            ),
        )
    return (
        data,
        "success",
        (
            f"Adresse trouvée : « {result.label} » (score {result.score_label}). Vérifiez le point "
            "sur la carte, puis enregistrez."
        ),
    )


def _places_with_hours():
    """Places with their slots and their coming exceptions (three queries)."""
    return Place.objects.select_related("territory").prefetch_related(
        "slots",
        Prefetch(
            "exceptions",
            queryset=OpeningException.objects.filter(date__gte=timezone.localdate()),
        ),
    )


@login_required
def place_hours(request, place_pk):
    """A place's opening slots and exceptions, edited together (two formsets)."""
    place = get_object_or_404(Place.objects.select_related("organisation"), pk=place_pk)
    organisation = place.organisation
    permissions.require(request.user, "directory.edit", organisation)
    data = request.POST if request.method == "POST" else None
    holidays_form = PlaceHoursForm(data, instance=place)
    slots = week_formset(data, OpeningSlot.objects.filter(place=place))
    exceptions = ExceptionFormSet(
        data, queryset=OpeningException.objects.filter(place=place), prefix="exceptions"
    )
    if request.method == "POST":
        if holidays_form.is_valid() and slots.is_valid() and exceptions.is_valid():
            services.save_hours(place, holidays_form, slots, exceptions, request.user)
            messages.success(
                request,
                "Horaires enregistrés. Ils sont affichés sur la fiche ; vous pouvez continuer "
                "à les modifier ici.",
            )
            return redirect("directory:place_hours", place.pk)
        messages.error(
            request, "Les horaires n'ont pas été enregistrés : corrigez les erreurs signalées."
        )
    return render(
        request,
        "directory/place_hours.html",
        {
            "organisation": organisation,
            "place": place,
            "holidays_form": holidays_form,
            "slots": slots,
            "exceptions": exceptions,
        },
    )


@login_required
def place_edit(request, pk=None, place_pk=None):
    if place_pk is not None:
        place = get_object_or_404(Place.objects.select_related("organisation"), pk=place_pk)
        organisation = place.organisation
    else:
        organisation = get_object_or_404(Organisation, pk=pk)
        place = Place(organisation=organisation)
    permissions.require(request.user, "directory.edit", organisation)
    form = PlaceForm(request.POST or None, instance=place)
    if request.method == "POST":
        if request.POST.get("action") == "geocode":
            data, level, text = _geocode_into(form, organisation)
            getattr(messages, level)(request, text)
            # nothing saved yet: shown as the form's new values, checked when saving
            form = PlaceForm(initial=data.dict(), instance=place)
        elif form.is_valid():
            place = services.save_place(form, organisation, request.user)
            messages.success(
                request,
                f"Lieu enregistré ({place.get_classification_display().lower()}"
                f"{' : ' + place.territory.name if place.territory else ''}).",
            )
            return redirect(organisation)
        else:
            messages.error(
                request, "Le lieu n'a pas été enregistré : corrigez les erreurs signalées."
            )
    return render(
        request,
        "directory/place_form.html",
        {
            "organisation": organisation,
            "place": place,
            "form": form,
            "map_data": _place_map(place),
        },
    )


# ------------------------------------------------------------------ GeoJSON, data·inclusion


def places_geojson(request):
    """The places of the filtered organisations: public fields only, for everyone."""
    permissions.require(request.user, "directory.view")
    form, _ = _filters(request)
    data = services.places_geojson(form.filter(Organisation.objects.all()))
    response = JsonResponse(data, content_type="application/geo+json")
    response["Content-Disposition"] = 'attachment; filename="lieux.geojson"'
    return response


def data_inclusion(request, what):
    """Structures or services in data·inclusion's schema v1 (validated item by item)."""
    permissions.require(request.user, "directory.view")
    if what not in ("structures", "services"):
        raise Http404("Export data·inclusion : « structures » ou « services ».")
    form, _ = _filters(request)
    base_url = request.build_absolute_uri("/").rstrip("/")
    builder = (
        services.data_inclusion_structures
        if what == "structures"
        else services.data_inclusion_services
    )
    items, skipped = builder(form.filter(Organisation.objects.all()), base_url)
    response = JsonResponse(items, safe=False, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="data-inclusion-{what}.json"'
    response["X-Items-Skipped"] = str(skipped)
    return response


# ------------------------------------------------------------------ map


def organisation_map(request):
    """The map of organisations and places, filtered like the list; next to it the
    same organisations as a list (the map's text alternative)."""
    permissions.require(request.user, "directory.view")
    form, params = _filters(request)
    qs = services.listing(form.filter(Organisation.objects.all())).only(*services.LIST_PAGE_COLUMNS)
    paginator = Paginator(qs, PAGE_SIZE)
    page = SimpleLazyObject(lambda: paginator.get_page(1))
    query = request.GET.copy()
    query.pop("page", None)
    data = {
        "tileUrl": settings.TILE_URL,
        "attribution": "© les contributeurs d'OpenStreetMap",
        "markersUrl": reverse("directory:map_data") + "?" + query.urlencode(),
        "outlineUrls": {
            kind: reverse("api:geojson_layer", kwargs={"kind": kind}) for kind in ("qpv", "pac")
        },
    }
    return render(
        request,
        "directory/organisation_map.html",
        {
            "form": form,
            "page": page,
            "organisations": SimpleLazyObject(lambda: page.object_list),
            "rows_key": services.list_rows_key(query.urlencode(), ()),
            "query": query.urlencode(),
            "filtered": any(v not in (None, "") for v in params.values()),
            "map_data": json_script(data, "directory-map-data"),
        },
    )


def map_data(request):
    """GeoJSON markers of the map: public fields only, for everyone; `bbox`
    (sud,ouest,nord,est) and `limit` keep it small, the answer is cached."""
    permissions.require(request.user, "directory.view")
    form, params = _filters(request)
    if request.GET and not form.is_valid():
        errors = {f: [str(e) for e in errs] for f, errs in form.errors.items()}
        return JsonResponse({"erreurs": errors}, status=400)
    try:
        bbox = maps.parse_bbox(request.GET.get("bbox", ""))
        limit = int(request.GET.get("limit") or maps.DEFAULT_LIMIT)
    except ValueError as exc:
        message = str(exc) if "Zone" in str(exc) else "Limite invalide : un nombre entier attendu."
        return JsonResponse({"erreurs": {"bbox": [message]}}, status=400)
    limit = max(1, min(limit, maps.MAX_LIMIT))
    keys = sorted(k for k in request.GET if k not in ("bbox", "limit", "page"))
    query = "&".join(f"{k}={request.GET.get(k)}" for k in keys)

    body = maps.cached_markers(form.filter(Organisation.objects.all()), query, bbox, limit)
    return HttpResponse(body, content_type="application/geo+json")


# ------------------------------------------------------------------ contacts, services


@login_required
def contact_edit(request, contact_pk):
    contact = get_object_or_404(Contact.objects.select_related("organisation"), pk=contact_pk)
    organisation = contact.organisation
    permissions.require(request.user, "directory.edit", organisation)
    form = ContactForm(request.POST or None, instance=contact, initial={"consent": True})
    if request.method == "POST":
        if form.is_valid():
            services.save_contact(form, request.user)
            messages.success(request, "Contact modifié.")
            return redirect(organisation)
        messages.error(
            request, "Le contact n'a pas été enregistré : corrigez les erreurs signalées."
        )
    return render(
        request,
        "directory/contact_form.html",
        {"organisation": organisation, "form": form, "contact": contact},
    )


def _confirm_delete(request, obj, organisation, what, reason, done):
    permissions.require(request.user, "directory.edit", organisation)
    return confirm_trash(
        request,
        obj,
        heading=f"Supprimer {what} « {obj.name} »\u00a0?",
        explanation=f"Il disparaîtra de la fiche de {organisation.name}. La coordination peut "
        "le restaurer depuis la corbeille de l'annuaire.",
        back=organisation.get_absolute_url(),
        then=organisation.get_absolute_url(),
        done=done,
        reason=reason,
        breadcrumb=[
            ("Annuaire", reverse("directory:list")),
            (organisation.name, organisation.get_absolute_url()),
        ],
    )


@login_required
def contact_delete(request, contact_pk):
    contact = get_object_or_404(Contact.objects.select_related("organisation"), pk=contact_pk)
    return _confirm_delete(
        request, contact, contact.organisation, "le contact", "Suppression d'un contact",
        "Contact supprimé (la coordination peut le restaurer).",
    )  # fmt: skip


@login_required
def service_edit(request, pk=None, service_pk=None):
    if service_pk is not None:
        service = get_object_or_404(Service.objects.select_related("organisation"), pk=service_pk)
        organisation = service.organisation
    else:
        organisation = get_object_or_404(Organisation, pk=pk)
        service = Service(organisation=organisation)
    permissions.require(request.user, "directory.edit", organisation)
    form = ServiceForm(request.POST or None, instance=service, organisation=organisation)
    if request.method == "POST":
        if form.is_valid():
            services.save_service(form, organisation, request.user)
            messages.success(request, "Service enregistré.")
            return redirect(organisation)
        messages.error(
            request, "Le service n'a pas été enregistré : corrigez les erreurs signalées."
        )
    return render(
        request,
        "directory/service_form.html",
        {"organisation": organisation, "service": service, "form": form},
    )


@login_required
def service_delete(request, service_pk):
    service = get_object_or_404(Service.objects.select_related("organisation"), pk=service_pk)
    return _confirm_delete(
        request, service, service.organisation, "le service", "Suppression d'un service",
        "Service supprimé (la coordination peut le restaurer).",
    )  # fmt: skip
