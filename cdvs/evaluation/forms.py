from django import forms

from cdvs.territories.forms import territory_field
from cdvs.territories.models import Territory

from .models import Indicator, Measurement


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
