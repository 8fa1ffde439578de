import re

from django import forms
from django.utils import timezone

from cdvs.contract.models import Enjeu
from cdvs.territories.models import Kind, Territory

from . import vocabulary as voc
from .models import Contact, Organisation, OrganisationKind
from .validators import normalise_siret


def _multi(label, choices):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class OrganisationForm(forms.ModelForm):
    publics = _multi("Publics", voc.PUBLICS)
    thematiques = _multi("Thématiques", voc.THEMATIQUES)
    languages = _multi("Langues parlées", voc.LANGUAGES)
    accessibility = _multi("Accessibilité", voc.ACCESSIBILITY)
    website = forms.URLField(label="Site internet", required=False, assume_scheme="https")
    # spaces and dots are accepted and removed: the model checks the 14 digits and the key
    siret = forms.CharField(label="SIRET", required=False, max_length=20)
    rna = forms.CharField(label="Numéro RNA", required=False, max_length=12)

    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "description",
            "address",
            "postcode",
            "city",
            "lat",
            "lon",
            "website",
            "siret",
            "rna",
            "territories",
            "enjeux",
            "publics",
            "age_min",
            "age_max",
            "thematiques",
            "languages",
            "accessibility",
            "accessibility_note",
            "update_frequency_months",
        ]
        widgets = {
            "territories": forms.CheckboxSelectMultiple,
            "enjeux": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territories"].queryset = Territory.objects.order_by("kind", "name")
        self.fields["enjeux"].queryset = Enjeu.objects.order_by("number")
        self.fields["enjeux"].label_from_instance = lambda e: f"Enjeu {e.number} : {e.title}"

    def clean_siret(self):
        return normalise_siret(self.cleaned_data.get("siret", ""))

    def clean_rna(self):
        return (self.cleaned_data.get("rna") or "").strip().upper()

    def clean_postcode(self):
        value = (self.cleaned_data.get("postcode") or "").strip()
        if value and not re.fullmatch(r"\d{5}", value):
            raise forms.ValidationError("Le code postal comporte 5 chiffres.")
        return value


class ContactForm(forms.ModelForm):
    consent = forms.BooleanField(
        label="La personne a accepté d'apparaître dans l'annuaire des partenaires "
        "(ses coordonnées ne sont jamais publiques).",
        required=True,
        error_messages={"required": "Le consentement de la personne est obligatoire."},
    )

    class Meta:
        model = Contact
        fields = ["name", "role", "email", "phone"]
        error_messages = {"email": {"invalid": "Saisissez une adresse électronique valide."}}

    def save(self, commit=True):
        contact = super().save(commit=False)
        contact.consent_at = timezone.now()
        if commit:
            contact.save()
        return contact


class FilterForm(forms.Form):
    q = forms.CharField(label="Recherche", required=False, max_length=200)
    kind = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Tous")] + OrganisationKind.choices
    )
    enjeu = forms.ModelChoiceField(
        label="Enjeu", required=False, queryset=Enjeu.objects.none(), empty_label="Tous"
    )
    public = forms.ChoiceField(label="Public", required=False, choices=[("", "Tous")] + voc.PUBLICS)
    thematique = forms.ChoiceField(
        label="Thématique", required=False, choices=[("", "Toutes")] + voc.THEMATIQUES
    )
    age = forms.IntegerField(label="Âge (ans)", required=False, min_value=0, max_value=120)
    territory = forms.ModelChoiceField(
        label="Territoire", required=False, queryset=Territory.objects.none(), empty_label="Tous"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enjeu"].queryset = Enjeu.objects.order_by("number")
        self.fields["enjeu"].label_from_instance = lambda e: f"Enjeu {e.number}"
        self.fields["territory"].queryset = Territory.objects.filter(
            kind__in=[Kind.COMMUNE, Kind.QPV, Kind.PAC]
        ).order_by("kind", "name")


class HelpForm(forms.Form):
    need = forms.CharField(
        label="Besoin (quelques mots)", required=False, max_length=200,
        help_text="Par exemple : soutien scolaire, logement, emploi des jeunes.",
    )  # fmt: skip
    thematique = forms.ChoiceField(
        label="Thématique", required=False, choices=[("", "Toutes")] + voc.THEMATIQUES
    )
    age = forms.IntegerField(label="Âge de la personne", required=False, min_value=0, max_value=120)
    place = forms.ModelChoiceField(
        label="Quartier (QPV ou PAC)",
        required=False,
        queryset=Territory.objects.none(),
        empty_label="Aucun",
    )
    lat = forms.FloatField(label="Latitude", required=False, min_value=41.0, max_value=51.5)
    lon = forms.FloatField(label="Longitude", required=False, min_value=-5.5, max_value=10.0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Territory.objects.filter(
            kind__in=[Kind.QPV, Kind.PAC]
        ).order_by("name")

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError("Indiquez la latitude et la longitude, ou aucune des deux.")
        return data
