"""The share of the actions and of the amounts under CPO, year by year, against the
target of the MEL framework (§6.2: « L'objectif est d'atteindre 50% de CPO d'ici 2030 »).
Exact arithmetic (Fraction over Decimal amounts); a bar chart as inline SVG with its
table beside it."""

from fractions import Fraction

from django.db.models import Sum

from .models import CPO_TARGET_SHARE, CPO_YEARS, ZERO, Convention, FundingLine, Nature


def shares(contract, lines=None, conventions=None) -> list[dict]:
    """One row per year of `contract`: the actions funded that year (a granted amount,
    valorisation and autofinancement aside), those under a CPO covering that year, and
    the two shares as Fractions (None when nothing is funded). Two queries."""
    if lines is None:
        lines = (
            FundingLine.objects.filter(
                action__contract=contract, action__deleted_at__isnull=True,
                granted__gt=0,
            ).exclude(nature=Nature.OWN)
            .values("action_id", "year").annotate(total=Sum("granted"))
        )  # fmt: skip
    if conventions is None:
        conventions = Convention.objects.filter(contract=contract).values_list(
            "start_year", "actions"
        )
    under: dict[int, set] = {}
    for start, action_id in conventions:
        if action_id is None:
            continue
        for year in range(start, start + CPO_YEARS):
            under.setdefault(year, set()).add(action_id)
    funded: dict[int, dict] = {}
    for row in lines:
        funded.setdefault(row["year"], {})
        funded[row["year"]][row["action_id"]] = (
            funded[row["year"]].get(row["action_id"], ZERO) + row["total"]
        )
    rows = []
    for year in range(contract.start_year, contract.end_year + 1):
        amounts = funded.get(year, {})
        cpo = under.get(year, set())
        total = sum(amounts.values(), ZERO)
        in_cpo = sum((v for a, v in amounts.items() if a in cpo), ZERO)
        count_cpo = sum(1 for a in amounts if a in cpo)
        rows.append({
            "year": year,
            "actions": len(amounts),
            "actions_cpo": count_cpo,
            "amount": total,
            "amount_cpo": in_cpo,
            "share_actions": Fraction(count_cpo, len(amounts)) if amounts else None,
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
