"""Read-only API of the calls for projects: what the caller may see only (public calls
for anonymous callers; a logged-in session sees its role's visibility)."""

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from cdvs.api.errors import LIST, ONE
from cdvs.api.types import Code, Id, LocalTime
from cdvs.contract.models import Enjeu
from cdvs.core.bounds import ApiInt
from cdvs.territories.models import Territory

from .filters import apply_filters, clean_filters, ordered
from .models import CallForProjects, Status

router = Router()
MAX_LIMIT = 500


class CallOut(Schema):
    id: int
    title: str
    funder: str
    funder_organisation_id: int | None
    nature: str
    status: str
    status_label: str
    opens_on: date
    closes_on: date | None
    closes_at: LocalTime | None
    recurrence: str
    amount_min: Decimal | None
    amount_max: Decimal | None
    envelope: Decimal | None
    enjeux: list[int]
    territories: list[str]
    carriers: list[str]
    publics: list[str]
    thematiques: list[str]
    link: str
    visibility: str
    url: str


class CallDetailOut(CallOut):
    description: str


def _out(call, today, detail=False) -> dict:
    session = call.current_session(today)
    status = call.status(today)
    data = {
        "id": call.pk,
        "title": call.title,
        "funder": call.funder_name,
        "funder_organisation_id": call.funder_id,
        "nature": call.nature,
        "status": status,
        "status_label": Status(status).label,
        "opens_on": session.opens_on,
        "closes_on": session.closes_on,
        "closes_at": call.closes_at,
        "recurrence": call.recurrence,
        "amount_min": call.amount_min,
        "amount_max": call.amount_max,
        "envelope": call.envelope,
        "enjeux": [e.number for e in call.enjeux.all()],
        "territories": [t.code for t in call.territories.all()],
        "carriers": list(call.carriers or []),
        "publics": list(call.publics or []),
        "thematiques": list(call.thematiques or []),
        "link": call.link,
        "visibility": call.visibility,
        "url": call.get_absolute_url(),
    }
    if detail:
        data["description"] = call.description
    return data


def _queryset(request):
    return CallForProjects.objects.visible_to(request.user).prefetch_related(
        Prefetch("enjeux", queryset=Enjeu.objects.only("pk", "number")),
        Prefetch("territories", queryset=Territory.objects.only("pk", "code")),
    )


@router.get("", response={200: list[CallOut], **LIST}, url_name="calls")
def list_calls(
    request,
    statut: Code = "",
    enjeu: ApiInt | None = None,
    territoire: ApiInt | None = None,
    nature: Code = "",
    offset: ApiInt = 0,
    limit: ApiInt = 100,
):
    """Les appels à projets visibles. `statut` : vide (ouverts et à venir), `en_cours`
    (ouverts, clôture proche comprise), `cloture_proche`, `a_venir`, `clos` ou `tous`."""
    today = timezone.localdate()
    filters = clean_filters(
        {"statut": statut, "enjeu": str(enjeu or ""), "territoire": str(territoire or ""),
         "nature": nature}
    )  # fmt: skip
    if statut and filters.get("statut") != statut:
        raise HttpError(
            422, "Statut inconnu : en_cours, cloture_proche, a_venir, clos, ouvert ou tous."
        )
    offset, limit = max(0, offset), max(1, min(limit, MAX_LIMIT))
    qs = ordered(apply_filters(_queryset(request), filters, today), filters)
    return [_out(c, today) for c in qs[offset : offset + limit]]


@router.get("/{pk}", response={200: CallDetailOut, **ONE}, url_name="call")
def call_detail(request, pk: Id):
    call = _queryset(request).filter(pk=pk).first()
    if call is None or not call.is_visible_to(request.user):
        raise Http404("Appel à projets introuvable.")
    return _out(call, timezone.localdate(), detail=True)
