"""Public pages of the evaluation: the diagnostic as the seed gives it (per territory,
with the écarts the tool computes beside the seed's wording), the indicators with their
trend, the targets with their status, the evaluative questions."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from cdvs.accounts.permissions import can, filter_allowed, gate, login_if_needed
from cdvs.actions.models import Action
from cdvs.contract.models import enjeu_labels
from cdvs.core.bounds import BoundedIntegerField
from cdvs.core.history import save_with_history
from cdvs.meetings.models import OPEN_STATUSES
from cdvs.territories.models import Territory

from . import dashboards, reports, services
from .forms import BilanForm, FinanceLineForm
from .gaps import displayed, row_gaps, value_text
from .models import (
    Bilan,
    DiagnosticRow,
    EvaluativeQuestion,
    FinanceLine,
    Indicator,
    Measurement,
    MemberKind,
    Report,
    Sex,
    WorkingGroup,
    with_place,
)

CHART_WIDTH, CHART_HEIGHT, PAD = 560, 220, 40
SHOWN = 200  # measurements on an indicator's page: the latest ones


def _rows(qs):
    return (
        qs.select_related("indicator", "reference__territory")
        .defer("reference__territory__geometry")
        .prefetch_related(
            Prefetch("compared", queryset=with_place(Measurement.objects.order_by("pk")))
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
            "enjeux": enjeu_labels(),
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


SEXES = dict(Sex.choices)


def _breakdown(m) -> str:
    parts = [SEXES[m.sex] if m.sex else "", m.age_band]
    return " ".join(p for p in parts if p) or "Ensemble"


@login_if_needed
def indicator_detail(request, pk):
    gate(request.user, "evaluation.view")
    indicator = get_object_or_404(
        Indicator.objects.select_related("enjeu", "numerator", "denominator"), pk=pk
    )
    total = indicator.measurements.count()
    # the dashboard stays bounded whatever the number of measurements: the latest ones
    measurements = list(with_place(indicator.measurements.all()).order_by("-year", "-pk")[:SHOWN])
    measurements.reverse()
    hidden = {}
    groups = {}
    for m in measurements:
        groups.setdefault((m.territory_id, m.area, m.period, m.geography), []).append(m)
    for cells in groups.values():
        hidden.update(displayed(cells))
    # plain texts for the table: the template reads each cell once (no model lookups)
    rows = [
        (m.pk, m.place, m.period or "non précisée", _breakdown(m),
         value_text(m, indicator.unit, hidden.get(m.pk)),
         m.source or "non précisée dans le texte", m.vintage or "—", m.geography or "—")
        for m in measurements
    ]  # fmt: skip
    totals = [m for m in measurements if not m.sex and not m.age_band and not hidden.get(m.pk)]
    return render(
        request,
        "evaluation/indicator.html",
        {
            "indicator": indicator,
            "rows": rows,
            "total": total,
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


# --- bilans of the carriers -----------------------------------------------------------


class YearForm(forms.Form):
    year = BoundedIntegerField(
        label="Année du bilan", min_value=1990, max_value=2100, required=True
    )


@login_if_needed
def bilans(request):
    gate(request.user, "evaluation.view_bilans")
    qs = filter_allowed(
        request.user,
        "evaluation.view_bilans",
        Bilan.objects.select_related("action__porteur", "action__commune"),
    ).order_by("-year", "action__title", "pk")
    items = list(qs)
    today = timezone.localdate()
    return render(
        request,
        "evaluation/bilans.html",
        {
            "bilans": [(b, b.is_late(today)) for b in items],
            "counts": services.bilan_counts(items, today),
        },
    )


@login_if_needed
def bilan_create(request, pk):
    action = get_object_or_404(Action.objects.select_related("porteur", "commune"), pk=pk)
    gate(request.user, "evaluation.edit_bilan", action)
    form = YearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        existing = Bilan.objects.filter(action=action, year=year).first()
        if existing is not None:
            return redirect(existing.get_absolute_url())
        bilan = Bilan(action=action, year=year)
        bilan.full_clean()
        save_with_history(bilan, request.user, "Bilan ouvert")
        return redirect(bilan.get_absolute_url())
    return render(request, "evaluation/bilan_create.html", {"form": form, "action": action})


@login_if_needed
def bilan_detail(request, pk):
    bilan = get_object_or_404(
        Bilan.objects.select_related("action__porteur", "action__commune"), pk=pk
    )
    gate(request.user, "evaluation.edit_bilan", bilan)
    action = bilan.action
    kwargs = {"qpvs": services.bilan_qpvs(action), "questions": services.bilan_questions(action)}
    form = BilanForm(instance=bilan, **kwargs)
    finance = FinanceLineForm(prefix="finance")
    error = ""
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "finance":
                finance = FinanceLineForm(request.POST, prefix="finance")
                if finance.is_valid():
                    services.save_finance_line(
                        FinanceLine(bilan=bilan), dict(finance.cleaned_data), request.user
                    )
                    messages.success(request, "Ligne du compte rendu financier enregistrée.")
                    return redirect(bilan.get_absolute_url())
            elif step == "submit":
                services.submit_bilan(bilan, request.user)
                messages.success(request, "Bilan transmis.")
                return redirect(bilan.get_absolute_url())
            else:
                form = BilanForm(request.POST, instance=bilan, **kwargs)
                if form.is_valid():
                    services.save_bilan(form, request.user)
                    messages.success(request, "Bilan enregistré.")
                    return redirect(bilan.get_absolute_url())
        except ValidationError as exc:
            error = " ".join(exc.messages)
    lines = list(bilan.finance_lines.all())
    charges = [line for line in lines if line.is_charge]
    products = [line for line in lines if not line.is_charge]
    return render(
        request,
        "evaluation/bilan.html",
        {
            "bilan": bilan,
            "form": form,
            "finance": finance,
            "error": error,
            "charges": charges,
            "products": products,
            "totals": {
                "charges": (sum(x.planned for x in charges), sum(x.realised for x in charges)),
                "products": (sum(x.planned for x in products), sum(x.realised for x in products)),
            },
            "late": bilan.is_late(timezone.localdate()),
        },
    )


class AddressFileForm(forms.Form):
    file = forms.FileField(
        label="Liste des adresses ou des coordonnées",
        help_text=(
            "CSV, ODS ou XLSX : colonnes « Adresse », « Code postal », « Commune », ou "
            "« Latitude » et « Longitude ». Le fichier est effacé dès sa lecture ; seuls "
            "les comptes sont gardés."
        ),
    )


@login_if_needed
def bilan_addresses(request, pk):
    bilan = get_object_or_404(
        Bilan.objects.select_related("action__porteur", "action__commune"), pk=pk
    )
    gate(request.user, "evaluation.edit_bilan", bilan)
    form = AddressFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.start_address_count(bilan, form.cleaned_data["file"], request.user)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, "Liste déposée : le comptage est en cours.")
            return redirect("evaluation:bilan_addresses", pk=bilan.pk)
    runs = list(bilan.address_counts.all()[:10])
    return render(
        request,
        "evaluation/bilan_addresses.html",
        {
            "bilan": bilan,
            "form": form,
            "runs": runs,
            "running": any(r.status in ("en_attente", "en_cours") for r in runs),
        },
    )


@login_if_needed
def report(request, pk):
    gate(request.user, "evaluation.view")
    item = get_object_or_404(Report, pk=pk)
    return render(
        request, "evaluation/report.html", {"report": item, "sections": reports.sections(item)}
    )


REPORT_FILES = {
    "odt": (reports.odt, "application/vnd.oasis.opendocument.text"),
    "docx": (
        reports.docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
}


def _report_file(request, pk, fmt):
    gate(request.user, "evaluation.view")
    item = get_object_or_404(Report, pk=pk)
    build, content_type = REPORT_FILES[fmt]
    response = HttpResponse(build(item), content_type=content_type)
    name = f"{'point-etape' if item.kind == 'etape' else 'rapport'}-{item.year}-{item.pk}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_if_needed
def report_odt(request, pk):
    return _report_file(request, pk, "odt")


@login_if_needed
def report_docx(request, pk):
    return _report_file(request, pk, "docx")


# --- collective evaluation --------------------------------------------------------------


@login_if_needed
def groups(request):
    gate(request.user, "evaluation.view")
    items = WorkingGroup.objects.select_related("enjeu", "commune").annotate(
        member_count=Count("members", distinct=True),
        open_count=Count(
            "recommendations",
            filter=Q(recommendations__status__in=OPEN_STATUSES),
            distinct=True,
        ),
    )
    return render(
        request,
        "evaluation/groups.html",
        {"groups": items, "can_manage": can(request.user, "evaluation.manage")},
    )


@login_if_needed
def group(request, pk):
    gate(request.user, "evaluation.view")
    item = get_object_or_404(WorkingGroup.objects.select_related("enjeu", "commune"), pk=pk)
    manage = can(request.user, "evaluation.manage", item)
    members = list(item.members.select_related("organisation"))
    recommendations = list(
        item.recommendations.select_related("owner_organisation", "action", "finding")
        .prefetch_related("changes", "adjustments__action")
        .order_by("due_date", "pk")
    )
    today = timezone.localdate()
    return render(
        request,
        "evaluation/group.html",
        {
            "group": item,
            "manage": manage,
            "members": [m for m in members if manage or m.kind != MemberKind.RESIDENT],
            "residents": sum(m.kind == MemberKind.RESIDENT for m in members),
            "sessions": services.group_sessions(item, request.user),
            "findings": list(item.findings.select_related("meeting")),
            "recommendations": [(r, r.is_late(today)) for r in recommendations],
        },
    )


# --- dashboards ---------------------------------------------------------------------------


@login_if_needed
def enjeu_dashboard(request, pk):
    gate(request.user, "evaluation.view")
    enjeu = get_object_or_404(enjeu_labels(), pk=pk)
    return render(request, "evaluation/dashboard.html", {"board": dashboards.for_enjeu(enjeu)})


@login_if_needed
def territory_dashboard(request, pk):
    gate(request.user, "evaluation.view")
    territory = get_object_or_404(Territory.objects.defer("geometry"), pk=pk)
    return render(
        request,
        "evaluation/dashboard.html",
        {"board": dashboards.for_territory(territory), "territory": territory},
    )
