"""Coordination pages of the evaluation (under /evaluation/gestion/): a measurement
typed by hand, a table of measurements imported all or nothing, a measurement's
history."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from cdvs.accounts.permissions import gate, login_if_needed
from cdvs.actions.models import Action
from cdvs.core.bounds import BoundedIntegerField
from cdvs.core.history import history_page
from cdvs.core.imports import ImportFileError

from . import imports, reports, services
from .forms import (
    AdjustmentForm,
    FindingForm,
    ImportForm,
    MeasurementForm,
    MemberForm,
    RecommendationForm,
    RecommendationStatusForm,
    WorkingGroupForm,
)
from .models import Measurement, Recommendation, Report, ReportKind, WorkingGroup


@login_if_needed
def add_measurement(request):
    gate(request.user, "evaluation.manage")
    form = MeasurementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            measurement = services.save_measurement(
                Measurement(), dict(form.cleaned_data), request.user, "Saisie d'une mesure"
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Mesure enregistrée.")
            return redirect(measurement.indicator.get_absolute_url())
    return render(
        request,
        "evaluation/coordination/form.html",
        {"form": form, "title": "Nouvelle mesure", "back": reverse("evaluation:indicators")},
    )


@login_if_needed
def import_measurements(request):
    gate(request.user, "evaluation.manage")
    form = ImportForm(request.POST or None, request.FILES or None)
    result, error = None, ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = imports.check(upload.read(), upload.name)
            if not result.errors:
                created = imports.apply(result, request.user)
                messages.success(request, f"{len(created)} mesure(s) importée(s).")
                return redirect("evaluation:indicators")
        except ImportFileError as exc:
            error = f"Rien n'a été importé : {exc}"
        except ValidationError as exc:
            error = "Rien n'a été importé : " + " ".join(exc.messages)
    return render(
        request,
        "evaluation/coordination/import.html",
        {"form": form, "result": result, "error": error, "columns": imports.COLUMNS},
    )


@login_if_needed
def measurement_history(request, pk):
    measurement = get_object_or_404(Measurement.all_objects.select_related("indicator"), pk=pk)
    gate(request.user, "evaluation.manage", measurement)
    return history_page(request, measurement, measurement.indicator.get_absolute_url())


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label="Nature du rapport", choices=ReportKind.choices, required=False)
    year = BoundedIntegerField(
        label="Année du rapport", min_value=1990, max_value=2100, required=True
    )
    perspectives = forms.CharField(
        label="Perspectives et améliorations nécessaires (rapport annuel)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20_000,
    )
    renewal = forms.CharField(
        label="Articulation avec le renouvellement urbain (rapport annuel)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20_000,
    )
    dsu = forms.CharField(
        label="Actions de développement social urbain (DSU) (rapport annuel)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20_000,
    )
    opinions = forms.CharField(
        label="Avis des conseils citoyens et des conseils municipaux, suites données (rapport annuel)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20_000,
    )
    flagships = forms.ModelMultipleChoiceField(
        label="Les trois projets phares (point d'étape)",
        queryset=Action.objects.only("pk", "title").order_by("title", "pk"),
        required=False,
        help_text="Au plus trois actions, suivies dans le temps (MEL, §6.3).",
    )

    def clean_kind(self):
        return self.cleaned_data["kind"] or ReportKind.ANNUAL

    def clean_flagships(self):
        chosen = self.cleaned_data["flagships"]
        if len(chosen) > reports.FLAGSHIPS:
            raise ValidationError("Choisissez au plus trois projets phares.")
        return chosen


@login_if_needed
def reports_page(request):
    gate(request.user, "evaluation.manage")
    form = ReportForm(request.POST or None, initial={"kind": ReportKind.ANNUAL})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = reports.generate(
            data["year"],
            request.user,
            kind=data["kind"],
            texts={name: data[name] for name, *_ in reports.ANNUAL_TEXTS},
            flagships=data["flagships"],
        )
        messages.success(request, "Rapport généré : son contenu est figé.")
        return redirect(item.get_absolute_url())
    return render(
        request,
        "evaluation/coordination/reports.html",
        {"form": form, "reports": Report.objects.all()[:50]},
    )


# --- collective evaluation --------------------------------------------------------------


@login_if_needed
def group_create(request):
    gate(request.user, "evaluation.manage")
    form = WorkingGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.save_group(WorkingGroup(), dict(form.cleaned_data), request.user)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _message(exc))
        else:
            messages.success(request, "Groupe de travail créé.")
            return redirect("evaluation_coordination:group_manage", pk=item.pk)
    return render(
        request,
        "evaluation/coordination/form.html",
        {"form": form, "title": "Nouveau groupe de travail thématique",
         "back": reverse("evaluation:groups"), "intro": GROUP_INTRO},
    )  # fmt: skip


GROUP_INTRO = (
    "Les groupes de travail thématiques, composés des associations, des services municipaux "
    "et d'habitants, jouent un rôle central dans la collecte des données et des informations "
    "et l'analyse des résultats (volet communal, §3.3)."
)


def _message(exc) -> str:
    if isinstance(exc, PermissionDenied):
        return str(exc) or "Vous n'avez pas les droits nécessaires pour cette action."
    return " ".join(exc.messages)


@login_if_needed
def group_manage(request, pk):
    group = get_object_or_404(WorkingGroup.objects.select_related("enjeu", "commune"), pk=pk)
    gate(request.user, "evaluation.manage", group)
    step = request.POST.get("step") if request.method == "POST" else None
    data = request.POST if request.method == "POST" else None
    forms_ = {
        "group": WorkingGroupForm(data if step == "group" else None, instance=group,
                                  prefix="group"),
        "member": MemberForm(data if step == "member" else None, prefix="member"),
        "finding": FindingForm(data if step == "finding" else None, group=group,
                               prefix="finding"),
        "recommendation": RecommendationForm(data if step == "recommendation" else None,
                                             group=group, prefix="recommendation"),
    }  # fmt: skip
    form = forms_.get(step)
    if form is not None and form.is_valid():
        try:
            if step == "group":
                services.save_group(group, {}, request.user)
            else:
                services.add_to_group(group, form.instance, request.user)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _message(exc))
        else:
            messages.success(request, "Enregistré.")
            return redirect("evaluation_coordination:group_manage", pk=group.pk)
    return render(
        request,
        "evaluation/coordination/group.html",
        {"group": group, "forms": forms_},
    )


@login_if_needed
def recommendation(request, pk):
    rec = get_object_or_404(
        Recommendation.objects.select_related("group__commune", "owner_organisation", "action"),
        pk=pk,
    )
    gate(request.user, "evaluation.manage", rec)
    step = request.POST.get("step") if request.method == "POST" else None
    data = request.POST if request.method == "POST" else None
    status_form = RecommendationStatusForm(data if step == "status" else None, prefix="status")
    adjustment_form = AdjustmentForm(
        data if step == "adjustment" else None,
        prefix="adjustment",
        initial={"action": rec.action_id, "on": timezone.localdate()},
    )
    try:
        if step == "status" and status_form.is_valid():
            services.change_recommendation(
                rec, status_form.cleaned_data["status"], status_form.cleaned_data["note"],
                request.user,
            )  # fmt: skip
            messages.success(request, "Statut de la recommandation changé.")
            return redirect(rec.get_absolute_url())
        if step == "adjustment" and adjustment_form.is_valid():
            adjustment_form.instance.recommendation = rec
            services.record_adjustment(adjustment_form.instance, request.user)
            messages.success(request, "Ajustement de l'action enregistré.")
            return redirect(rec.get_absolute_url())
    except (ValidationError, PermissionDenied) as exc:
        (status_form if step == "status" else adjustment_form).add_error(None, _message(exc))
    return render(
        request,
        "evaluation/coordination/recommendation.html",
        {
            "rec": rec,
            "status_form": status_form,
            "adjustment_form": adjustment_form,
            "changes": rec.changes.select_related("by"),
            "adjustments": rec.adjustments.select_related("action"),
        },
    )


@login_if_needed
def adjustment_create(request):
    gate(request.user, "evaluation.manage")
    form = AdjustmentForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_adjustment(form.instance, request.user)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _message(exc))
        else:
            messages.success(request, "Ajustement de l'action enregistré.")
            return redirect("evaluation:groups")
    return render(
        request,
        "evaluation/coordination/form.html",
        {"form": form, "title": "Ajustement d'une action", "back": reverse("evaluation:groups"),
         "intro": "Une phase de réflexion opérationnelle : à partir des résultats obtenus, "
         "identifier les améliorations possibles et ajuster les stratégies en conséquence "
         "(volet communal, §3.2)."},
    )  # fmt: skip
