"""Dashboards of the evaluation, per enjeu and per territory: the indicators against
their targets (status from the latest measurement), the écarts of the diagnostic, the
bilans received and late. A fixed number of queries whatever the number of rows; the
charts are inline SVG computed here, with a table of the same figures beside them."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Max, Prefetch, Q
from django.utils import timezone

from cdvs.actions.models import Action
from cdvs.territories.models import Territory

from . import services
from .gaps import displayed, row_gaps, value_text
from .models import Bilan, DiagnosticRow, Indicator, Measurement, Status, Target, with_place

BAR_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 420, 22, 150
LATEST_SHOWN = 200
STATUS_CSS = {
    Status.ON_TRACK: "serie-0",
    Status.AT_RISK: "serie-2",
    Status.OFF_TRACK: "serie-1",
    Status.UNKNOWN: "serie-5",
}


def bar_chart(rows: list[tuple[str, int, str]]) -> dict | None:
    """Horizontal bars (label, value, css class), scaled on the largest value."""
    if not rows:
        return None
    peak = max(value for _, value, _ in rows) or 1
    bars = []
    for i, (label, value, css) in enumerate(rows):
        width = round(value / peak * (BAR_WIDTH - LABEL_WIDTH - 40), 1)
        bars.append({"label": label, "value": value, "css": css, "y": i * (BAR_HEIGHT + 6),
                     "width": width, "text_x": LABEL_WIDTH + width + 6})  # fmt: skip
    return {
        "width": BAR_WIDTH,
        "height": len(rows) * (BAR_HEIGHT + 6),
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "text_dy": BAR_HEIGHT - 6,
        "bars": bars,
    }


@dataclass
class Dashboard:
    title: str
    targets: list  # (target, latest measurement text, status)
    status_chart: dict | None
    status_counts: list  # (label, count)
    rows: list  # diagnostic rows with their computed gaps
    bilans: list  # per year: total, received, late
    bilans_chart: dict | None
    latest: list  # (indicator, place, text, year) latest measurements


def _targets(qs):
    items = [
        (t, value_text(m, t.indicator.unit if t.indicator_id else t.unit) if m else "", status)
        for t, m, status in services.targets_with_status(qs)
    ]
    counts = Counter(status for _, _, status in items)
    status_counts = [(str(s.label), counts.get(s, 0)) for s in Status]
    chart = bar_chart([(str(s.label), counts.get(s, 0), STATUS_CSS[s]) for s in Status])
    return items, status_counts, chart if items else None


def _rows(qs):
    out = []
    qs = (
        qs.select_related("indicator", "reference__territory")
        .defer("reference__territory__geometry")
        .prefetch_related(Prefetch("compared", queryset=with_place(Measurement.objects.all())))
    )
    for row in qs.order_by("table", "position", "pk"):
        compared = list(row.compared.all())
        gaps = row_gaps(row, compared)
        out.append(
            {
                "row": row,
                "reference": value_text(row.reference, row.indicator.unit),
                "gaps": [(g.compared.place, g.text()) for g in gaps.gaps],
                "error": gaps.error,
            }
        )
    return out


def _bilans(qs):
    today = timezone.localdate()
    counts = services.bilan_counts(list(qs.only("year", "submitted_on")), today)
    rows = []
    for c in counts:
        rows += [(f"{c['year']} reçus", c["received"], "serie-0"),
                 (f"{c['year']} en retard", c["late"], "serie-1")]  # fmt: skip
    return counts, bar_chart(rows)


def _latest(territory):
    """The latest total (no breakdown) of each indicator on `territory`: the latest year
    per indicator first (one grouped query on an index), then those rows."""
    totals = Measurement.objects.filter(territory=territory, sex="", age_band="")
    years = totals.exclude(year=None).values("indicator_id").annotate(latest=Max("year"))
    pairs = Q(pk__in=[])
    for item in years.order_by()[:LATEST_SHOWN]:
        pairs |= Q(indicator_id=item["indicator_id"], year=item["latest"])
    found = {}
    for m in with_place(totals.filter(pairs)).select_related("indicator").order_by("pk"):
        found[m.indicator_id] = m
    cells = list(found.values())
    hidden = displayed(cells)
    return [
        (m.indicator, m.place, value_text(m, m.indicator.unit, hidden[m.pk]), m.year)
        for m in sorted(cells, key=lambda m: (m.indicator.name, m.place))
    ]


def for_enjeu(enjeu) -> Dashboard:
    indicators = Indicator.objects.filter(Q(enjeu=enjeu) | Q(objectives__enjeu=enjeu))
    indicator_ids = set(indicators.values_list("pk", flat=True))
    targets, counts, chart = _targets(
        Target.objects.filter(Q(objective__enjeu=enjeu) | Q(indicator_id__in=indicator_ids))
    )
    rows = _rows(DiagnosticRow.objects.filter(indicator_id__in=indicator_ids))
    actions = Action.objects.filter(objectives__enjeu=enjeu).values("pk")
    bilans, bilans_chart = _bilans(Bilan.objects.filter(action_id__in=actions))
    return Dashboard(f"Enjeu {enjeu.number} : {enjeu.title}", targets, chart, counts, rows,
                     bilans, bilans_chart, [])  # fmt: skip


def for_territory(territory) -> Dashboard:
    ids = {territory.pk} | Territory.objects.descendants([territory.pk])
    targets, counts, chart = _targets(Target.objects.filter(territory_id__in=ids))
    rows = _rows(
        DiagnosticRow.objects.filter(
            Q(commune=territory) | Q(reference__territory=territory)
            | Q(compared__territory=territory)
        ).distinct()
    )  # fmt: skip
    actions = Action.objects.filter(Q(commune_id__in=ids) | Q(territories__in=ids)).values("pk")
    bilans, bilans_chart = _bilans(Bilan.objects.filter(action_id__in=actions))
    latest = _latest(territory)
    return Dashboard(f"Tableau de bord — {territory.name}", targets, chart, counts, rows,
                     bilans, bilans_chart, latest)  # fmt: skip
