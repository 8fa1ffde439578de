from django import forms
from django.core.exceptions import ValidationError

from cdvs.accounts.permissions import (
    ADMIN,
    Visibility,
    can_view,
    role_of,
    visible_levels,
)
from cdvs.contract.models import Enjeu
from cdvs.core.french import file_size
from cdvs.core.markup import html_tags
from cdvs.directory.models import Organisation
from cdvs.territories.forms import territory_field
from cdvs.territories.models import Territory

from .files import ACCEPT_ATTRIBUTE, ACCEPTED_LABEL, check_upload, max_size, sha256_of
from .models import Document, News, meeting_series

VISIBILITY_HELP = (
    "Public : tout le monde, sans compte. Partenaires : les personnes connectées membres "
    "d'une organisation partenaire. Coordination : les services Politique de la Ville."
)


def _visibility_choices(user):
    levels = visible_levels(user)
    return [(v, label) for v, label in Visibility.choices if v in levels]


def organisations_of(user):
    if role_of(user) == ADMIN:
        return Organisation.objects.order_by("name")
    return Organisation.objects.filter(memberships__user=user).distinct().order_by("name")


class TaggedForm(forms.ModelForm):
    """Visibility limited to what the author may see; tags from the contract."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["visibility"].choices = _visibility_choices(user)
        self.fields["visibility"].help_text = VISIBILITY_HELP
        self.fields["enjeux"].queryset = Enjeu.objects.order_by("number")
        self.fields["enjeux"].widget = forms.CheckboxSelectMultiple()
        self.fields["enjeux"].widget.choices = self.fields["enjeux"].choices
        self.fields["enjeux"].label_from_instance = lambda e: f"Enjeu {e.number} : {e.title}"
        territory_field(self.fields["territories"], Territory.objects.all())
        self.fields["territories"].help_text = (
            "Les communes, quartiers prioritaires ou périmètres concernés (plusieurs choix "
            "possibles avec Ctrl ou Maj)."
        )
        organisations = self.fields["organisation"]
        organisations.queryset = organisations_of(user)
        organisations.help_text = "L'organisation au nom de laquelle vous publiez."
        if self.instance.pk is None and not self.is_bound:
            first = organisations.queryset.first() if role_of(user) != ADMIN else None
            if first is not None:
                self.initial.setdefault("organisation", first.pk)

    def clean_visibility(self):
        value = self.cleaned_data["visibility"]
        if not can_view(self.user, value):
            raise ValidationError(
                "Vous ne pouvez pas choisir une visibilité plus large que la vôtre."
            )
        return value


class UploadField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Fichier")
        kwargs.setdefault(
            "help_text",
            f"{ACCEPTED_LABEL}, {file_size(max_size())} au plus. Le type est vérifié "
            "d'après le contenu du fichier.",
        )
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ACCEPT_ATTRIBUTE


class _FileChecked:
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return upload
        self.checked_type = check_upload(upload)
        self.sha256 = sha256_of(upload)
        return upload


class DocumentForm(_FileChecked, TaggedForm):
    file = UploadField()

    class Meta:
        model = Document
        fields = [
            "title",
            "file",
            "description",
            "visibility",
            "organisation",
            "series",
            "enjeux",
            "territories",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = (
            meeting_series().objects.visible_to(self.user).order_by("position", "name")
        )
        self.fields["series"].help_text = "L'instance dont relève ce document, s'il y en a une."


class EditDocumentForm(DocumentForm):
    class Meta(DocumentForm.Meta):
        fields = [f for f in DocumentForm.Meta.fields if f != "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("file", None)


class VersionForm(_FileChecked, forms.Form):
    file = UploadField(label="Nouvelle version du fichier")
    comment = forms.CharField(
        label="Ce qui change", max_length=255, required=False, help_text="Facultatif."
    )


class NewsForm(TaggedForm):
    class Meta:
        model = News
        fields = ["title", "body", "visibility", "organisation", "enjeux", "territories"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        help_texts = {
            "body": "Texte court en Markdown : **gras**, *italique*, listes, liens. Le HTML "
            "n'est pas accepté."
        }

    def clean_body(self):
        body = self.cleaned_data["body"]
        tags = html_tags(body)
        if tags:
            raise ValidationError(
                f"Le HTML n'est pas accepté ({', '.join(tags[:3])}) : écrivez en Markdown."
            )
        return body


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision", choices=[("publier", "Publier"), ("refuser", "Refuser")]
    )
    note = forms.CharField(label="Motif (facultatif)", max_length=255, required=False)


class DigestForm(forms.Form):
    active = forms.BooleanField(
        label="Recevoir chaque semaine par courriel les nouvelles actualités", required=False
    )
