"""Public pages of the evaluation: the diagnostic as the seed gives it (per territory,
with the écarts the tool computes beside the seed's wording), the indicators with their
trend, the targets with their status, the evaluative questions."""

from decimal import Decimal

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, render

from cdvs.accounts.permissions import can, gate, login_if_needed
from cdvs.territories.models import Territory

from . import services
from .gaps import displayed, row_gaps, value_text
from .models import DiagnosticRow, EvaluativeQuestion, Indicator, Measurement

CHART_WIDTH, CHART_HEIGHT, PAD = 560, 220, 40


def _rows(qs):
    return qs.select_related("indicator", "reference__territory").prefetch_related(
        Prefetch(
            "compared",
            queryset=Measurement.objects.select_related("territory").order_by("pk"),
        )
    )


def _row_view(row):
    compared = list(row.compared.all())
    unit = row.indicator.unit
    gaps = row_gaps(row, compared)
    cells = [row.reference, *compared]
    hidden = displayed(cells)
    peak = max((m.value for m in cells if m.value is not None), default=Decimal(0)) or Decimal(1)
    bars = [
        {
            "place": m.place,
            "text": value_text(m, unit, hidden[m.pk]),
            "width": int(m.value / peak * 100) if m.value is not None and not hidden[m.pk] else 0,
            "reference": m.pk == row.reference_id,
        }
        for m in cells
    ]
    return {
        "row": row,
        "reference": value_text(row.reference, unit),
        "compared": [
            {"place": m.place, "text": value_text(m, unit, hidden[m.pk]), "m": m} for m in compared
        ],
        "gaps": [(g.compared.place, g.text()) for g in gaps.gaps],
        "error": gaps.error,
        "bars": bars,
    }


@login_if_needed
def index(request):
    gate(request.user, "evaluation.view")
    ids = set(DiagnosticRow.objects.values_list("commune_id", flat=True))
    communes = Territory.objects.filter(pk__in=ids - {None}).defer("geometry")
    places = Territory.objects.filter(
        pk__in=Measurement.objects.exclude(territory=None).values("territory_id")
    ).defer("geometry")
    return render(
        request,
        "evaluation/index.html",
        {
            "communes": communes,
            "places": places,
            "has_panorama": DiagnosticRow.objects.filter(table="panorama").exists(),
            "questions": EvaluativeQuestion.objects.filter(enjeu=None, action=None),
            "can_manage": can(request.user, "evaluation.manage"),
        },
    )


@login_if_needed
def diagnostic(request, pk):
    gate(request.user, "evaluation.view")
    territory = get_object_or_404(Territory.objects.defer("geometry"), pk=pk)
    rows = _rows(
        DiagnosticRow.objects.filter(
            Q(commune=territory)
            | Q(reference__territory=territory)
            | Q(compared__territory=territory)
        ).distinct()
    )
    return _diagnostic_page(request, f"Diagnostic — {territory.name}", rows, territory)


@login_if_needed
def panorama(request):
    gate(request.user, "evaluation.view")
    rows = _rows(DiagnosticRow.objects.filter(table="panorama"))
    return _diagnostic_page(request, "Panorama métropolitain de la pauvreté", rows, None)


def _diagnostic_page(request, title, rows, territory):
    tables = {}
    for row in rows.order_by("table", "position", "pk"):
        tables.setdefault((row.table, row.title), []).append(_row_view(row))
    return render(
        request,
        "evaluation/diagnostic.html",
        {"title": title, "territory": territory, "tables": list(tables.items())},
    )


@login_if_needed
def indicator_list(request):
    gate(request.user, "evaluation.view")
    indicators = Indicator.objects.select_related("enjeu").order_by("enjeu__number", "name")
    return render(request, "evaluation/indicators.html", {"indicators": indicators})


def trend_chart(measurements, unit):
    """An accessible inline SVG: one line per place over the years (the table beside
    holds the same figures)."""
    points = [m for m in measurements if m.year and m.value is not None and not m.secret]
    if not points:
        return None
    years = sorted({m.year for m in points})
    low, high = min(m.value for m in points), max(m.value for m in points)
    low = min(low, Decimal(0))
    span_y = (high - low) or Decimal(1)
    span_x = (years[-1] - years[0]) or 1

    def x(year):
        if len(years) == 1:
            return CHART_WIDTH // 2
        return PAD + (year - years[0]) * (CHART_WIDTH - 2 * PAD) / span_x

    def y(value):
        return float(CHART_HEIGHT - PAD - (value - low) / span_y * (CHART_HEIGHT - 2 * PAD))

    series = {}
    for m in points:
        series.setdefault(m.place, []).append(m)
    lines = []
    for i, (place, items) in enumerate(sorted(series.items())):
        items.sort(key=lambda m: m.year)
        coords = [(round(x(m.year), 1), round(y(m.value), 1)) for m in items]
        lines.append(
            {
                "place": place,
                "css": f"serie-{i % 6}",
                "points": " ".join(f"{a},{b}" for a, b in coords),
                "dots": coords,
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "lines": lines,
        "axis_y": CHART_HEIGHT - PAD,
        "years": [(round(x(year), 1), year) for year in years],
        "label": f"Évolution en {unit}" if unit else "Évolution",
    }


@login_if_needed
def indicator_detail(request, pk):
    gate(request.user, "evaluation.view")
    indicator = get_object_or_404(
        Indicator.objects.select_related("enjeu", "numerator", "denominator"), pk=pk
    )
    measurements = list(
        indicator.measurements.select_related("territory").order_by("year", "period", "pk")
    )
    hidden = {}
    groups = {}
    for m in measurements:
        groups.setdefault((m.territory_id, m.area, m.period, m.geography), []).append(m)
    for cells in groups.values():
        hidden.update(displayed(cells))
    rows = [(m, value_text(m, indicator.unit, hidden.get(m.pk))) for m in measurements]
    totals = [m for m in measurements if not m.sex and not m.age_band and not hidden.get(m.pk)]
    return render(
        request,
        "evaluation/indicator.html",
        {
            "indicator": indicator,
            "rows": rows,
            "chart": trend_chart(totals, indicator.unit),
            "geographies": sorted({m.geography for m in measurements if m.geography}),
            "targets": services.targets_with_status(indicator.targets.all()),
            "objectives": indicator.objectives.select_related("enjeu"),
            "can_manage": can(request.user, "evaluation.manage"),
        },
    )


@login_if_needed
def targets(request):
    gate(request.user, "evaluation.view")
    items = [
        (t, value_text(m, t.indicator.unit) if m else "", status)
        for t, m, status in services.targets_with_status()
    ]
    return render(request, "evaluation/targets.html", {"items": items})
