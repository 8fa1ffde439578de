"""Coordination pages: coordinators edit the strategic frame, see its history and
bring back what was deleted."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cdvs.accounts.permissions import can, filter_allowed, require
from cdvs.core.history import history_page
from cdvs.core.trash import confirm_trash, restore_from_trash
from cdvs.territories.models import Kind, Territory

from . import services, volet
from .forms import EDITABLE, ActionLeadForm, AmbitionForm, ObjectiveForm, VoletForm, VoletUploadForm
from .models import Ambition, LocalEnjeu, Objective
from .views import current_contract


def _editable(kind, pk, *, deleted=False):
    try:
        model, form_class = EDITABLE[kind]
    except KeyError:
        raise Http404("Type d'élément inconnu") from None
    manager = model.all_objects if deleted else model.objects
    return get_object_or_404(manager, pk=pk), form_class


def _back_url(obj):
    """The public page where the element is shown."""
    enjeu = getattr(obj, "enjeu", None)
    if enjeu is None and hasattr(obj, "objective"):
        enjeu = obj.objective.enjeu
    if enjeu is None and obj.__class__.__name__ == "Enjeu":
        enjeu = obj
    if enjeu is not None:
        return reverse("contract:enjeu", args=[enjeu.pk])
    return reverse("contract:index")


@login_required
def edit(request, kind, pk):
    obj, form_class = _editable(kind, pk)
    require(request.user, "contract.edit", obj)
    form = form_class(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            services.update(form, request.user)
            messages.success(request, "Modification enregistrée.")
        else:
            messages.info(request, "Aucune modification à enregistrer.")
        return redirect(_back_url(obj))
    return render(
        request,
        "contract/coordination/form.html",
        {
            "form": form,
            "obj": obj,
            "title": f"Modifier : {obj._meta.verbose_name}",
            "back": _back_url(obj),
        },
    )


@login_required
def delete(request, kind, pk):
    obj, _ = _editable(kind, pk)
    require(request.user, "contract.edit", obj)
    return confirm_trash(
        request,
        obj,
        heading="Mettre à la corbeille ?",
        explanation=f"« {obj} » sera retiré des pages. Il restera dans la corbeille, d'où un "
        "coordinateur peut le restaurer à tout moment ; son historique est conservé.",
        back=_back_url(obj),
        then=_back_url(obj),
        done=f"« {obj} » a été mis à la corbeille. Vous pouvez le restaurer depuis la corbeille.",
    )


@login_required
@require_POST
def restore(request, kind, pk):
    obj, _ = _editable(kind, pk, deleted=True)
    require(request.user, "contract.edit", obj)
    return restore_from_trash(
        request, obj, then="contract_coordination:trash", done=f"« {obj} » a été restauré."
    )


@login_required
def history(request, kind, pk):
    obj, _ = _editable(kind, pk, deleted=True)
    require(request.user, "contract.history", obj)
    return history_page(request, obj, _back_url(obj))


@login_required
def trash(request):
    require(request.user, "contract.trash")
    groups = []
    for kind, (model, _) in EDITABLE.items():
        items = [
            o
            for o in model.all_objects.deleted()
            .select_related("deleted_by")
            .order_by("-deleted_at")
            if can(request.user, "contract.edit", o)
        ]
        if items:
            groups.append({"kind": kind, "label": model._meta.verbose_name_plural, "items": items})
    return render(request, "contract/coordination/trash.html", {"groups": groups})


def _add(request, parent, form_class, create, title):
    require(request.user, "contract.edit", parent)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        create(form, parent, request.user)
        messages.success(request, "Élément ajouté.")
        return redirect(_back_url(parent))
    return render(
        request,
        "contract/coordination/form.html",
        {"form": form, "obj": parent, "title": title, "back": _back_url(parent)},
    )


@login_required
def add_ambition(request, pk):
    parent = get_object_or_404(LocalEnjeu, pk=pk)
    return _add(request, parent, AmbitionForm, services.add_ambition, "Ajouter une ambition")


@login_required
def add_objective(request, pk):
    parent = get_object_or_404(Ambition, pk=pk)
    return _add(
        request, parent, ObjectiveForm, services.add_objective, "Ajouter un objectif opérationnel"
    )


@login_required
def add_lead(request, pk):
    parent = get_object_or_404(Objective, pk=pk)
    return _add(
        request,
        parent,
        ActionLeadForm,
        services.add_lead,
        "Ajouter une piste d'action ou une action existante",
    )


@login_required
def load_volet(request):
    """Upload the file of a volet communal (cdvs.contract.volet), all or nothing."""
    require(request.user, "contract.load_volet")
    form = VoletUploadForm(request.POST or None, request.FILES or None)
    errors, report = [], []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > volet.MAX_BYTES:
            errors = ["Le fichier est trop gros (2 Mo au plus)."]
        else:
            try:
                report = volet.load_bytes(upload.read(), request.user).lines()
            except volet.VoletFileError as exc:
                errors = exc.errors
    status = 422 if errors else 200
    return render(
        request,
        "contract/coordination/volet_upload.html",
        {"form": form, "errors": errors, "report": report},
        status=status,
    )


@login_required
def create_volet(request):
    """Enter a volet communal in the tool: a commune of the coordinator's scope."""
    require(request.user, "contract.load_volet")
    contract = current_contract()
    if contract is None:
        raise Http404("Aucun contrat n'est chargé.")
    communes = filter_allowed(
        request.user,
        "contract.load_volet",
        Territory.objects.filter(kind=Kind.COMMUNE, parent=contract.epci)
        .exclude(local_sections__contract=contract)
        .order_by("name"),
    )
    form = VoletForm(contract, communes, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            section = services.create_volet(
                contract, data["commune"], data["name"], data["adopted"], data["enjeux"],
                request.user,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Volet communal « {section.name} » créé.")
            return redirect("contract:index")
    return render(request, "contract/coordination/volet_form.html", {"form": form})
