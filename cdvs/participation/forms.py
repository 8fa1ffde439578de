from django import forms

from cdvs.core.bounds import BoundedIntegerField, IdField
from cdvs.core.place_input import MY_POSITION, PlaceInputForm
from cdvs.core.widgets import FastSelect
from cdvs.directory.models import Organisation
from cdvs.meetings.models import MeetingSeries
from cdvs.territories.forms import MAX_UPLOAD_BYTES, territory_field
from cdvs.territories.models import Territory

from .models import (
    AttendanceRequest,
    Campaign,
    Council,
    Idea,
    Residence,
    Status,
    SupportAction,
    allowed_transitions,
)

DATE = {"type": "date"}


def _date(**kwargs):
    return forms.DateInput(attrs=DATE, format="%Y-%m-%d", **kwargs)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "territory", "name", "description", "deposit_opens_on", "deposit_closes_on",
            "vote_opens_on", "vote_closes_on", "ends_on",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            **{
                name: _date()
                for name in (
                    "deposit_opens_on",
                    "deposit_closes_on",
                    "vote_opens_on",
                    "vote_closes_on",
                    "ends_on",
                )
            },  # fmt: skip
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        territory_field(
            self.fields["territory"], Territory.objects.filter(kind__in=["commune", "epci"])
        )
        self.fields["ends_on"].widget.attrs["aria-describedby"] = "id_ends_on_helptext"


class SupportForm(forms.ModelForm):
    class Meta:
        model = SupportAction
        fields = ["kind", "organisation", "territory", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "organisation": FastSelect}

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.campaign = campaign
        self.fields["organisation"].queryset = Organisation.objects.only("pk", "name")
        self.fields["organisation"].widget.choices = lambda: (
            [("", "— Aucune —")]
            + list(Organisation.objects.order_by("name").values_list("pk", "name"))
        )
        territory_field(self.fields["territory"], Territory.objects.filter(kind__in=["qpv", "pac"]))


def _helpers(campaign):
    """The structures that help residents deposit (those with a support action), and
    the others of the campaign's territory when there are only a few."""
    ids = campaign.supports.exclude(organisation=None).values("organisation_id")
    return [("", "— Personne, ou une autre structure —")] + list(
        Organisation.objects.filter(pk__in=ids).order_by("name").values_list("pk", "name")
    )


class IdeaForm(PlaceInputForm, forms.ModelForm):
    """The public deposit form (and the coordination's entry, with `public=False`); its
    place: « Adresse ou ma position » (core.place_input)."""

    place_required = True
    place_label = "Lieu de l'idée (adresse)"

    # honeypot: hidden from people, filled by robots
    site_web = forms.CharField(label="Ne pas remplir ce champ", required=False)

    class Meta:
        model = Idea
        fields = ["title", "text", "carriers_residence", "helped_by", "email"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 6}),
            "carriers_residence": forms.RadioSelect,
        }
        labels = {"title": "Titre de votre idée", "text": "Décrivez votre idée"}
        help_texts = {
            "text": "Texte simple : le code HTML n'est pas accepté.",
            "email": "Pour confirmer votre idée et la suivre. Elle n'est jamais publiée, "
            "et elle est effacée à la fin de la campagne.",
            "carriers_residence": "Vous pouvez ne pas répondre. Votre adresse n'est pas demandée.",
        }

    def __init__(self, *args, campaign, public=True, edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.campaign = campaign
        self.fields["carriers_residence"].label = "Vous et les personnes qui portent l'idée habitez"
        self.fields["carriers_residence"].choices = [
            (v, label) for v, label in Residence.choices if v
        ] + [("", "Je préfère ne pas le dire")]
        helped = self.fields["helped_by"]
        helped.queryset = Organisation.objects.only("pk", "name")
        helped.widget = forms.Select(choices=_helpers(campaign))
        if public and not edit:
            self.fields["email"].required = True
            self.fields["email"].label = "Votre adresse électronique"
        else:
            del self.fields["email"]
        if not public or edit:
            del self.fields["site_web"]
        if self.instance.pk and not self.is_bound:
            self.initial.update(
                adresse=self.instance.address, lat=self.instance.lat, lon=self.instance.lon
            )
        self.order_fields(["title", "text", "adresse", "lat", "lon"])
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs.setdefault("aria-describedby", f"id_{name}_helptext")

    def apply_place(self) -> None:
        """The idea's place from « Adresse ou ma position »: a position keeps no address
        (unless it is the idea's own place, sent back unchanged)."""
        point, idea = self.cleaned_data["point"], self.instance
        if point.label == MY_POSITION:
            unchanged = idea.pk and (idea.lat, idea.lon) == (point.lat, point.lon)
            idea.address = idea.address if unchanged else ""
        else:
            idea.address = point.label
        idea.lat, idea.lon = point.lat, point.lon

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("site_web"))


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label="Nouveau statut")
    on = forms.DateField(label="Date du changement", widget=_date())
    reason = forms.CharField(
        label="Motif",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour une idée non recevable.",
    )

    def __init__(self, *args, idea, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [
            (s.value, s.label) for s in allowed_transitions(idea.status)
        ]
        self.fields["reason"].widget.attrs["aria-describedby"] = "id_reason_helptext"

    def clean(self):
        data = super().clean()
        if data.get("to_status") == Status.INADMISSIBLE and not (data.get("reason") or "").strip():
            self.add_error("reason", "Indiquez pourquoi l'idée n'est pas recevable.")
        return data


class VoteRowForm(forms.Form):
    """One row of the vote results: the idea's number, its votes, lauréate or not."""

    idea = IdField(label="Idée n°")
    votes = BoundedIntegerField(label="Voix", min_value=0, required=False)
    laureate = forms.TypedChoiceField(
        label="Lauréate",
        choices=[("oui", "oui"), ("non", "non"), ("", "")],
        coerce=lambda v: v == "oui",
        required=False,
        empty_value=False,
    )


class VoteImportForm(forms.Form):
    file = forms.FileField(
        label="Résultats du vote (CSV, ODS ou XLSX)",
        help_text="Colonnes : « Idée n° », « Voix », « Lauréate » (oui ou non).",
    )


class CouncilForm(forms.ModelForm):
    """A council; its perimeter comes from the map (which writes GeoJSON into
    `geometry_text`), from that text typed or pasted, or from a GeoJSON file (which
    wins when both are given). Without JavaScript, the text and the file remain."""

    geometry_text = forms.CharField(
        label="Périmètre (GeoJSON, WGS84)",
        required=False,
        max_length=1_000_000,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 6, "spellcheck": "false", "class": "code", "id": "draw-geojson"}
        ),
        help_text="Tracé sur la carte, ou collé depuis votre SIG : un polygone en "
        "longitude, latitude. Videz le champ pour retirer le périmètre.",
    )
    geojson = forms.FileField(
        label="Ou un fichier GeoJSON (WGS84)",
        required=False,
        help_text="Exporté de votre SIG, 5 Mo au plus ; il remplace le texte ci-dessus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}),
    )

    feeds_into = forms.ModelChoiceField(
        label="Ses remontées vont vers",
        queryset=MeetingSeries.objects.none(),
        required=False,
        help_text="La réunion des acteurs locaux, pour les quartiers en grande partie en QPV "
        "ou en PAC : les points non confidentiels y remontent.",
    )

    class Meta:
        model = Council
        fields = ["commune", "name", "series"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        territory_field(self.fields["commune"], Territory.objects.filter(kind="commune"))
        self.fields["series"].queryset = MeetingSeries.objects.all()
        self.fields["feeds_into"].queryset = MeetingSeries.objects.all()
        series = self.instance.series if self.instance.series_id else None
        if series is not None and not self.is_bound:
            self.initial["feeds_into"] = series.feeds_into_id
        if not self.is_bound:
            self.initial["geometry_text"] = self.instance.geometry
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs.setdefault("aria-describedby", f"id_{name}_helptext")

    def clean_geojson(self):
        upload = self.cleaned_data.get("geojson")
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Le fichier dépasse 5 Mo.")
        return upload

    def perimeter(self) -> str | bytes | None:
        """What to check and store as the perimeter: the file, else the text when it
        changed (None: keep the stored one)."""
        upload = self.cleaned_data.get("geojson")
        if upload:
            return upload.read()
        text = self.cleaned_data.get("geometry_text") or ""
        if text.strip() == (self.instance.geometry or "").strip():
            return None
        return text


class AttendanceRequestForm(forms.ModelForm):
    site_web = forms.CharField(label="Ne pas remplir ce champ", required=False)

    class Meta:
        model = AttendanceRequest
        fields = ["name", "email", "project"]
        widgets = {"project": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "email": "Pour vous envoyer l'invitation. Elle n'est jamais publiée.",
            "project": "Quelques lignes : ce que vous voulez faire, avec qui, où.",
        }

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.meeting = meeting
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs.setdefault("aria-describedby", f"id_{name}_helptext")


class HelpersForm(forms.Form):
    helpers = forms.ModelMultipleChoiceField(
        label="Qui peut aider ?", queryset=Organisation.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["helpers"].queryset = Organisation.objects.only("pk", "name").order_by("name")


class NearForm(PlaceInputForm):
    """« Près de chez moi » : an address or the device's position."""

    place_required = True
    place_label = "Votre adresse"
