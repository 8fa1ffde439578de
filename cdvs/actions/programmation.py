"""The year's programmation as a table: its requests with their funding lines, and the
totals per funder, per enjeu and per QPV / PAC, to the cent. The partners read it once
decided, and only decided lines; amounts under instruction are for the coordination."""

from django.db.models import Prefetch

from cdvs.accounts.permissions import can
from cdvs.contract.models import Objective

from .models import FundingLine, Request, funding_totals

TERRITORY_KINDS = ("qpv", "pac")


def readable(user, programmation) -> bool:
    """May `user` read the programmation? Partners once it is arrêtée; the coordination
    of its territory at any time."""
    if can(user, "actions.view_instruction", programmation):
        return True
    return programmation.decided_on is not None and can(user, "actions.view")


def table(programmation, user) -> dict:
    """{"rows", "funders", "enjeux", "territories", "total", "coordination"}; each
    amount a Decimal; a fixed number of queries whatever the number of requests."""
    coordination = can(user, "actions.view_instruction", programmation)
    requests = (
        Request.objects.filter(programmation=programmation, action__deleted_at__isnull=True)
        .select_related("action__porteur", "action__commune", "meeting")
        .prefetch_related(
            Prefetch(
                "action__objectives",
                queryset=Objective.objects.select_related("enjeu").only(
                    "pk", "text", "enjeu_id", "enjeu__number", "enjeu__title"
                ),
            ),
            "action__territories",
        )
        .order_by("action__title", "pk")
    )
    if not coordination:
        requests = requests.filter(decided_on__isnull=False)
    requests = list(requests)
    lines_of: dict[int, list] = {}
    lines = FundingLine.objects.filter(
        action_id__in=[r.action_id for r in requests], year=programmation.year
    ).order_by("funder_kind", "pk")
    for line in lines:
        if coordination or not line.under_instruction:
            lines_of.setdefault(line.action_id, []).append(line)
    rows, funders, enjeux, territories, every = [], {}, {}, {}, []
    for request in requests:
        action = request.action
        mine = lines_of.get(action.pk, [])
        every.extend(mine)
        objectives = list(action.objectives.all())
        row_enjeux = sorted({o.enjeu for o in objectives}, key=lambda e: e.number)
        places = [t for t in action.territories.all() if t.kind in TERRITORY_KINDS]
        rows.append({"request": request, "action": action, "lines": mine,
                     "enjeux": row_enjeux, "territories": places,
                     "totals": funding_totals(mine)["all"]})  # fmt: skip
        for line in mine:
            funders.setdefault(line.funder_label, []).append(line)
        for enjeu in row_enjeux:
            enjeux.setdefault(enjeu, []).extend(mine)
        for place in places:
            territories.setdefault(place, []).extend(mine)
    return {
        "rows": rows,
        "funders": [(label, funding_totals(ls)["all"]) for label, ls in sorted(funders.items())],
        "enjeux": [
            (f"Enjeu {e.number} : {e.title}", funding_totals(ls)["all"])
            for e, ls in sorted(enjeux.items(), key=lambda item: item[0].number)
        ],
        "territories": [
            (t.name, funding_totals(ls)["all"])
            for t, ls in sorted(territories.items(), key=lambda item: item[0].name)
        ],
        "total": funding_totals(every)["all"],
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
