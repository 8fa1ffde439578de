from django import forms
from django.core.exceptions import ValidationError

from cdvs.accounts.permissions import Visibility
from cdvs.contract.models import Enjeu
from cdvs.core.french import sorted_choices
from cdvs.core.markup import html_tags
from cdvs.core.widgets import FastSelect
from cdvs.directory import vocabulary as voc
from cdvs.directory.models import Organisation, OrganisationKind
from cdvs.territories.forms import territory_field
from cdvs.territories.models import Territory

from .files import MAX_SIZE, check_upload
from .models import CallForProjects, SavedSearch


def enjeu_label(enjeu) -> str:
    return f"Enjeu {enjeu.number} : {enjeu.title}"


class CallForm(forms.ModelForm):
    carriers = forms.MultipleChoiceField(
        label="Porteurs éligibles",
        choices=OrganisationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Aucun coché : tous les types de structures.",
    )
    publics = forms.MultipleChoiceField(
        label="Publics visés",
        choices=voc.PUBLICS,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    link = forms.URLField(
        label="Lien vers l'appel", required=False, assume_scheme="https", max_length=200
    )
    thematiques = forms.MultipleChoiceField(
        label="Thématiques",
        choices=voc.THEMATIQUES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = CallForProjects
        fields = [
            "title", "funder_name", "funder", "nature", "description", "opens_on", "closes_on",
            "closes_at", "recurrence", "recurrence_until", "amount_min", "amount_max", "envelope",
            "carriers", "publics", "thematiques", "enjeux", "territories", "link", "visibility",
            "commune",
        ]  # fmt: skip
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "recurrence_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "description": forms.Textarea(attrs={"rows": 8}),
            "enjeux": forms.CheckboxSelectMultiple,
            "territories": forms.SelectMultiple(attrs={"size": 8}),
            "funder": FastSelect,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = Organisation.objects.only("pk", "name")
        # a callable: the query runs when the form is rendered (not for each row of an import)
        self.fields["funder"].widget.choices = lambda: sorted_choices(
            [("", "—"), *Organisation.objects.values_list("pk", "name")]
        )
        self.fields["enjeux"].queryset = Enjeu.objects.order_by("contract_id", "number")
        self.fields["enjeux"].label_from_instance = enjeu_label
        territory_field(self.fields["territories"], Territory.objects.all(), with_kind=True)
        self.fields["commune"].empty_label = "— Tout le contrat —"
        territory_field(
            self.fields["commune"], Territory.objects.filter(kind__in=["epci", "commune"])
        )
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs.setdefault("aria-describedby", f"id_{name}_helptext")

    def clean_description(self):
        text = self.cleaned_data["description"]
        if html_tags(text):
            raise ValidationError(
                "Le HTML n'est pas accepté : écrivez la mise en forme en Markdown."
            )
        return text


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Fichier",
        help_text=f"PDF, ODT, ODS, DOCX, XLSX, PNG ou JPEG ; {MAX_SIZE // (1024 * 1024)} Mo au plus.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.content, self.content_type, self.filename = check_upload(upload)
        return upload


class SavedSearchForm(forms.ModelForm):
    class Meta:
        model = SavedSearch
        fields = ["name", "frequency"]
        widgets = {"frequency": forms.RadioSelect}


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier CSV, ODS ou XLSX",
        help_text="Une ligne par appel ; la première ligne donne les intitulés des colonnes.",
    )
    visibility = forms.ChoiceField(
        label="Visibilité des appels importés", choices=Visibility.choices
    )
