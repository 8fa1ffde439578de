"""Read API of the directory: public fiches for everyone; the contacts (personal data)
only for logged-in partners (`directory.view_contacts`), `null` for anyone else."""

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from cdvs.accounts import permissions

from . import services
from .models import Organisation

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
    q: str = ""
    kind: str = ""
    thematique: str = ""
    public: str = ""
    age: int | None = None
    limit: int = 100
    offset: int = 0


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


@router.get("/organisations", response=list[OrganisationOut], url_name="organisations")
def organisations(request, filters: Query[Filters]):
    """Fiches publiques des organisations (sans contacts), filtrées comme la liste."""
    permissions.require(request.user, "directory.view")
    params = filters.dict()
    limit = max(1, min(params.pop("limit"), MAX_LIMIT))
    offset = max(0, params.pop("offset"))
    qs = services.listing(services.filtered(params))[offset : offset + limit]
    return [_out(o) for o in qs]


@router.get("/organisations/{int:pk}", response=OrganisationDetailOut, url_name="organisation")
def organisation(request, pk: int):
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
