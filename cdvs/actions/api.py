"""Read-only API of the plan d'actions: the actions each caller may read
(`access.readable`: public actions for everyone, the others for their porteur and the
coordination of their commune), an action with its funding lines (amounts under
instruction for the coordination only, `access.visible_lines`), and the yearly
programmations (partners once arrêtée, the coordination always)."""

from datetime import date
from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, Prefetch
from django.http import Http404
from ninja import Router, Schema
from ninja.errors import HttpError

from cdvs.accounts.permissions import can
from cdvs.api.errors import LIST, ONE
from cdvs.api.types import Code, Id
from cdvs.contract.models import Contract, Objective
from cdvs.core.bounds import ApiInt
from cdvs.territories.models import Kind, Territory

from . import access
from . import programmation as programmation_data
from .models import Action, FundingLine, Programmation, Status

router = Router()
MAX_LIMIT = 500
STATUS_UNKNOWN = "Statut inconnu : " + ", ".join(Status.values) + "."


class PorteurOut(Schema):
    id: int
    name: str


class ActionOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    public: bool
    porteur: PorteurOut
    commune: str | None
    enjeux: list[int]
    objectives: list[int]
    territories: list[str]
    starts_on: date | None
    ends_on: date | None
    url: str


class FundingLineOut(Schema):
    year: int
    funder_kind: str
    funder: str
    nature: str
    requested: Decimal
    proposed: Decimal | None
    granted: Decimal | None
    paid: Decimal | None
    decided_on: date | None
    decision_reference: str


class StatusChangeOut(Schema):
    on: date
    from_status: str
    to_status: str
    reason: str


class ActionDetailOut(ActionOut):
    description: str
    partners: list[PorteurOut]
    lead: str | None
    publics: list[str]
    age_min: int | None
    age_max: int | None
    status_changes: list[StatusChangeOut]
    funding_lines: list[FundingLineOut] | None
    hidden_lines: int


def _queryset(base=None):
    base = Action.objects.all() if base is None else base
    return base.select_related("porteur", "commune").prefetch_related(
        Prefetch("objectives", queryset=Objective.objects.only("pk", "enjeu__number", "enjeu_id")
                 .select_related("enjeu")),
        Prefetch("territories", queryset=Territory.objects.only("pk", "code")),
    )  # fmt: skip


def _out(action, public_ids) -> dict:
    objectives = list(action.objectives.all())
    return {
        "id": action.pk,
        "title": action.title,
        "status": action.status,
        "status_label": action.get_status_display(),
        "public": action.pk in public_ids,
        "porteur": {"id": action.porteur_id, "name": action.porteur.name},
        "commune": action.commune.code if action.commune_id else None,
        "enjeux": sorted({o.enjeu.number for o in objectives}),
        "objectives": [o.pk for o in objectives],
        "territories": [t.code for t in action.territories.all()],
        "starts_on": action.starts_on,
        "ends_on": action.ends_on,
        "url": action.get_absolute_url(),
    }


def _line(line) -> dict:
    return {
        "year": line.year,
        "funder_kind": line.funder_kind,
        "funder": line.funder_label,
        "nature": line.nature,
        "requested": line.requested,
        "proposed": line.proposed,
        "granted": line.granted,
        "paid": line.paid,
        "decided_on": line.decided_on,
        "decision_reference": line.decision_reference,
    }


def _year(value: int | None):
    """The year, within the contract's years (a French 422 otherwise)."""
    if value is None:
        return None
    contract = Contract.objects.order_by("pk").first()
    if contract is None or not contract.start_year <= value <= contract.end_year:
        bounds = f"entre {contract.start_year} et {contract.end_year}" if contract else ""
        raise HttpError(422, f"Année hors du contrat : une année {bounds} est attendue.")
    return value


@router.get("", response={200: list[ActionOut], **LIST}, url_name="actions")
def list_actions(
    request,
    commune: Code = "",
    enjeu: ApiInt | None = None,
    statut: Code = "",
    annee: ApiInt | None = None,
    territoire: ApiInt | None = None,
    offset: ApiInt = 0,
    limit: ApiInt = 100,
):
    """Les actions que l'appelant peut lire : publiques (programmées, en cours ou terminées
    une fois leur programmation arrêtée) pour tous ; les autres pour leur porteur et la
    coordination de leur commune. Filtres : `commune` (code INSEE), `enjeu` (numéro),
    `statut`, `annee` (une ligne de financement de l'année), `territoire` (identifiant :
    les actions du territoire et de ce qu'il contient)."""
    qs = access.readable(request.user, Action.objects.all())
    if commune:
        qs = qs.filter(commune__kind=Kind.COMMUNE, commune__code=commune)
    if enjeu is not None:
        qs = qs.filter(
            pk__in=Action.objectives.through.objects.filter(objective__enjeu__number=enjeu).values(
                "action_id"
            )
        )
    if statut:
        if statut not in Status.values:
            raise HttpError(422, STATUS_UNKNOWN)
        qs = qs.filter(status=statut)
    year = _year(annee)
    if year is not None:
        qs = qs.filter(pk__in=FundingLine.objects.filter(year=year).values("action_id"))
    if territoire is not None:
        ids = {territoire} | Territory.objects.descendants({territoire})
        qs = qs.filter(
            pk__in=Action.territories.through.objects.filter(territory_id__in=ids).values(
                "action_id"
            )
        )
    offset, limit = max(0, offset), max(1, min(limit, MAX_LIMIT))
    page = list(
        _queryset(qs)
        .annotate(public=ExpressionWrapper(access.public_condition(), BooleanField()))
        .order_by("title", "pk")[offset : offset + limit]
    )
    public = {a.pk for a in page if a.public}
    return [_out(a, public) for a in page]


class TotalsOut(Schema):
    label: str
    requested: Decimal
    proposed: Decimal
    granted: Decimal
    paid: Decimal


class ProgrammationRowOut(Schema):
    action: int
    title: str
    porteur: str
    status: str
    enjeux: list[int]
    territories: list[str]
    decided_on: date | None
    lines: list[FundingLineOut]


class ProgrammationOut(Schema):
    id: int
    year: int
    commune: str | None
    decided_on: date | None
    url: str


class ProgrammationDetailOut(ProgrammationOut):
    coordination: bool
    page: int
    pages: int
    rows: list[ProgrammationRowOut]
    funders: list[TotalsOut]
    enjeux: list[TotalsOut]
    territories: list[TotalsOut]
    total: TotalsOut


def _programmation_out(p) -> dict:
    return {
        "id": p.pk,
        "year": p.year,
        "commune": p.commune.code if p.commune_id else None,
        "decided_on": p.decided_on,
        "url": p.get_absolute_url(),
    }


def _totals(label, amounts) -> dict:
    return {"label": label, **amounts}


@router.get(
    "/programmations", response={200: list[ProgrammationOut], **LIST}, url_name="programmations"
)
def programmations(request, annee: ApiInt | None = None):
    """Les programmations annuelles lisibles : arrêtées pour les partenaires, toutes pour
    la coordination de leur commune (aucune pour le public)."""
    qs = Programmation.objects.select_related("commune").order_by("-year", "pk")
    year = _year(annee)
    if year is not None:
        qs = qs.filter(year=year)
    return [_programmation_out(p) for p in qs if programmation_data.readable(request.user, p)]


@router.get(
    "/programmations/{pk}", response={200: ProgrammationDetailOut, **ONE, **LIST},
    url_name="programmation",
)  # fmt: skip
def programmation(request, pk: Id, page: ApiInt = 1):
    """Le tableau d'une programmation : demandes (par pages de 25, `page`), lignes de
    financement de l'année (décidées seulement hors coordination), totaux de toute la
    programmation par financeur, enjeu, QPV et PAC."""
    item = Programmation.objects.select_related("commune").filter(pk=pk).first()
    if item is None or not programmation_data.readable(request.user, item):
        raise Http404("Programmation introuvable.")
    data = programmation_data.table(item, request.user, page=max(1, page))
    return {
        **_programmation_out(item),
        "coordination": data["coordination"],
        "page": data["page"].number,
        "pages": data["page"].paginator.num_pages,
        "rows": [
            {
                "action": row["action"].pk,
                "title": row["action"].title,
                "porteur": row["action"].porteur.name,
                "status": row["action"].status,
                "enjeux": [e.number for e in row["enjeux"]],
                "territories": [t.code for t in row["territories"]],
                "decided_on": row["request"].decided_on,
                "lines": [_line(line) for line in row["lines"]],
            }
            for row in data["page"].object_list
        ],
        "funders": [_totals(label, t) for label, t in data["funders"]],
        "enjeux": [_totals(label, t) for label, t in data["enjeux"]],
        "territories": [_totals(label, t) for label, t in data["territories"]],
        "total": _totals("Total", data["total"]),
    }


@router.get("/{pk}", response={200: ActionDetailOut, **ONE}, url_name="action")
def action_detail(request, pk: Id):
    """Une action. `funding_lines` : pour les partenaires connectés (vide de sens pour le
    public : `null`), sans les montants en cours d'instruction hors coordination
    (`hidden_lines` les compte)."""
    action = _queryset().select_related("lead").prefetch_related("partners").filter(pk=pk).first()
    if action is None or not access.can_read(request.user, action):
        raise Http404("Action introuvable.")
    data = _out(action, {action.pk} if access.is_public(action) else set())
    all_lines = list(
        FundingLine.objects.filter(action=action).order_by("year", "funder_kind", "pk")
    )
    lines = access.visible_lines(request.user, action, all_lines)
    money = can(request.user, "actions.view")
    data.update(
        description=action.description,
        partners=[{"id": o.pk, "name": o.name} for o in action.partners.all()],
        lead=action.lead.text if action.lead_id else None,
        publics=list(action.publics or []),
        age_min=action.age_min,
        age_max=action.age_max,
        status_changes=[
            {"on": c.on, "from_status": c.from_status, "to_status": c.to_status, "reason": c.reason}
            for c in action.status_changes.all()
        ],  # fmt: skip
        funding_lines=[_line(line) for line in lines] if money else None,
        hidden_lines=len(all_lines) - len(lines) if money else 0,
    )
    return data
