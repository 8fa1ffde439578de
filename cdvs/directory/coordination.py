"""Coordination pages of the directory: fiches to refresh, fiches nobody keeps, and
imports (upload, column mapping, preview with the errors, progress, result)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cdvs.accounts import permissions
from cdvs.core.exports import FORMAT_LABELS, export_response
from cdvs.core.french import count
from cdvs.core.imports import ImportFileError, ImportStatus, mapped_rows, read_table
from cdvs.territories.forms import territory_field
from cdvs.territories.models import Territory

from . import imports, services
from .forms import ImportUploadForm, MappingForm, OrganisationCreateForm
from .models import (
    Contact,
    DirectoryImport,
    FreshnessReminder,
    ImportKind,
    Organisation,
    Place,
    Service,
)
from .tasks import geocode_places, run_import

PREVIEW_ROWS = 20
ERRORS_SHOWN = 200


class StaleFilterForm(forms.Form):
    territory = forms.ModelChoiceField(
        label="Territoire", required=False, queryset=None, empty_label="Tous mes territoires"
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

        territory_field(
            self.fields["territory"],
            Territory.objects.filter(kind__in=["epci", "commune", "qpv", "pac"]),
        )


def _freshness_lists(request):
    """(form, stale, orphaned) for the coordinator's territories, filtered by one
    territory (fiches attached to it or to a territory inside it)."""
    base = permissions.filter_allowed(
        request.user,
        "directory.coordinate",
        Organisation.objects.select_related("territory").defer("territory__geometry"),
    )
    form = StaleFilterForm(request.GET or None, user=request.user)
    if form.is_valid() and (territory := form.cleaned_data.get("territory")):
        base = base.filter(
            Q(territory=territory) | Q(territory__parent=territory)
            | Q(territory__parent__parent=territory)
        )  # fmt: skip
    last = FreshnessReminder.objects.filter(organisation=OuterRef("pk")).order_by("-sent_at")
    stale = base.stale().annotate(
        last_reminder=Subquery(last.values("sent_at")[:1]),
        members=Count("memberships", distinct=True),
    )
    return form, stale.order_by("last_confirmed_at", "name"), base.orphaned().order_by("name")


@login_required
def stale(request):
    permissions.require(request.user, "directory.coordinate")
    form, stale_list, orphaned = _freshness_lists(request)
    query = request.GET.urlencode()
    return render(
        request,
        "directory/coordination_stale.html",
        {
            "form": form,
            "stale": stale_list,
            "orphaned": orphaned,
            "query": query,
            "formats": FORMAT_LABELS,
        },
    )


FRESHNESS_HEADERS = ["Liste", "Organisation", "Type", "Territoire", "Fréquence de mise à jour",
                     "Confirmée à jour le", "Membres", "Dernier rappel envoyé le"]  # fmt: skip


@login_required
def stale_export(request, fmt):
    """Both lists as one table (public fields of the fiches, no person's data)."""
    permissions.require(request.user, "directory.coordinate")
    _, stale_list, orphaned = _freshness_lists(request)
    rows = [
        [
            "À mettre à jour",
            o.name,
            o.get_kind_display(),
            str(o.territory or ""),
            o.get_update_frequency_months_display(),
            o.last_confirmed_at,
            o.members,
            o.last_reminder,
        ]  # fmt: skip
        for o in stale_list
    ]
    rows += [
        [
            "Sans membre",
            o.name,
            o.get_kind_display(),
            str(o.territory or ""),
            o.get_update_frequency_months_display(),
            o.last_confirmed_at,
            0,
            None,
        ]  # fmt: skip
        for o in orphaned
    ]
    return export_response(
        "fiches-a-mettre-a-jour", "Fiches à mettre à jour", FRESHNESS_HEADERS, rows, fmt
    )


def _record(request, pk) -> DirectoryImport:
    record = get_object_or_404(
        DirectoryImport.objects.select_related("created_by", "territory"), pk=pk
    )
    permissions.require(request.user, "directory.import", record)
    return record


@login_required
def import_list(request):
    """The imports of the coordinator's territories, and the form to start one."""
    permissions.require(request.user, "directory.import")
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        record = DirectoryImport(
            kind=form.cleaned_data["kind"],
            file_name=upload.name[:255],
            territory=form.cleaned_data.get("territory"),
            created_by=request.user,
        )
        try:
            if record.kind == ImportKind.TABLE:
                record.take_table(read_table(content, upload.name), imports.COLUMNS)
            else:
                record.take_items("json", imports.count_rows(record, content))
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            record.store(upload)
            if record.kind == ImportKind.TABLE:
                messages.info(
                    request, f"Fichier lu ({record.encoding_label()}) : associez ses colonnes."
                )
                return redirect("directory_coordination:import_mapping", record.pk)
            return redirect("directory_coordination:import_preview", record.pk)
    if request.method == "POST" and not form.is_valid():
        messages.error(request, "Le fichier n'a pas été déposé : corrigez les erreurs signalées.")
    records = permissions.filter_allowed(
        request.user, "directory.import", DirectoryImport.objects.select_related("created_by")
    ).defer("errors", "report", "mapping", "headers")[:50]
    return render(request, "directory/import_list.html", {"form": form, "records": records})


@login_required
def import_mapping(request, pk):
    record = _record(request, pk)
    if record.kind != ImportKind.TABLE or not record.may_map:
        return redirect(record)
    try:
        table = read_table(record.read_content(), record.file_name)
        samples = table.rows[0][1] if table.rows else []
    except ImportFileError:
        samples = []
    form = MappingForm(
        request.POST or None,
        headers=record.headers,
        columns=imports.COLUMNS,
        initial_mapping=record.mapping,
        samples=samples,
    )
    if request.method == "POST":
        if form.is_valid():
            record.set_mapping(form.mapping())
            return redirect("directory_coordination:import_preview", record.pk)
        messages.error(request, "Corrigez l'association des colonnes.")
    return render(request, "directory/import_mapping.html", {"record": record, "form": form})


@login_required
def import_preview(request, pk):
    """The first rows as they will be read, and every error of the file; the import is
    launched only when there is none."""
    record = _record(request, pk)
    if not record.may_launch:
        return redirect(record)
    plans, errors, rows, columns, file_error = [], [], [], [], ""
    try:
        if record.kind == ImportKind.TABLE:
            table = read_table(record.read_content(), record.file_name)
            keys = [k for k, i in record.mapping.items() if i is not None]
            columns = [c for c in imports.COLUMNS if c.key in keys]
            for line, values in list(mapped_rows(table, record.mapping))[:PREVIEW_ROWS]:
                rows.append((line, [values.get(c.key, "") for c in columns]))
            plans, errors = imports.plan_table(table, record.mapping, request.user)
        else:
            columns = []
            plans, errors = imports.plan_data_inclusion(record.read_content(), request.user)
    except ImportFileError as exc:
        file_error = str(exc)
    if request.method == "POST" and not errors and not file_error:
        record.launch(run_import)
        messages.success(request, "Import lancé : il se poursuit même si vous quittez cette page.")
        return redirect(record)
    new = sum(1 for p in plans if p.existing is None)
    return render(
        request,
        "directory/import_preview.html",
        {
            "record": record,
            "columns": columns,
            "rows": rows,
            "errors": [str(e) for e in errors[:ERRORS_SHOWN]],
            "error_count": len(errors),
            "file_error": file_error,
            "new_count": new,
            "update_count": len(plans) - new,
            "places_count": sum(len(p.places) for p in plans),
            "contacts_count": sum(len(p.contacts) for p in plans),
            "services_count": sum(len(p.services) for p in plans),
        },
    )


def _imported_places(record):
    """The places this import created that still have no coordinates."""
    created = Place.history.filter(
        history_change_reason=record.change_reason, history_type="+"
    ).values("id")
    return Place.objects.filter(pk__in=created, lat__isnull=True)


@login_required
def import_status(request, pk):
    record = _record(request, pk)
    to_geocode = _imported_places(record).count() if record.status == ImportStatus.DONE else 0
    return render(
        request, "directory/import_status.html", {"record": record, "to_geocode": to_geocode}
    )


@login_required
@require_POST
def import_geocode(request, pk):
    """Geocode the imported places without coordinates, by the worker (one request to
    the BAN's CSV endpoint)."""
    record = _record(request, pk)
    ids = (
        list(_imported_places(record).values_list("pk", flat=True))
        if record.status == ImportStatus.DONE
        else []
    )
    if ids:
        geocode_places.enqueue(ids, request.user.pk, record.pk)
        messages.success(
            request,
            f"Géocodage de {count(len(ids), 'lieu', 'lieux')} lancé : le résultat s'ajoutera au compte rendu.",
        )
    else:
        messages.info(request, "Aucun lieu importé à géocoder.")
    return redirect(record)


@login_required
def import_progress(request, pk):
    record = _record(request, pk)
    return JsonResponse(record.as_status())


@login_required
@require_POST
def import_cancel(request, pk):
    """Drop an import not launched yet (the file is deleted with it)."""
    record = _record(request, pk)
    if record.cancel():
        messages.success(request, "Import abandonné : rien n'a été modifié.")
    return redirect("directory_coordination:imports")


# ------------------------------------------------------------------ trash

TRASH_KINDS = {"contact": Contact, "service": Service, "lieu": Place}


@login_required
def trash(request):
    """Deleted contacts, services and places of the coordinator's territories."""
    permissions.require(request.user, "directory.coordinate")
    lists = {
        kind: permissions.filter_allowed(
            request.user,
            "directory.coordinate",
            model.all_objects.deleted().select_related("organisation", "deleted_by"),
        ).order_by("-deleted_at")[:200]
        for kind, model in TRASH_KINDS.items()
    }
    return render(
        request,
        "directory/coordination_trash.html",
        {"contacts": lists["contact"], "services": lists["service"], "places": lists["lieu"]},
    )


@login_required
@require_POST
def restore(request, kind, pk):
    model = TRASH_KINDS.get(kind)
    if model is None:
        raise Http404("Type inconnu.")
    obj = get_object_or_404(model.all_objects.deleted().select_related("organisation"), pk=pk)
    permissions.require(request.user, "directory.coordinate", obj.organisation)
    obj.restore(request.user, f"Restauration ({model._meta.verbose_name})")
    messages.success(request, f"« {obj.name} » restauré.")
    return redirect("directory_coordination:trash")


# ------------------------------------------------------------ one organisation


@login_required
def create(request):
    """Create one fiche (the fiche edit's form and checks); possible duplicates (same
    SIRET, close name in the same commune) are shown first, with « Créer quand même »."""
    permissions.gate(request.user, "directory.create")
    form = OrganisationCreateForm(request.POST or None, user=request.user)
    duplicates = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            duplicates = services.possible_duplicates(
                name=data["name"],
                city=data.get("city") or "",
                postcode=data.get("postcode") or "",
                siret=data.get("siret") or "",
            )
            if not duplicates or request.POST.get("confirm") == "1":
                organisation = form.save(commit=False)
                permissions.gate(request.user, "directory.create", organisation)
                organisation = services.create_organisation(form, request.user)
                messages.success(request, f"Fiche « {organisation.name} » créée.")
                return redirect(organisation)
        else:
            messages.error(request, "La fiche n'a pas été créée : corrigez les erreurs signalées.")
    return render(
        request, "directory/organisation_create.html", {"form": form, "duplicates": duplicates}
    )
