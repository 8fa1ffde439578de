"""The dashboards of the plan d'actions, per enjeu, per QPV / PAC and per year: the
actions, the money granted (crédits spécifiques vs droit commun), the share of CPO, the
objectifs prioritaires localement that no action serves, the actions past their end and
not closed, the late next steps. A fixed number of queries whatever the volume: the
links are read as pairs of ids and composed here; only decided amounts (granted) are
counted, which the partners may read."""

from django.db.models import Sum
from django.utils import timezone

from cdvs.accounts.permissions import readable_condition
from cdvs.contract.models import Enjeu, Objective
from cdvs.meetings.models import Meeting, NextStep
from cdvs.territories.models import Territory

from . import cpo
from .models import ZERO, Action, FundingLine, Nature, Status

CLOSED = [Status.DONE, Status.ABANDONED, Status.REJECTED]
LIST_LIMIT = 50


def _money():
    return {Nature.SPECIFIC: ZERO, Nature.COMMON_LAW: ZERO}


def build(contract, year, user, today=None) -> dict:
    today = today or timezone.localdate()
    live = Action.objects.filter(contract=contract)
    enjeux_of: dict[int, set] = {}
    for action_id, enjeu_id in Action.objectives.through.objects.filter(
        action__in=live
    ).values_list("action_id", "objective__enjeu_id"):
        enjeux_of.setdefault(action_id, set()).add(enjeu_id)
    places_of: dict[int, set] = {}
    for action_id, territory_id in Action.territories.through.objects.filter(
        action__in=live, territory__kind__in=["qpv", "pac"]
    ).values_list("action_id", "territory_id"):
        places_of.setdefault(action_id, set()).add(territory_id)
    money_of: dict[int, dict] = {}
    by_year: dict[int, dict] = {y: _money() for y in range(contract.start_year,
                                                          contract.end_year + 1)}  # fmt: skip
    sums = (
        FundingLine.objects.filter(action__in=live, granted__gt=0)
        .exclude(nature=Nature.OWN)
        .values("action_id", "year", "nature")
        .annotate(total=Sum("granted"))
    )
    cpo_lines = []
    for row in sums:
        by_year.setdefault(row["year"], _money())[row["nature"]] += row["total"]
        cpo_lines.append(row)
        if row["year"] == year:
            money_of.setdefault(row["action_id"], _money())[row["nature"]] += row["total"]
    active = set(live.filter(starts_on__year__lte=year).values_list("pk", flat=True)) | set(
        live.filter(starts_on__isnull=True).values_list("pk", flat=True)
    )

    def per(groups_of, labels):
        table = {key: {"label": label, "actions": 0, **_money()} for key, label in labels}
        for action_id in set(groups_of) | set(money_of):
            for key in groups_of.get(action_id, ()):
                if key not in table:
                    continue
                if action_id in active or action_id in money_of:
                    table[key]["actions"] += 1
                for nature, value in money_of.get(action_id, {}).items():
                    table[key][nature] += value
        return list(table.values())

    enjeux = Enjeu.objects.filter(contract=contract).order_by("number")
    territories = Territory.objects.filter(
        pk__in={t for ids in places_of.values() for t in ids}
    ).order_by("name")
    served = set(
        Action.objectives.through.objects.filter(action__in=live).values_list(
            "objective_id", flat=True
        )
    )
    orphans = list(
        Objective.objects.filter(enjeu__contract=contract, is_local_priority=True)
        .exclude(pk__in=served)
        .select_related("enjeu")
        .order_by("enjeu__number", "position", "pk")
    )
    overdue = list(
        live.filter(ends_on__lt=today).exclude(status__in=CLOSED)
        .select_related("porteur").order_by("ends_on", "pk")[:LIST_LIMIT]
    )  # fmt: skip
    leads = live.filter(lead__isnull=False).values("lead_id")
    late = list(
        NextStep.objects.late(today)
        .filter(readable_condition(user, Meeting, through="meeting"))
        .filter(action_id__in=leads)
        .select_related("meeting", "action")
        .order_by("due_date", "pk")[:LIST_LIMIT]
    )
    shares = cpo.shares(
        contract,
        lines=({"action_id": r["action_id"], "year": r["year"], "total": r["total"]}
               for r in cpo_lines),
    )  # fmt: skip
    for row in shares:
        row["actions_text"] = cpo.percent(row["share_actions"])
        row["amount_text"] = cpo.percent(row["share_amount"])
    years = [{"year": y, **m} for y, m in sorted(by_year.items())]
    return {
        "year": year,
        "enjeux": per(enjeux_of, [(e.pk, f"Enjeu {e.number} : {e.title}") for e in enjeux]),
        "territories": per(places_of, [(t.pk, t.name) for t in territories]),
        "years": years,
        "chart": money_chart(years),
        "cpo": shares,
        "orphans": orphans,
        "overdue": overdue,
        "late": late,
    }


def money_chart(years) -> dict:
    """Two bars per year, crédits spécifiques and droit commun, scaled on the largest."""
    width, height, top, left = 640, 220, 10, 10
    peak = max([max(y[Nature.SPECIFIC], y[Nature.COMMON_LAW]) for y in years] + [ZERO])
    step = (width - left) / max(len(years), 1)
    bar = step / 3
    scale = height - top - 30
    bars, labels = [], []
    for i, y in enumerate(years):
        x = left + i * step + bar / 2
        for offset, nature, colour in ((0, Nature.SPECIFIC, "#1d4f91"),
                                       (bar, Nature.COMMON_LAW, "#b34700")):  # fmt: skip
            h = float(y[nature] / peak) * scale if peak else 0.0
            bars.append({"x": round(x + offset, 1), "y": round(top + scale - h, 1),
                         "w": round(bar, 1), "h": round(h, 1), "fill": colour})  # fmt: skip
        labels.append({"x": round(left + i * step + step / 2, 1), "y": height - 8,
                       "text": y["year"]})  # fmt: skip
    return {"width": width, "height": height, "bars": bars, "labels": labels,
            "axis_y": top + scale, "left": left}  # fmt: skip
