from django import forms

from cdvs.actions.models import Action
from cdvs.contract.models import enjeu_labels
from cdvs.directory.models import Organisation
from cdvs.meetings.models import Meeting, MeetingSeries, NextStepStatus
from cdvs.territories.forms import territory_field
from cdvs.territories.models import Kind, Territory

from .models import (
    AGE_BANDS,
    Adjustment,
    Bilan,
    FinanceLine,
    Finding,
    Indicator,
    Measurement,
    Recommendation,
    WorkingGroup,
    WorkingGroupMember,
)


class MeasurementForm(forms.ModelForm):
    """A measurement typed by hand, and each row of an import."""

    class Meta:
        model = Measurement
        fields = [
            "indicator", "territory", "area", "period", "year", "sex", "age_band", "value",
            "numerator", "denominator", "secret", "producer", "source", "vintage", "geography",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.order_by("name")
        territory_field(self.fields["territory"], Territory.objects.all(), with_kind=True)
        self.fields["year"].widget.attrs.update(min=1990, max=2100)
        for name in ("value", "numerator", "denominator"):
            # French decimals (« 33,2 »), typed or read from a table
            self.fields[name].localize = True
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def clean(self):
        data = super().clean()
        indicator, territory = data.get("indicator"), data.get("territory")
        if indicator is not None:
            duplicate = Measurement.objects.filter(
                indicator=indicator,
                territory=territory,
                area=data.get("area", ""),
                period=data.get("period", ""),
                sex=data.get("sex", ""),
                age_band=data.get("age_band", ""),
                geography=data.get("geography", ""),
            )
            if self.instance.pk:
                duplicate = duplicate.exclude(pk=self.instance.pk)
            if duplicate.exists():
                raise forms.ValidationError(
                    "Cette mesure existe déjà (même indicateur, territoire, période, "
                    "ventilation et géographie).",
                    code="duplicate",
                )
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier des mesures",
        help_text="CSV (UTF-8 ou Windows-1252), ODS ou XLSX ; 2 Mo au plus.",
    )


class BilanForm(forms.ModelForm):
    """A porteur's bilan: the counts (per QPV of the action's commune, PAC, elsewhere;
    by sex and age band), the results and the answers to the evaluative questions."""

    class Meta:
        model = Bilan
        fields = [
            "beneficiaries", "in_pac", "elsewhere", "residence_method", "women", "men",
            "results",
        ]  # fmt: skip
        widgets = {"results": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, qpvs=(), questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        bilan = self.instance
        residences = {r.territory_id: r.count for r in bilan.residences.all()} if bilan.pk else {}
        answers = {a.question_id: a.text for a in bilan.answers.all()} if bilan.pk else {}
        self.qpvs, self.questions = list(qpvs), list(questions)
        for qpv in self.qpvs:
            self.fields[f"qpv_{qpv.pk}"] = forms.IntegerField(
                label=f"vivant dans le QPV {qpv.name}", min_value=0, required=False,
                initial=residences.get(qpv.pk),
            )  # fmt: skip
        for band, label in AGE_BANDS:
            self.fields[f"age_{band}"] = forms.IntegerField(
                label=label, min_value=0, required=False, initial=(bilan.ages or {}).get(band)
            )
        for question in self.questions:
            self.fields[f"question_{question.pk}"] = forms.CharField(
                label=question.text, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                initial=answers.get(question.pk, ""),
            )  # fmt: skip

    def clean(self):
        data = super().clean()
        total = data.get("beneficiaries")
        if total is None:
            return data
        places = [data.get(f"qpv_{q.pk}") for q in self.qpvs] + [
            data.get("in_pac"),
            data.get("elsewhere"),
        ]
        checks = [
            (places, "Les bénéficiaires par lieu de vie dépassent le total."),
            ([data.get("women"), data.get("men")], "Les femmes et les hommes dépassent le total."),
            (
                [data.get(f"age_{b}") for b, _ in AGE_BANDS],
                "Les tranches d'âge dépassent le total.",
            ),
        ]
        for values, message in checks:
            if sum(v or 0 for v in values) > total:
                raise forms.ValidationError(message)
        return data


class FinanceLineForm(forms.ModelForm):
    class Meta:
        model = FinanceLine
        fields = ["heading", "planned", "realised", "explanation"]
        widgets = {"explanation": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("planned", "realised"):
            self.fields[name].localize = True
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal"})


# --- collective evaluation --------------------------------------------------------------


class WorkingGroupForm(forms.ModelForm):
    class Meta:
        model = WorkingGroup
        fields = ["enjeu", "commune", "name", "description", "series"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enjeu"].queryset = enjeu_labels()
        territory_field(self.fields["commune"], Territory.objects.filter(kind=Kind.COMMUNE))
        self.fields["series"].queryset = MeetingSeries.objects.only("pk", "name").order_by("name")


class MemberForm(forms.ModelForm):
    class Meta:
        model = WorkingGroupMember
        fields = ["kind", "organisation", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.only("pk", "name").order_by(
            "name"
        )


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["kind", "text", "meeting", "recorded_on"]

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(
            series_id=group.series_id or 0
        ).order_by("sort_date")
        self.fields["text"].max_length = 20_000
        self.fields["text"].widget.attrs["maxlength"] = 20_000


class RecommendationForm(forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = ["finding", "text", "owner", "owner_organisation", "due_date", "action"]

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = group.findings.all()
        self.fields["owner_organisation"].queryset = Organisation.objects.only(
            "pk", "name"
        ).order_by("name")
        self.fields["action"].queryset = Action.objects.only("pk", "title").order_by("title")
        self.fields["text"].max_length = 20_000


class RecommendationStatusForm(forms.Form):
    status = forms.ChoiceField(label="Nouveau statut", choices=NextStepStatus.choices)
    note = forms.CharField(
        label="Précision", required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ["action", "on", "text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = Action.objects.only("pk", "title").order_by("title")
        self.fields["text"].max_length = 20_000
