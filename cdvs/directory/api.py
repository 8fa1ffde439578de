"""API of the directory. Read: public fiches, places (with hours) and services for
everyone; writes (fiche, places) for the organisation's own members. Contacts (personal data)
only for logged-in partners (`directory.view_contacts`), `null` for anyone else."""

import json

from django.http import QueryDict
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from cdvs.accounts import permissions
from cdvs.api.errors import FORBIDDEN, LIST, ONE, WRITE, errors
from cdvs.api.types import Code, Id, form_body, form_text
from cdvs.core.bounds import ApiInt
from cdvs.core.cache import cached_json

from . import services
from .forms import FilterForm, OrganisationForm, PlaceForm
from .hours import osm_opening_hours
from .models import Organisation, Place, Service

router = Router()
MAX_LIMIT = 500


class ContactOut(Schema):
    name: str
    role: str
    email: str
    phone: str


class PlaceOut(Schema):
    name: str
    address: str
    postcode: str
    city: str
    lat: float | None
    lon: float | None
    classification: str


class OrganisationOut(Schema):
    id: int
    key: str | None
    name: str
    kind: str
    kind_label: str
    description: str
    address: str
    postcode: str
    city: str
    lat: float | None
    lon: float | None
    website: str
    siret: str
    rna: str
    enjeux: list[int]
    publics: list[str]
    thematiques: list[str]
    languages: list[str]
    age_min: int | None
    age_max: int | None
    last_confirmed_at: str | None


class OrganisationDetailOut(OrganisationOut):
    places: list[PlaceOut]
    contacts: list[ContactOut] | None = None


class Filters(Schema):
    q: form_text(FilterForm) = ""
    kind: Code = ""
    thematique: Code = ""
    public: Code = ""
    age: ApiInt | None = None
    limit: ApiInt = 100
    offset: ApiInt = 0


def _out(o: Organisation) -> dict:
    return {
        "id": o.pk,
        "key": o.key,
        "name": o.name,
        "kind": o.kind,
        "kind_label": o.get_kind_display(),
        "description": o.description,
        "address": o.address,
        "postcode": o.postcode,
        "city": o.city,
        "lat": o.lat,
        "lon": o.lon,
        "website": o.website,
        "siret": o.siret,
        "rna": o.rna,
        "enjeux": [e.number for e in o.enjeux.all()],
        "publics": o.publics,
        "thematiques": o.thematiques,
        "languages": o.languages,
        "age_min": o.age_min,
        "age_max": o.age_max,
        "last_confirmed_at": o.last_confirmed_at.isoformat() if o.last_confirmed_at else None,
    }


@router.get(
    "/organisations", response={200: list[OrganisationOut], **LIST}, url_name="organisations"
)
def organisations(request, filters: Query[Filters]):
    """Fiches publiques des organisations (sans contacts), filtrées comme la liste."""
    permissions.require(request.user, "directory.view")
    params = filters.dict()
    limit = max(1, min(params.pop("limit"), MAX_LIMIT))
    offset = max(0, params.pop("offset"))
    organisations = FilterForm().apply(Organisation.objects.all(), params)
    qs = services.listing(organisations)[offset : offset + limit]
    # public fields only, the same for every reader: serialised once per data version
    key = "directory:api-list:" + services.list_rows_key(json.dumps([params, limit, offset]), ())
    return cached_json(key, list[OrganisationOut], lambda: [_out(o) for o in qs])


@router.get(
    "/organisations/{pk}", response={200: OrganisationDetailOut, **ONE}, url_name="organisation"
)
def organisation(request, pk: Id):
    """Une fiche ; `contacts` n'est renseigné que pour les partenaires connectés."""
    permissions.require(request.user, "directory.view")
    org = get_object_or_404(
        Organisation.objects.prefetch_related("enjeux", "places", "contacts"), pk=pk
    )
    data = _out(org)
    data["places"] = [
        {
            "name": p.name,
            "address": p.address,
            "postcode": p.postcode,
            "city": p.city,
            "lat": p.lat,
            "lon": p.lon,
            "classification": p.classification,
        }
        for p in org.places.all()
    ]
    if permissions.can(request.user, "directory.view_contacts", org):
        data["contacts"] = [
            {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
            for c in org.contacts.all()
        ]
    return data


# ------------------------------------------------------------------ reading places, services


class SlotOut(Schema):
    weekday: int
    start: str
    end: str
    weeks: list[int]
    valid_from: str | None
    valid_until: str | None
    label: str


class PlaceDetailOut(Schema):
    id: int
    name: str
    address: str
    postcode: str
    city: str
    lat: float | None
    lon: float | None
    classification: str
    classification_label: str
    open_on_public_holidays: bool
    slots: list[SlotOut]
    opening_hours: str | None


class ServiceOut(Schema):
    id: int
    name: str
    description: str
    thematiques: list[str]
    publics: list[str]
    place_id: int | None


def _place_out(p) -> dict:
    slots = list(p.slots.all())
    return {
        "id": p.pk,
        "name": p.name,
        "address": p.address,
        "postcode": p.postcode,
        "city": p.city,
        "lat": p.lat,
        "lon": p.lon,
        "classification": p.classification,
        "classification_label": p.get_classification_display(),
        "open_on_public_holidays": p.open_on_public_holidays,
        "slots": [
            {
                "weekday": s.weekday,
                "start": s.start.strftime("%H:%M"),
                "end": s.end.strftime("%H:%M"),
                "weeks": s.week_numbers,
                "valid_from": s.valid_from.isoformat() if s.valid_from else None,
                "valid_until": s.valid_until.isoformat() if s.valid_until else None,
                "label": s.label,
            }
            for s in slots
        ],
        "opening_hours": osm_opening_hours(slots, p.exceptions.all(), p.open_on_public_holidays),
    }


def _places(org_pk):
    return Place.objects.filter(organisation_id=org_pk).prefetch_related("slots", "exceptions")


@router.get(
    "/organisations/{pk}/lieux",
    response={200: list[PlaceDetailOut], **ONE},
    url_name="organisation_places",
    summary="Lieux d'accueil d'une organisation, avec leurs horaires",
)
def organisation_places(request, pk: Id):
    """Les lieux d'accueil (informations publiques), leurs créneaux et leurs horaires
    au format OpenStreetMap `opening_hours`."""
    permissions.require(request.user, "directory.view")
    get_object_or_404(Organisation, pk=pk)
    return [_place_out(p) for p in _places(pk)]


@router.get(
    "/organisations/{pk}/services",
    response={200: list[ServiceOut], **ONE},
    url_name="organisation_services",
    summary="Services proposés par une organisation",
)
def organisation_services(request, pk: Id):
    """Les services (thématiques et publics : codes data·inclusion ou nôtres)."""
    permissions.require(request.user, "directory.view")
    get_object_or_404(Organisation, pk=pk)
    return [
        {
            "id": s.pk,
            "name": s.name,
            "description": s.description,
            "thematiques": s.thematiques,
            "publics": s.publics,
            "place_id": s.place_id,
        }  # fmt: skip
        for s in Service.objects.filter(organisation_id=pk)
    ]


# ------------------------------------------------------------------ writing (own members)
#
# Session authentication with Django's CSRF check (django-ninja's `django_auth`): the
# pages' own JavaScript, or a partner's script holding a session, send the csrftoken
# cookie's value in the X-CSRFToken header. Checks are those of the pages' forms
# (French messages), every change is kept in the history.

from django.forms.models import model_to_dict  # noqa: E402
from ninja import Status  # noqa: E402
from ninja.security import django_auth  # noqa: E402

FicheIn = form_body(
    "FicheIn",
    OrganisationForm,
    {
        "name": "Nom de l'organisation",
        "kind": "Type (association, centre_social, service_ville…)",
        "description": "Description",
        "address": "Adresse",
        "postcode": "Code postal (5 chiffres)",
        "city": "Commune",
        "lat": "Latitude (degrés décimaux)",
        "lon": "Longitude (degrés décimaux)",
        "website": "Site internet (URL)",
        "siret": "SIRET (14 chiffres, clé vérifiée)",
        "rna": "Numéro RNA (W + 9 chiffres)",
        "publics": "Codes des publics (liste)",
        "thematiques": "Codes des thématiques (liste)",
        "languages": "Codes des langues parlées (liste)",
        "accessibility": "Codes d'accessibilité (liste)",
        "accessibility_note": "Précisions sur l'accessibilité",
        "age_min": "Âge minimum (années)",
        "age_max": "Âge maximum (années)",
        "update_frequency_months": "Fréquence de mise à jour en mois (3, 6 ou 12)",
    },
    "Only the fields sent are changed (PATCH); checks and messages of the fiche's form.",
)

PlaceIn = form_body(
    "PlaceIn",
    PlaceForm,
    {
        "name": "Nom du lieu",
        "address": "Adresse",
        "postcode": "Code postal (5 chiffres)",
        "city": "Commune",
        "lat": "Latitude (degrés décimaux), en France",
        "lon": "Longitude (degrés décimaux), en France",
    },
    "Only the fields sent are changed (PATCH); all of them at creation (POST).",
)


def _form_data(form_class, instance, changes: dict, **form_kwargs) -> dict:
    """The form's data: the instance's current values, then the fields sent."""
    fields = [
        n for n in form_class.base_fields if n in {f.name for f in instance._meta.get_fields()}
    ]
    data = model_to_dict(instance, fields=fields) if instance.pk else {}
    for key, value in list(data.items()):
        if isinstance(value, list) and value and hasattr(value[0], "pk"):
            data[key] = [v.pk for v in value]
        elif value is None:
            data[key] = ""
    for key, value in changes.items():
        data[key] = "" if value is None else value
    return data


def _as_form_value(value):
    if isinstance(value, bool | int | float):
        return str(value)
    return value


def _bind(form_class, instance, changes, **kwargs):
    data = _form_data(form_class, instance, changes)
    query = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            query.setlist(key, [_as_form_value(v) for v in value])
        else:
            query[key] = _as_form_value(value)
    return form_class(query, instance=instance, **kwargs)


def _errors(form, message: str):
    errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
    return Status(422, {"message": message, "errors": errors})


def _forbidden():
    return Status(403, {"message": FORBIDDEN})


def _sent(payload) -> dict:
    return payload.model_dump(exclude_unset=True)


@router.patch(
    "/organisations/{pk}",
    auth=django_auth,
    response={200: OrganisationOut, **WRITE},
    url_name="organisation_update",
    summary="Modifier la fiche d'une organisation (ses membres)",
)
def organisation_update(request, pk: Id, payload: FicheIn):
    """Change the fields sent, with the same checks as the fiche's form; the
    change is kept in the history and confirms the fiche up to date. For the
    organisation's own members (porteurs) and its coordinators."""
    org = get_object_or_404(Organisation, pk=pk)
    if not permissions.can(request.user, "directory.edit", org):
        return _forbidden()
    form = _bind(OrganisationForm, org, _sent(payload))
    if not form.is_valid():
        return _errors(form, "La fiche n'a pas été modifiée : corrigez les erreurs signalées.")
    org = services.update_fiche(form, request.user)
    return _out(Organisation.objects.prefetch_related("enjeux").get(pk=org.pk))


def _save_place(request, org, place, changes, status):
    form = _bind(PlaceForm, place, changes)
    if not form.is_valid():
        return _errors(form, "Le lieu n'a pas été enregistré : corrigez les erreurs signalées.")
    place = services.save_place(form, org, request.user)
    return Status(status, _place_out(_places(org.pk).get(pk=place.pk)))


@router.post(
    "/organisations/{pk}/lieux",
    auth=django_auth,
    response={201: PlaceDetailOut, **WRITE},
    url_name="place_create",
    summary="Ajouter un lieu d'accueil (membres de l'organisation)",
)
def place_create(request, pk: Id, payload: PlaceIn):
    """Classified QPV / PAC / hors périmètre from its coordinates on save."""
    org = get_object_or_404(Organisation, pk=pk)
    if not permissions.can(request.user, "directory.edit", org):
        return _forbidden()
    return _save_place(request, org, Place(organisation=org), _sent(payload), 201)


def _own_place(request, place_pk):
    place = get_object_or_404(Place.objects.select_related("organisation"), pk=place_pk)
    allowed = permissions.can(request.user, "directory.edit", place.organisation)
    return place, allowed


@router.patch(
    "/lieux/{place_pk}",
    auth=django_auth,
    response={200: PlaceDetailOut, **WRITE},
    url_name="place_update",
    summary="Modifier un lieu d'accueil (membres de l'organisation)",
)
def place_update(request, place_pk: Id, payload: PlaceIn):
    place, allowed = _own_place(request, place_pk)
    if not allowed:
        return _forbidden()
    return _save_place(request, place.organisation, place, _sent(payload), 200)


@router.delete(
    "/lieux/{place_pk}",
    auth=django_auth,
    response={204: None, **errors(401, 403, 404)},
    url_name="place_delete",
    summary="Supprimer un lieu d'accueil (corbeille, restaurable)",
)
def place_delete(request, place_pk: Id):
    place, allowed = _own_place(request, place_pk)
    if not allowed:
        return _forbidden()
    place.soft_delete(request.user, "Suppression d'un lieu")
    return Status(204, None)
