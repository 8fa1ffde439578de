"""Coordination pages of the evaluation (under /evaluation/gestion/): a measurement
typed by hand, a table of measurements imported all or nothing, a measurement's
history."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cdvs.accounts.permissions import gate, login_if_needed
from cdvs.actions.models import Action
from cdvs.core.bounds import BoundedIntegerField
from cdvs.core.history import history_page
from cdvs.core.imports import ImportFileError

from . import imports, reports, services
from .forms import ImportForm, MeasurementForm
from .models import Measurement, Report, ReportKind


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
