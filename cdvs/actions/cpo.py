"""The share of the actions and of the amounts under CPO, year by year, against the
target of the MEL framework (§6.2: « L'objectif est d'atteindre 50% de CPO d'ici 2030 »).
Exact arithmetic (Fraction over Decimal amounts); a bar chart as inline SVG with its
table beside it."""

from fractions import Fraction

from django.db.models import Count, Exists, OuterRef, Q

from .models import CPO_TARGET_SHARE, CPO_YEARS, ZERO, Convention, FundingLine, Nature
from .totals import CENT, MoneySum


def yearly(contract):
    """One row per year of the funded lines of `contract` (a granted amount,
    valorisation and autofinancement aside): the actions funded and their amount, the
    same under a CPO covering that year, and the amount per nature. One grouped query."""
    # from the action's links (its index), the conventions' years checked after: the
    # actions of `contract` are only in conventions of `contract`
    under = Exists(
        Convention.actions.through.objects.filter(
            action_id=OuterRef("action_id"),
            convention__start_year__lte=OuterRef("year"),
            convention__start_year__gt=OuterRef("year") - CPO_YEARS,
        )
    )
    return (
        FundingLine.objects.filter(
            action__contract=contract, action__deleted_at__isnull=True, granted__gt=0,
        ).exclude(nature=Nature.OWN)
        .values("year")
        .annotate(
            actions=Count("action_id", distinct=True),
            actions_cpo=Count("action_id", distinct=True, filter=Q(under)),
            amount=MoneySum("granted"),
            amount_cpo=MoneySum("granted", filter=Q(under)),
            specific=MoneySum("granted", filter=Q(nature=Nature.SPECIFIC)),
            common_law=MoneySum("granted", filter=Q(nature=Nature.COMMON_LAW)),
        )
        .order_by("year")
    )  # fmt: skip


def shares(contract, per_year=None) -> list[dict]:
    """One row per year of `contract`: the actions funded that year (a granted amount,
    valorisation and autofinancement aside), those under a CPO covering that year, and
    the two shares as Fractions (None when nothing is funded). `per_year`: the rows of
    `yearly(contract)` when already read; else one query."""
    if per_year is None:
        per_year = yearly(contract)
    found = {row["year"]: row for row in per_year}
    rows = []
    for year in range(contract.start_year, contract.end_year + 1):
        row = found.get(year, {})
        count, count_cpo = row.get("actions", 0), row.get("actions_cpo", 0)
        total = (row.get("amount") or ZERO).quantize(CENT)
        in_cpo = (row.get("amount_cpo") or ZERO).quantize(CENT)
        rows.append({
            "year": year,
            "actions": count,
            "actions_cpo": count_cpo,
            "amount": total,
            "amount_cpo": in_cpo,
            "share_actions": Fraction(count_cpo, count) if count else None,
            "share_amount": Fraction(in_cpo) / Fraction(total) if total else None,
        })  # fmt: skip
    return rows


def target_met(row) -> bool:
    return row["share_actions"] is not None and row["share_actions"] >= CPO_TARGET_SHARE


def percent(share) -> str:
    """« 33,3 % » (French typography), « — » when undefined."""
    if share is None:
        return "—"
    tenths = round(Fraction(share) * 1000)
    return f"{tenths // 10},{tenths % 10}\u00a0%"


def chart(rows) -> dict:
    """Geometry of the SVG bar chart: two bars per year (actions, amounts) on a 0-100 %
    scale, the target line at 50 %."""
    width, height, top, left = 640, 220, 10, 40
    step = (width - left) / max(len(rows), 1)
    bar = step / 3
    scale = height - top - 30

    def y(share):
        return top + scale - float(share or 0) * scale

    bars = []
    for i, row in enumerate(rows):
        x = left + i * step + bar / 2
        for offset, key, css in ((0, "share_actions", "bar-a"), (bar, "share_amount", "bar-b")):
            share = row[key] or 0
            bars.append({"x": round(x + offset, 1), "y": round(y(share), 1), "w": round(bar, 1),
                         "h": round(float(share) * scale, 1), "css": css,
                         "title": f"{row['year']} : {percent(row[key])}"})  # fmt: skip
    labels = [{"x": round(left + i * step + step / 2, 1), "y": height - 8, "text": row["year"]}
              for i, row in enumerate(rows)]  # fmt: skip
    return {"width": width, "height": height, "bars": bars, "labels": labels,
            "target_y": round(y(CPO_TARGET_SHARE), 1), "left": left,
            "axis_y": top + scale}  # fmt: skip
