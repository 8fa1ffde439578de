"""Public pages of the territories, and the coordinators' perimeter pages."""

import json

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import json_script
from django.utils.safestring import mark_safe

from cdvs.accounts.permissions import can, gate, login_if_needed
from cdvs.core.cache import cached
from cdvs.core.french import format_number

from . import geo
from .forms import PerimeterDrawForm, PerimeterUploadForm
from .locate import index_version
from .models import Kind, Territory
from .services import feature_collection, set_perimeter

KIND_PLURALS = {
    Kind.EPCI: "Intercommunalité",
    Kind.COMMUNE: "Communes",
    Kind.QPV: "Quartiers prioritaires de la politique de la ville (QPV)",
    Kind.PAC: "Périmètres d'attention complémentaire (PAC)",
}
TILE_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"


def map_data(layers, *, draw=False):
    """The map's data as a <script type="application/json"> element, read by
    `static/js/territory-map.js`. `draw`: True for the vertices' textarea of the
    perimeter page, "geojson" for a GeoJSON textarea (`#draw-geojson`, councils)."""
    data = {
        "tileUrl": settings.TILE_URL,
        "attribution": TILE_ATTRIBUTION,
        "layers": layers,
        "draw": draw,
    }
    return json_script(data, "map-data")


def map_layer(name, kind, territories, emphasis=False):
    return {
        "name": name,
        "kind": kind,
        "emphasis": emphasis,
        "data": feature_collection(territories),
    }


def _index_map():
    """The index page's map (all perimeters), rebuilt only when a territory changes:
    the version comes from the database, so every process agrees."""

    def compute():
        with_perimeter = list(Territory.objects.with_perimeter().order_by("kind", "name"))
        layers = [
            map_layer(label, kind, items)
            for kind, label in Kind.choices
            if (items := [t for t in with_perimeter if t.kind == kind])
        ]
        return str(map_data(layers)), bool(layers)

    data, any_layer = cached(("territories:index-map", index_version()), compute)
    return mark_safe(data), any_layer  # noqa: S308 — produced by json_script


def index(request):
    territories = list(
        Territory.objects.defer("geometry")
        .annotate(perimeter_loaded=~Q(geometry=""))
        .order_by("kind", "name")
    )
    groups = []
    for kind, _label in Kind.choices:
        items = [t for t in territories if t.kind == kind]
        missing = sum(not t.perimeter_loaded for t in items)
        groups.append(
            {"kind": kind, "label": KIND_PLURALS[kind], "items": items, "missing": missing}
        )
    map_script, has_map = _index_map()
    return render(
        request,
        "territories/index.html",
        {"groups": groups, "map_script": map_script, "has_map": has_map},
    )


def _brief_queryset():
    return Territory.objects.order_by("kind", "name")


def _territory(kind, code):
    return get_object_or_404(
        Territory.objects.select_related("parent").prefetch_related(
            Prefetch("communes", queryset=_brief_queryset()),
            Prefetch("children", queryset=_brief_queryset()),
            Prefetch("priority_areas", queryset=_brief_queryset()),
        ),
        kind=kind,
        code=code,
    )


def _facts(territory):
    """The text alternative to the map."""
    outline = territory.outline
    if outline is None:
        return None
    parts = geo.shapely_parts(outline)
    return {
        "area": format_number(geo.area_hectares(outline), 1),
        "parts": len(parts),
        "holes": sum(len(p.interiors) for p in parts),
        "vertices": geo.vertex_count(outline),
        "bbox": [format_number(v, 5) for v in outline.bounds],
        "centroid": [
            format_number(outline.centroid.y, 5),
            format_number(outline.centroid.x, 5),
        ],
    }


def detail(request, kind, code):
    territory = _territory(kind, code)
    communes = list(territory.communes.all())
    children = list(territory.children.all())
    priority_areas = list(territory.priority_areas.all())
    related = children + priority_areas
    if territory.kind == Kind.EPCI:
        # every QPV and PAC of its communes
        related = list(
            _brief_queryset()
            .filter(kind__in=[Kind.QPV, Kind.PAC], communes__parent=territory)
            .distinct()
        )
    related_qpv = sorted(
        {t.pk: t for t in related if t.kind == Kind.QPV}.values(), key=lambda t: t.name
    )
    related_pac = sorted(
        {t.pk: t for t in related if t.kind == Kind.PAC}.values(), key=lambda t: t.name
    )
    child_communes = [t for t in children if t.kind == Kind.COMMUNE]
    layers = []
    context_layer = child_communes or communes
    if context_layer:
        layers.append(map_layer("Communes", Kind.COMMUNE, context_layer))
    if related_qpv:
        layers.append(map_layer("QPV", Kind.QPV, related_qpv))
    if related_pac:
        layers.append(map_layer("PAC", Kind.PAC, related_pac))
    layers.append(map_layer(territory.name, territory.kind, [territory], emphasis=True))
    has_map = any(layer["data"]["features"] for layer in layers)
    return render(
        request,
        "territories/detail.html",
        {
            "territory": territory,
            "communes": communes,
            "child_communes": child_communes,
            "related_qpv": related_qpv,
            "related_pac": related_pac,
            "facts": _facts(territory),
            "map_script": map_data(layers),
            "has_map": has_map,
            "can_edit": can(request.user, "territory.edit_perimeter", territory),
            "can_history": can(request.user, "territory.history", territory),
        },
    )


@login_if_needed
def perimeter(request, kind, code):
    """Upload a GeoJSON file or draw the perimeter on the map (coordinators)."""
    territory = _territory(kind, code)
    gate(request.user, "territory.edit_perimeter", territory)
    upload_form = PerimeterUploadForm(prefix="depot")
    draw_form = PerimeterDrawForm(prefix="trace")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "upload":
            upload_form = PerimeterUploadForm(request.POST, request.FILES, prefix="depot")
            form, source = upload_form, "upload"
        else:
            draw_form = PerimeterDrawForm(request.POST, prefix="trace")
            form, source = draw_form, "draw"
        if form.is_valid():
            data = form.cleaned_data["file" if source == "upload" else "points"]
            set_perimeter(territory, data, request.user, source)
            messages.success(request, f"Le périmètre de « {territory.name} » est enregistré.")
            return redirect(territory)
    layers = []
    if territory.parent and territory.parent.has_perimeter:
        layers.append(map_layer(territory.parent.name, territory.parent.kind, [territory.parent]))
    layers.append(map_layer(territory.name, territory.kind, [territory], emphasis=True))
    return render(
        request,
        "territories/perimeter.html",
        {
            "territory": territory,
            "upload_form": upload_form,
            "draw_form": draw_form,
            "map_script": map_data(layers, draw=True),
        },
    )


@login_if_needed
def history(request, kind, code):
    """Every change of the territory: who, when, and the perimeter before and after."""
    territory = _territory(kind, code)
    gate(request.user, "territory.history", territory)
    records = list(
        territory.history.select_related("history_user").order_by("history_date", "history_id")
    )
    rows = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            changes = [c.field for c in delta.changes]
        rows.append(
            {
                "record": record,
                "changes": [
                    Territory._meta.get_field(f).verbose_name for f in changes if f != "updated_at"
                ],
                "before": _perimeter_summary(previous.geometry if previous else ""),
                "after": _perimeter_summary(record.geometry),
                "perimeter_changed": previous is None or previous.geometry != record.geometry,
            }
        )
        previous = record
    rows.reverse()
    return render(request, "territories/history.html", {"territory": territory, "rows": rows})


def _perimeter_summary(text):
    if not text:
        return "aucun périmètre"
    geom = geo.from_text(text)
    return (
        f"{format_number(geo.area_hectares(geom), 1)} ha, "
        f"{format_number(geo.vertex_count(geom), 0)} sommets"
    )


def perimeter_geojson(request, kind, code):
    """The perimeter as a GeoJSON file to download."""
    territory = _territory(kind, code)
    if not territory.has_perimeter:
        raise Http404("Périmètre non chargé")
    body = json.dumps(feature_collection([territory]), ensure_ascii=False)
    response = HttpResponse(body, content_type="application/geo+json")
    response["Content-Disposition"] = (
        f'attachment; filename="{territory.kind}-{territory.code}.geojson"'
    )
    return response
