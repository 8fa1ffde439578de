"""Read-only API of the strategic frame: enjeux -> ambitions -> objectifs -> pistes."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from cdvs.api.errors import ONE
from cdvs.api.types import Id
from cdvs.core.cache import cached_json

from .models import ActionLead, Ambition, Enjeu, LocalEnjeu, Objective, tree_version
from .views import current_contract

router = Router()


class LeadOut(Schema):
    key: str | None
    kind: str
    text: str


class ObjectiveOut(Schema):
    key: str | None
    text: str
    heading: str
    note: str
    prioritaire_localement: bool
    pistes_et_actions: list[LeadOut]


class AmbitionOut(Schema):
    key: str | None
    scale: str
    heading: str
    text: str
    full_text: str
    detail: str
    context: str
    note: str
    objectives: list[ObjectiveOut]


class PartnerGroupOut(Schema):
    group: str | None
    names: list[str]


class LocalEnjeuOut(Schema):
    commune_insee: str
    commune: str
    title: str
    partners: list[PartnerGroupOut]
    ambitions: list[AmbitionOut]
    objectives: list[ObjectiveOut]


class EnjeuOut(Schema):
    key: str | None
    number: int
    title: str
    partners: list[str]
    ambitions: list[AmbitionOut]
    objectives: list[ObjectiveOut]
    local_sections: list[LocalEnjeuOut]


class EnjeuSummary(Schema):
    key: str | None
    number: int
    title: str


class ContractOut(Schema):
    key: str | None
    name: str
    epci: str
    start_year: int
    end_year: int
    enjeux: list[EnjeuSummary]


def _objective(o):
    return {
        "key": o.key,
        "text": o.text,
        "heading": o.heading,
        "note": o.note,
        "prioritaire_localement": o.is_local_priority,
        "pistes_et_actions": [
            {"key": x.key, "kind": x.kind, "text": x.text} for x in o.leads.all()
        ],
    }


def _ambition(a):
    return {
        "key": a.key,
        "scale": a.scale,
        "heading": a.heading,
        "text": a.text,
        "full_text": a.full_text,
        "detail": a.detail,
        "context": a.context,
        "note": a.note,
        "objectives": [_objective(o) for o in a.objectives.all()],
    }


def _objectives():
    return Objective.objects.prefetch_related(
        Prefetch("leads", queryset=ActionLead.objects.order_by("kind", "position", "id"))
    )


def _ambitions():
    return Ambition.objects.prefetch_related(Prefetch("objectives", queryset=_objectives()))


def _enjeux():
    return Enjeu.objects.prefetch_related(
        Prefetch("ambitions", queryset=_ambitions().filter(local_enjeu__isnull=True)),
        Prefetch(
            "objectives",
            queryset=_objectives().filter(ambition__isnull=True),
            to_attr="mel_objectives",
        ),
        Prefetch(
            "local_versions",
            queryset=LocalEnjeu.objects.filter(section__deleted_at__isnull=True)
            .select_related("section__commune")
            .prefetch_related(
                Prefetch("ambitions", queryset=_ambitions()),
                Prefetch("objectives", queryset=_objectives()),
            ),
        ),
    )


def _enjeu(e):
    return {
        "key": e.key,
        "number": e.number,
        "title": e.title,
        "partners": e.partners,
        "ambitions": [_ambition(a) for a in e.ambitions.all()],
        "objectives": [_objective(o) for o in e.mel_objectives],
        "local_sections": [
            {
                "commune_insee": lv.section.commune.code,
                "commune": lv.section.commune.name,
                "title": lv.title,
                "partners": lv.partners,
                "ambitions": [_ambition(a) for a in lv.ambitions.all()],
                "objectives": [_objective(o) for o in lv.objectives.all()],
            }
            for lv in e.local_versions.all()
        ],
    }


@router.get("/", response={200: ContractOut, **ONE}, summary="Le contrat et ses enjeux")
def contract(request):
    c = current_contract()
    if c is None:
        raise HttpError(404, "Aucun contrat n'est chargé.")
    return {
        "key": c.key,
        "name": c.name,
        "epci": c.epci.name,
        "start_year": c.start_year,
        "end_year": c.end_year,
        "enjeux": [{"key": e.key, "number": e.number, "title": e.title} for e in c.enjeux.all()],
    }


@router.get(
    "/enjeux",
    response=list[EnjeuOut],
    summary="L'arbre complet : enjeux, ambitions, objectifs, pistes",
)
def tree(request):
    def build():
        c = current_contract()
        return [_enjeu(e) for e in _enjeux().filter(contract=c)] if c else []

    return cached_json(f"contract:api-tree:{tree_version()}", list[EnjeuOut], build)


@router.get(
    "/enjeux/{number}", response={200: EnjeuOut, **ONE}, summary="Un enjeu et sa déclinaison"
)
def enjeu(request, number: Id):
    c = current_contract()
    return _enjeu(get_object_or_404(_enjeux(), contract=c, number=number))
