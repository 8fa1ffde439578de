import re

from data_inclusion.schema.v1 import Thematique
from django import forms
from django.utils import timezone

from cdvs.accounts import permissions
from cdvs.contract.models import Enjeu
from cdvs.core import filters
from cdvs.core.french import fold
from cdvs.core.geocoding import min_score
from cdvs.core.place_input import PlaceInputForm
from cdvs.core.widgets import fast_selects
from cdvs.territories.forms import territory_field
from cdvs.territories.models import SHORT_KIND_LABELS, Kind, Territory

from . import vocabulary as voc
from .models import (
    WEEKDAYS,
    WEEKS_OF_MONTH,
    Contact,
    ImportKind,
    OpeningException,
    OpeningSlot,
    Organisation,
    OrganisationKind,
    Place,
    Service,
)
from .services import open_filter, with_place_near
from .validators import normalise_siret


def _multi(label, choices):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


def grouped_territory_choices(queryset) -> list[tuple[str, list]]:
    """Territories for a <select multiple>, one <optgroup> per commune (the commune
    first, then its QPV and PAC), the EPCI in their own group; sorted the French way."""
    rows = list(queryset.values_list("pk", "name", "kind", "parent__name"))
    groups: dict[str, list] = {}
    for pk, name, kind, parent_name in rows:
        if kind == Kind.EPCI:
            group = "Intercommunalités"
        elif kind == Kind.COMMUNE:
            group = name
        else:
            group = parent_name or "Autres territoires"
        label = name if kind == Kind.COMMUNE else f"{name} ({SHORT_KIND_LABELS.get(kind, kind)})"
        groups.setdefault(group, []).append((kind != Kind.COMMUNE, fold(name), pk, label))
    ordered = sorted(groups, key=lambda g: (g != "Intercommunalités", fold(g)))
    return [(g, [(pk, label) for _, _, pk, label in sorted(groups[g])]) for g in ordered]


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
            "territories": forms.SelectMultiple(attrs={"size": 12}),
            "enjeux": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        territory_field(self.fields["territories"], Territory.objects.all())
        self.fields["territories"].widget.choices = lambda: grouped_territory_choices(
            Territory.objects.all()
        )
        self.fields["enjeux"].queryset = Enjeu.objects.order_by("number")
        self.fields["enjeux"].label_from_instance = lambda e: f"Enjeu {e.number} : {e.title}"

    def clean_siret(self):
        return normalise_siret(self.cleaned_data.get("siret", ""))

    def clean_rna(self):
        return (self.cleaned_data.get("rna") or "").strip().upper()

    def clean_postcode(self):
        value = (self.cleaned_data.get("postcode") or "").strip()
        if value and not re.fullmatch(r"\d{5}", value):
            raise forms.ValidationError("Le code postal comporte 5 chiffres.", code="postcode")
        return value


class OrganisationCreateForm(OrganisationForm):
    """A coordinator creates one fiche: the fields and checks of the fiche edit, plus
    the territory of attachment (among the coordinator's own), and « Créer quand même »
    once the possible duplicates have been shown."""

    class Meta(OrganisationForm.Meta):
        fields = ["name", "kind", "territory", *OrganisationForm.Meta.fields[2:]]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["territory"]
        qs = Territory.objects.filter(kind__in=[Kind.EPCI, Kind.COMMUNE, Kind.QPV, Kind.PAC])
        if permissions.role_of(user) != permissions.ADMIN:
            qs = qs.filter(pk__in=permissions.coordinated_territory_ids(user))
            field.required = True
            field.empty_label = None
        else:
            field.empty_label = "Aucun (fiche de tout le contrat)"
        territory_field(field, qs)


class ContactForm(forms.ModelForm):
    consent = forms.BooleanField(
        label="La personne a accepté d'apparaître dans l'annuaire des partenaires "
        "(ses coordonnées ne sont jamais publiques).",
        required=True,
        error_messages={"required": "Le consentement de la personne est obligatoire."},
    )

    class Meta:
        model = Contact
        fields = ["name", "role", "email", "phone", "invited_to_instances"]
        labels = {
            "invited_to_instances": "La personne accepte d'être invitée aux instances du "
            "contrat de ville auxquelles son organisation participe"
        }
        error_messages = {"email": {"invalid": "Saisissez une adresse électronique valide."}}

    def clean(self):
        data = super().clean()
        if data.get("invited_to_instances") and not data.get("email"):
            self.add_error(
                "email", "Indiquez une adresse électronique pour que la personne soit invitée."
            )
        return data

    def save(self, commit=True):
        contact = super().save(commit=False)
        contact.consent_at = timezone.now()
        if commit:
            contact.save()
        return contact


def _open_fields(form):
    form.fields["open_weekday"] = forms.TypedChoiceField(
        label="Ouvert le (jour)",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Tous les jours")] + [(n, d.capitalize()) for n, d in WEEKDAYS],
    )
    form.fields["open_date"] = forms.DateField(
        label="Ouvert à la date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": "Date invalide : utilisez le format jj/mm/aaaa."},
        help_text="Jours fériés et fermetures exceptionnelles pris en compte.",
    )


class FilterForm(filters.FilterForm):
    """The filters of the list, the map, the exports and the API: they depend on one
    another (a distance needs its territory), so one wrong value drops them all."""

    strict = True
    lookups = {"kind": "kind", "enjeu": "enjeux"}

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
    proximity = forms.ChoiceField(
        label="Dans ce territoire",
        required=False,
        choices=[
            ("", "les organisations qui y interviennent"),
            ("0", "celles qui y ont un lieu d'accueil"),
            ("500", "celles qui ont un lieu à moins de 500 m"),
            ("1000", "celles qui ont un lieu à moins de 1 km"),
        ],
        help_text="La distance se mesure depuis le périmètre du QPV ou du PAC.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enjeu"].queryset = Enjeu.objects.order_by("number")
        self.fields["enjeu"].label_from_instance = lambda e: f"Enjeu {e.number}"
        territory_field(
            self.fields["territory"],
            Territory.objects.filter(kind__in=[Kind.COMMUNE, Kind.QPV, Kind.PAC]),
        )
        _open_fields(self)
        fast_selects(self)

    def clean(self):
        data = super().clean()
        territory, proximity = data.get("territory"), data.get("proximity")
        if proximity and not territory:
            self.add_error("territory", "Choisissez le territoire autour duquel chercher.")
        elif proximity and territory.kind == Kind.COMMUNE:
            if proximity != "0":
                self.add_error(
                    "proximity",
                    "La recherche à proximité vaut pour un QPV ou un PAC ; pour une commune, "
                    "cherchez les organisations qui y ont un lieu.",
                )
        elif proximity and not territory.has_perimeter:
            self.add_error(
                "proximity",
                f"Le périmètre de {territory.name} n'est pas encore chargé : on ne peut pas "
                "savoir quels lieux s'y trouvent. Cherchez les organisations qui y interviennent.",
            )
        return data

    def apply(self, queryset, values):
        queryset = super().apply(queryset, values)
        if values.get("territory"):
            proximity = values.get("proximity") or ""
            if proximity:
                ids = with_place_near(values["territory"], int(proximity))
                queryset = queryset.filter(pk__in=ids)
            else:
                queryset = queryset.serving(values["territory"])
        return open_filter(queryset, values)

    def filter_q(self, queryset, words):
        return queryset.search(words)

    def filter_public(self, queryset, public):
        return queryset.with_public(public)

    def filter_thematique(self, queryset, thematique):
        return queryset.with_thematique(thematique)

    def filter_age(self, queryset, age):
        return queryset.for_age(age)


class HelpForm(PlaceInputForm):
    """« Qui peut aider ? » : a need, an age, and where the person is (an address or
    « ma position », core.place_input) or a neighbourhood."""

    place_label = "Adresse (pour voir les plus proches)"

    need = forms.CharField(
        label="Besoin (quelques mots)", required=False, max_length=200,
        help_text="Par exemple : soutien scolaire, aide aux devoirs, logement, emploi des jeunes.",
    )  # fmt: skip
    thematique = forms.ChoiceField(
        label="Thématique", required=False, choices=[("", "Toutes")] + voc.THEMATIQUES
    )
    age = forms.IntegerField(label="Âge de la personne", required=False, min_value=0, max_value=120)
    place = forms.ModelChoiceField(
        label="Ou un quartier (QPV ou PAC)",
        required=False,
        queryset=Territory.objects.none(),
        empty_label="Aucun",
    )

    field_order = ["need", "thematique", "age", "adresse", "lat", "lon", "place"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        neighbourhoods = Territory.objects.filter(kind__in=[Kind.QPV, Kind.PAC])
        territory_field(self.fields["place"], neighbourhoods)
        self.fields["place"].widget.choices = lambda: (
            [("", "Aucun")] + neighbourhood_choices(neighbourhoods)
        )
        _open_fields(self)
        fast_selects(self)


def neighbourhood_choices(queryset) -> list[tuple[int, str]]:
    """Each QPV / PAC named with its kind and commune: « Route Nationale (QPV,
    Armentières) », sorted by commune then name."""
    rows = queryset.values_list("pk", "name", "kind", "parent__name")
    labelled = [
        (pk, f"{name} ({'QPV' if kind == Kind.QPV else 'PAC'}, {commune})" if commune
         else f"{name} ({'QPV' if kind == Kind.QPV else 'PAC'})", fold(commune or ""), fold(name))
        for pk, name, kind, commune in rows
    ]  # fmt: skip
    labelled.sort(key=lambda row: (row[2], row[3]))
    return [(pk, label) for pk, label, _, _ in labelled]


class PlaceForm(forms.ModelForm):
    """A place: its address (geocoded on request), or coordinates typed or picked on
    the map. The BAN's answer travels in hidden fields until the place is saved; a
    point moved by hand afterwards is a human's choice (no score, nothing to check)."""

    lat = forms.FloatField(
        label="Latitude",
        required=False,
        localize=True,
        help_text="En degrés décimaux, par exemple 50,6886.",
    )
    lon = forms.FloatField(
        label="Longitude",
        required=False,
        localize=True,
        help_text="En degrés décimaux, par exemple 2,8816.",
    )
    geocoding_label = forms.CharField(required=False, widget=forms.HiddenInput)
    geocoding_score = forms.FloatField(required=False, widget=forms.HiddenInput)
    citycode = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)
    geocoded_point = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Place
        fields = ["name", "address", "postcode", "city", "lat", "lon", "citycode",
                  "geocoding_label", "geocoding_score"]  # fmt: skip

    def clean_postcode(self):
        value = (self.cleaned_data.get("postcode") or "").strip()
        if value and not re.fullmatch(r"\d{5}", value):
            raise forms.ValidationError("Le code postal comporte 5 chiffres.", code="postcode")
        return value

    def clean(self):
        data = super().clean()
        lat, lon = data.get("lat"), data.get("lon")
        point = f"{lat:.6f},{lon:.6f}" if lat is not None and lon is not None else ""
        if data.get("geocoding_score") is None or point != (data.get("geocoded_point") or ""):
            # typed or picked by a person: no score to trust or doubt
            data["geocoding_score"] = None
            data["geocoding_label"] = ""
            if point != (data.get("geocoded_point") or ""):
                data["citycode"] = ""
        return data

    def save(self, commit=True):
        place = super().save(commit=False)
        score = self.cleaned_data.get("geocoding_score")
        place.needs_review = score is not None and score < min_score()
        if commit:
            place.save()
        return place


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type de fichier", choices=ImportKind.choices, widget=forms.RadioSelect,
        initial=ImportKind.TABLE,
    )  # fmt: skip
    file = forms.FileField(
        label="Fichier",
        help_text="CSV (UTF-8 ou Windows-1252), ODS ou XLSX ; ou JSON data·inclusion. "
        "La première ligne d'un tableur donne les noms des colonnes.",
    )
    territory = forms.ModelChoiceField(
        label="Territoire de rattachement des nouvelles fiches",
        queryset=Territory.objects.none(),
        required=False,
        empty_label="Aucun (fiche de tout le contrat)",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

        qs = Territory.objects.filter(kind__in=[Kind.EPCI, Kind.COMMUNE, Kind.QPV, Kind.PAC])
        if permissions.role_of(user) != permissions.ADMIN:
            qs = qs.filter(pk__in=permissions.coordinated_territory_ids(user))
            self.fields["territory"].required = True
            self.fields["territory"].empty_label = None
        territory_field(self.fields["territory"], qs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("Le fichier dépasse 20 Mo : découpez-le.")
        return upload

    def clean(self):
        data = super().clean()
        upload, kind = data.get("file"), data.get("kind")
        if upload and kind:
            ext = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
            if kind == ImportKind.DATA_INCLUSION and ext != "json":
                self.add_error("file", "Un fichier data·inclusion est un fichier .json.")
            if kind == ImportKind.TABLE and ext not in ("csv", "txt", "ods", "xlsx"):
                self.add_error(
                    "file",
                    f"Format non pris en charge (« .{ext} ») : déposez un fichier CSV, ODS "
                    "ou XLSX.",
                )
        return data


class MappingForm(forms.Form):
    """For each column of the directory, the column of the file that feeds it."""

    def __init__(self, *args, headers, columns, initial_mapping, samples=(), **kwargs):
        super().__init__(*args, **kwargs)
        samples = list(samples) + [""] * len(headers)

        def option(i, header):
            label = header or f"Colonne {i + 1}"
            example = " ".join(samples[i].split())
            if example:
                label += f" (ex. : {example[:40]}{'…' if len(example) > 40 else ''})"
            return str(i), label

        choices = [("", "— Ignorer —")] + [option(i, h) for i, h in enumerate(headers)]
        self.columns = columns
        for column in columns:
            index = initial_mapping.get(column.key)
            self.fields[column.key] = forms.ChoiceField(
                label=column.label + (" (obligatoire)" if column.required else ""),
                choices=choices,
                required=column.required,
                initial="" if index is None else str(index),
                help_text=column.help,
                error_messages={
                    "required": f"Associez une colonne du fichier à « {column.label} »."
                },
            )

    def clean(self):
        data = super().clean()
        used = {}
        for key, value in data.items():
            if value in ("", None):
                continue
            if value in used:
                raise forms.ValidationError(
                    "Une même colonne du fichier ne peut alimenter deux champs "
                    f"(« {self.fields[used[value]].label} » et « {self.fields[key].label} »)."
                )
            used[value] = key
        return data

    def mapping(self) -> dict:
        return {k: (int(v) if v not in ("", None) else None) for k, v in self.cleaned_data.items()}


# ------------------------------------------------------------------ opening hours

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class OpeningSlotForm(forms.ModelForm):
    week_list = forms.TypedMultipleChoiceField(
        label="Seulement certaines semaines du mois",
        required=False,
        coerce=int,
        choices=WEEKS_OF_MONTH,
        widget=forms.CheckboxSelectMultiple,
        help_text="Aucune case cochée : toutes les semaines.",
    )

    class Meta:
        model = OpeningSlot
        fields = ["weekday", "start", "end", "valid_from", "valid_until", "note"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "valid_from": DATE_INPUT,
            "valid_until": DATE_INPUT,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("valid_from", "valid_until"):
            self.fields[name].input_formats = DATE_FORMATS
        self.fields["start"].error_messages["required"] = "Indiquez l'heure de début."
        self.fields["end"].error_messages["required"] = "Indiquez l'heure de fin."
        self.fields["weekday"].error_messages["required"] = "Choisissez le jour."
        if self.instance.pk:
            self.initial["week_list"] = self.instance.week_numbers

    def clean(self):
        data = super().clean()
        self.instance.weeks = "".join(str(n) for n in sorted(data.get("week_list") or []))
        return data


class OpeningExceptionForm(forms.ModelForm):
    class Meta:
        model = OpeningException
        fields = ["date", "closed", "start", "end", "note"]
        widgets = {
            "date": DATE_INPUT,
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].input_formats = DATE_FORMATS
        self.fields["date"].error_messages["required"] = "Indiquez la date."


SlotFormSet = forms.modelformset_factory(
    OpeningSlot, form=OpeningSlotForm, extra=1, can_delete=True, max_num=30
)
ExceptionFormSet = forms.modelformset_factory(
    OpeningException, form=OpeningExceptionForm, extra=1, can_delete=True, max_num=60
)


def week_formset(data, queryset, prefix="slots"):
    """The slots of a whole week on one page: the existing slots, one empty row for
    each weekday that has none (its day already chosen) and one spare row; an empty
    row is never saved, so the number of rows does not grow from one save to the next.
    `formset.week` lists the forms in weekday order."""
    used = set(queryset.values_list("weekday", flat=True))
    missing = [day for day, _ in WEEKDAYS if day not in used]
    formset_class = forms.modelformset_factory(
        OpeningSlot,
        form=OpeningSlotForm,
        extra=len(missing) + 1,
        can_delete=True,
        max_num=30,
    )
    formset = formset_class(
        data,
        queryset=queryset.order_by("weekday", "start"),
        prefix=prefix,
        initial=[{"weekday": day} for day in missing],
    )
    spare = 8  # after Sunday

    def day_of(form):
        if form.instance.pk:
            return form.instance.weekday
        value = form.initial.get("weekday")
        return spare if value is None else value

    for form in formset.forms:
        if not form.instance.pk and form.initial.get("weekday") is not None:
            form.empty_day = dict(WEEKDAYS)[form.initial["weekday"]]
    formset.week = sorted(formset.forms, key=lambda f: (day_of(f), f.instance.pk is None))
    return formset


class PlaceHoursForm(forms.ModelForm):
    class Meta:
        model = Place
        fields = ["open_on_public_holidays"]


# ------------------------------------------------------------------ services


def _service_thematiques():
    """data·inclusion's thématiques (categories and sub-thématiques) in French, then
    our own additions not in that vocabulary."""
    choices = [(t.value, t.label) for t in Thematique]
    known = {c for c, _ in choices}
    return choices + [(c, label) for c, label in voc.THEMATIQUES if c not in known]


class ServiceForm(forms.ModelForm):
    thematiques = forms.MultipleChoiceField(
        label="Thématiques",
        required=False,
        choices=(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    publics = _multi("Publics", voc.PUBLICS)

    class Meta:
        model = Service
        fields = ["name", "description", "place", "thematiques", "publics"]
        error_messages = {"name": {"required": "Indiquez le nom du service."}}

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["thematiques"].choices = _service_thematiques()
        self.fields["place"].queryset = Place.objects.filter(organisation=organisation)
        self.fields["place"].empty_label = "Aucun lieu en particulier"
