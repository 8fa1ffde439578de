"""The year's programmation as a table: its requests with their funding lines, and the
totals per funder, per enjeu and per QPV / PAC, to the cent. The partners read it once
decided, and only decided lines; amounts under instruction are for the coordination."""

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import BigIntegerField, F, Prefetch, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

from cdvs.accounts.permissions import can
from cdvs.contract.models import Enjeu, Objective
from cdvs.territories.models import Territory

from .models import AMOUNT_FIELDS, ZERO, Action, FundingLine, Request, funding_totals

TERRITORY_KINDS = ("qpv", "pac")


def readable(user, programmation) -> bool:
    """May `user` read the programmation? Partners once it is arrêtée; the coordination
    of its territory at any time."""
    if can(user, "actions.view_instruction", programmation):
        return True
    return programmation.decided_on is not None and can(user, "actions.view")


def _cents(field):
    """The amount `field` in whole cents, summed exactly (SQLite keeps decimals as
    floats: each is rounded to the cent before the sum)."""
    return Sum(Cast(Round(Coalesce(F(field), Value(0)) * 100), BigIntegerField()))


def _amounts(row, key="") -> dict:
    return {name: Decimal(int(row[f"{key}{name}"] or 0)).scaleb(-2) for name in AMOUNT_FIELDS}


def _requests(programmation, coordination):
    requests = Request.objects.filter(
        programmation=programmation, action__deleted_at__isnull=True
    ).order_by("action__title", "pk")
    if not coordination:
        requests = requests.filter(decided_on__isnull=False)
    return requests


def _lines(programmation, coordination, action_ids):
    lines = FundingLine.objects.filter(action_id__in=action_ids, year=programmation.year)
    if not coordination:
        lines = lines.filter(granted__isnull=False)
    return lines


def _rows(programmation, coordination, requests) -> list[dict]:
    """The rows of `requests` (a page, or a chunk of an export) as objects."""
    requests = list(
        requests.select_related("action__porteur", "action__commune", "meeting").prefetch_related(
            Prefetch(
                "action__objectives",
                queryset=Objective.objects.select_related("enjeu").only(
                    "pk", "text", "enjeu_id", "enjeu__number", "enjeu__title"
                ),
            ),
            "action__territories",
        )
    )
    lines_of: dict[int, list] = {}
    lines = _lines(programmation, coordination, [r.action_id for r in requests])
    for line in lines.order_by("funder_kind", "pk"):
        lines_of.setdefault(line.action_id, []).append(line)
    rows = []
    for request in requests:
        action = request.action
        mine = lines_of.get(action.pk, [])
        row_enjeux = sorted({o.enjeu for o in action.objectives.all()}, key=lambda e: e.number)
        places = [t for t in action.territories.all() if t.kind in TERRITORY_KINDS]
        rows.append({"request": request, "action": action, "lines": mine,
                     "enjeux": row_enjeux, "territories": places,
                     "totals": funding_totals(mine)["all"]})  # fmt: skip
    return rows


def table(programmation, user, page=None, per_page=50) -> dict:
    """{"rows", "page", "funders", "enjeux", "territories", "total", "coordination"}; each
    amount a Decimal. The totals are summed in the database to the cent; the rows are
    built for one page (`page`, a page number from the request) or, without it, for
    every request. A fixed number of queries whatever the number of requests."""
    coordination = can(user, "actions.view_instruction", programmation)
    requests = _requests(programmation, coordination)
    action_ids = requests.values("action_id")
    lines = _lines(programmation, coordination, action_ids).order_by()
    sums = {name: _cents(name) for name in AMOUNT_FIELDS}
    total = _amounts(lines.aggregate(**sums))
    funders: dict[str, dict] = {}
    for row in lines.values("funder_kind", "funder_name").annotate(**sums):
        label = FundingLine(funder_kind=row["funder_kind"], funder_name=row["funder_name"])
        amounts = _amounts(row)
        into = funders.setdefault(label.funder_label, dict.fromkeys(AMOUNT_FIELDS, ZERO))
        for name in AMOUNT_FIELDS:
            into[name] += amounts[name]
    enjeux = list(
        Enjeu.objects.filter(objectives__actions__in=action_ids).distinct().order_by("number")
    )
    places = list(
        Territory.objects.filter(kind__in=TERRITORY_KINDS, actions__in=action_ids)
        .distinct().order_by("name", "pk")
    )  # fmt: skip
    groups = {}
    for enjeu in enjeux:
        members = Action.objectives.through.objects.filter(objective__enjeu=enjeu)
        groups[f"e{enjeu.pk}"] = Q(action_id__in=members.values("action_id"))
    for place in places:
        members = Action.territories.through.objects.filter(territory=place)
        groups[f"t{place.pk}"] = Q(action_id__in=members.values("action_id"))
    grouped = {}
    if groups:
        grouped = lines.aggregate(**{
            f"{key}_{name}": Sum(sums[name].source_expressions[0], filter=condition)
            for key, condition in groups.items() for name in AMOUNT_FIELDS
        })  # fmt: skip
    if page is None:
        shown, rows = None, _rows(programmation, coordination, requests)
    else:
        shown = Paginator(requests.values_list("pk", flat=True), per_page).get_page(page)
        rows = _rows(programmation, coordination,
                     Request.objects.filter(pk__in=list(shown.object_list))
                     .order_by("action__title", "pk"))  # fmt: skip
        shown.object_list = rows
    return {
        "rows": rows,
        "page": shown,
        "funders": sorted(funders.items()),
        "enjeux": [
            (f"Enjeu {e.number} : {e.title}", _amounts(grouped, f"e{e.pk}_")) for e in enjeux
        ],  # fmt: skip
        "territories": [(t.name, _amounts(grouped, f"t{t.pk}_")) for t in places],
        "total": total,
        "coordination": coordination,
    }


EXPORT_HEADERS = [
    "Action", "Porteur", "Statut", "Enjeux", "QPV et PAC", "Financeur", "Nature",
    "Demandé (€)", "Proposé (€)", "Accordé (€)", "Date de décision", "Référence",
]  # fmt: skip


def export_rows(data: dict):
    for row in data["rows"]:
        action = row["action"]
        for line in row["lines"]:
            yield [
                action.title,
                action.porteur.name,
                action.get_status_display(),
                ", ".join(f"Enjeu {e.number}" for e in row["enjeux"]),
                ", ".join(t.name for t in row["territories"]),
                line.funder_label,
                line.get_nature_display(),
                line.requested,
                line.proposed,
                line.granted,
                line.decided_on,
                line.decision_reference,
            ]
