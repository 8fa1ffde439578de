"""The dashboards of the plan d'actions, per enjeu, per QPV / PAC and per year: the
actions, the money granted (crédits spécifiques vs droit commun), the share of CPO, the
objectifs prioritaires localement that no action serves, the actions past their end and
not closed, the late next steps. A fixed number of queries whatever the volume, each
figure a grouped aggregate computed by the database (`totals.MoneySum`, to the cent);
only decided amounts (granted) are counted, which the partners may read."""

from datetime import date

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from cdvs.accounts.permissions import readable_condition
from cdvs.contract.models import Enjeu, Objective
from cdvs.core.cache import cached
from cdvs.meetings.models import Meeting, NextStep

from . import cpo
from .models import ZERO, Action, FundingLine, Nature, Status
from .totals import CENT, MoneySum, enjeu_pairs, place_links, version

CLOSED = [Status.DONE, Status.ABANDONED, Status.REJECTED]
LIST_LIMIT = 50
COUNTED = [Nature.SPECIFIC, Nature.COMMON_LAW]
PLACE_KINDS = ["qpv", "pac"]


def _money():
    return {Nature.SPECIFIC: ZERO, Nature.COMMON_LAW: ZERO}


def _grouped(links, key, year):
    """{group id: {"actions": n, specifique, droit_commun}} over `links` (rows of a
    through table, one per action and group): two grouped queries. An action counts in
    its groups when it has started by `year` (or has no start date) or is funded in
    `year`."""
    funded = FundingLine.objects.filter(
        action_id=OuterRef("action_id"), year=year, granted__gt=0, nature__in=COUNTED
    )
    started = (
        Q(action__starts_on__lt=date(year + 1, 1, 1))
        | Q(action__starts_on__isnull=True)
        | Q(Exists(funded))
    )
    table = {
        row[key]: {"actions": row["actions"], **_money()}
        for row in links.values(key).annotate(actions=Count("action_id", filter=started))
    }
    money = (
        links.filter(
            action__funding_lines__year=year,
            action__funding_lines__granted__gt=0,
            action__funding_lines__nature__in=COUNTED,
            action__funding_lines__deleted_at__isnull=True,
        )
        .values(key, "action__funding_lines__nature")
        .annotate(total=MoneySum("action__funding_lines__granted"))
    )
    for row in money:
        group = table.setdefault(row[key], {"actions": 0, **_money()})
        group[row["action__funding_lines__nature"]] += row["total"].quantize(CENT)
    return table


def figures(contract, year) -> dict:
    """The aggregates of the dashboard (the same for every reader: decided amounts
    only): per enjeu, per QPV / PAC, per year with the CPO shares, the objectifs
    prioritaires localement with no action. Eight grouped queries."""
    live = Action.objects.filter(contract=contract)
    of_contract = {"action__contract": contract, "action__deleted_at__isnull": True}
    per_enjeu = _grouped(enjeu_pairs(**of_contract), "objective__enjeu_id", year)
    per_place = _grouped(place_links(PLACE_KINDS, **of_contract), "territory_id", year)
    labels = dict(
        place_links(PLACE_KINDS, **of_contract)
        .values_list("territory_id", "territory__name").distinct()
    )  # fmt: skip
    per_year = list(cpo.yearly(contract))
    by_year = {y: _money() for y in range(contract.start_year, contract.end_year + 1)}
    for row in per_year:
        by_year[row["year"]] = {Nature.SPECIFIC: row["specific"].quantize(CENT),
                                Nature.COMMON_LAW: row["common_law"].quantize(CENT)}  # fmt: skip
    empty = {"actions": 0, **_money()}
    enjeux = [
        {"label": f"Enjeu {e.number} : {e.title}", **per_enjeu.get(e.pk, empty)}
        for e in Enjeu.objects.filter(contract=contract).order_by("number")
    ]
    territories = [
        {"label": name, **per_place.get(pk, empty)}
        for pk, name in sorted(labels.items(), key=lambda item: (item[1], item[0]))
    ]
    served = Action.objectives.through.objects.filter(action__in=live).values("objective_id")
    orphans = list(
        Objective.objects.filter(enjeu__contract=contract, is_local_priority=True)
        .exclude(pk__in=served)
        .select_related("enjeu")
        .order_by("enjeu__number", "position", "pk")
    )
    shares = cpo.shares(contract, per_year)
    for row in shares:
        row["actions_text"] = cpo.percent(row["share_actions"])
        row["amount_text"] = cpo.percent(row["share_amount"])
    years = [{"year": y, **m} for y, m in sorted(by_year.items())]
    return {"enjeux": enjeux, "territories": territories, "years": years, "cpo": shares,
            "orphans": orphans}  # fmt: skip


def build(contract, year, user, today=None) -> dict:
    """The dashboard of `year` for `user`: `figures` kept in the cache under the version
    of the data they read (`totals.version`, one query), the dated lists read each time
    (actions past their end, late next steps the user may read)."""
    today = today or timezone.localdate()
    live = Action.objects.filter(contract=contract)
    data = cached(("actions:dashboard", contract.pk, year, version()),
                  lambda: figures(contract, year))  # fmt: skip
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
    return {"year": year, **data, "chart": money_chart(data["years"]), "overdue": overdue,
            "late": late}  # fmt: skip


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
