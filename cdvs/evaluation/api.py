"""Read-only API of the evaluation: indicators, measurements and targets with their
status. A cell under statistical secrecy, or hidden so that a total does not reveal
it (secondary suppression), is served with `value: null` and the reason, never 0."""

from decimal import Decimal
from typing import Annotated

from django.db.models import Q
from django.http import Http404
from ninja import Field, Router, Schema

from cdvs.accounts.permissions import require
from cdvs.api.errors import LIST, ONE
from cdvs.api.types import Id
from cdvs.core.bounds import ApiInt

from . import services
from .gaps import displayed
from .models import Indicator, Measurement, with_place

router = Router()

Year = Annotated[int, Field(ge=1990, le=2100)]
Limit = Annotated[int, Field(ge=1, le=500)]
Offset = Annotated[int, Field(ge=0, le=10_000_000)]


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    definition: str
    unit: str
    kind: str
    polarity: str
    role: str
    summable: bool
    source: str
    enjeu: int | None = Field(description="Numéro de l'enjeu")
    numerator_id: int | None
    denominator_id: int | None


class MeasurementOut(Schema):
    id: int
    indicator_id: int
    territory_id: int | None
    place: str
    period: str
    year: int | None
    sex: str
    age_band: str
    value: Decimal | None = Field(description="null quand la valeur est masquée (jamais 0)")
    hidden: str | None = Field(description="Pourquoi la valeur est masquée")
    numerator: Decimal | None
    denominator: Decimal | None
    producer: str
    source: str
    vintage: str
    geography: str


class TargetOut(Schema):
    id: int
    text: str = Field(description="La cible, telle qu'écrite")
    shape: str
    low: Decimal | None
    high: Decimal | None
    unit: str
    bound: str
    indicator_id: int | None
    territory_id: int | None
    due_year: int | None
    status: str
    status_label: str
    latest: MeasurementOut | None


def _indicator(i):
    return {
        "id": i.pk, "code": i.code, "name": i.name, "definition": i.definition, "unit": i.unit,
        "kind": i.kind, "polarity": i.polarity, "role": i.role, "summable": i.summable,
        "source": i.source, "enjeu": i.enjeu.number if i.enjeu_id else None,
        "numerator_id": i.numerator_id, "denominator_id": i.denominator_id,
    }  # fmt: skip


def _measurement(m, hidden):
    reason = hidden.get(m.pk)
    shown = reason is None and not m.secret
    return {
        "id": m.pk, "indicator_id": m.indicator_id, "territory_id": m.territory_id,
        "place": m.place, "period": m.period, "year": m.year, "sex": m.sex,
        "age_band": m.age_band, "value": m.value if shown else None,
        "hidden": None if shown else reason or "secret statistique",
        "numerator": m.numerator if shown else None,
        "denominator": m.denominator if shown else None,
        "producer": m.producer, "source": m.source, "vintage": m.vintage,
        "geography": m.geography,
    }  # fmt: skip


def _group_key(m):
    return (m.indicator_id, m.territory_id, m.area, m.period, m.geography)


def hidden_cells(measurements) -> dict[int, str | None]:
    """Which of `measurements` are hidden, judged on their whole groups (a total and its
    parts), even when a page holds only some of a group: one more query."""
    keys = {_group_key(m) for m in measurements}
    if not keys:
        return {}
    # exactly the groups of the page (at most `limit` of them), on the index
    exact = Q(pk__in=[])
    for indicator, territory, area, period, geography in keys:
        exact |= Q(indicator_id=indicator, territory_id=territory, area=area, period=period,
                   geography=geography)  # fmt: skip
    cells = with_place(Measurement.objects.filter(exact))
    groups = {}
    for m in cells:
        if _group_key(m) in keys:
            groups.setdefault(_group_key(m), []).append(m)
    hidden = {}
    for group in groups.values():
        hidden.update(displayed(group))
    return hidden


@router.get("/indicateurs", response=list[IndicatorOut], url_name="evaluation_indicators")
def list_indicators(request):
    """Les indicateurs : définition, unité, nature, sens favorable, rôle, enjeu."""
    require(request.user, "evaluation.view")
    return [_indicator(i) for i in Indicator.objects.select_related("enjeu").order_by("code")]


@router.get("/indicateurs/{pk}", response={200: IndicatorOut, **ONE},
            url_name="evaluation_indicator")  # fmt: skip
def indicator_detail(request, pk: Id):
    require(request.user, "evaluation.view")
    item = Indicator.objects.select_related("enjeu").filter(pk=pk).first()
    if item is None:
        raise Http404("Indicateur introuvable.")
    return _indicator(item)


@router.get("/mesures", response={200: list[MeasurementOut], **LIST},
            url_name="evaluation_measurements")  # fmt: skip
def list_measurements(
    request,
    indicateur: ApiInt | None = None,
    territoire: ApiInt | None = None,
    annee: Year | None = None,
    offset: Offset = 0,
    limit: Limit = 200,
):
    """Les mesures, les plus récentes d'abord ; filtres : indicateur, territoire, année.
    Une valeur masquée (secret statistique, secret secondaire) vaut null, jamais 0."""
    require(request.user, "evaluation.view")
    qs = with_place(Measurement.objects.all())
    if indicateur is not None:
        qs = qs.filter(indicator_id=indicateur)
    if territoire is not None:
        qs = qs.filter(territory_id=territoire)
    if annee is not None:
        qs = qs.filter(year=annee)
    page = list(qs.order_by("-year", "-pk")[offset : offset + limit])
    hidden = hidden_cells(page)
    return [_measurement(m, hidden) for m in page]


@router.get("/cibles", response=list[TargetOut], url_name="evaluation_targets")
def list_targets(request):
    """Les cibles des objectifs, telles qu'écrites, avec leur état calculé à partir de
    la dernière mesure (en bonne voie, à surveiller, hors trajectoire, sans mesure)."""
    require(request.user, "evaluation.view")
    items = services.targets_with_status()
    hidden = hidden_cells([m for _, m, _ in items if m is not None])
    return [
        {
            "id": t.pk,
            "text": t.seed_text,
            "shape": t.shape,
            "low": t.low,
            "high": t.high,
            "unit": t.unit,
            "bound": t.bound_text(),
            "indicator_id": t.indicator_id,
            "territory_id": t.territory_id,
            "due_year": t.due_year,
            "status": str(status),
            "status_label": str(status.label),
            "latest": _measurement(m, hidden) if m is not None else None,
        }  # fmt: skip
        for t, m, status in items
    ]
