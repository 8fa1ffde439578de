from django import forms

from .models import ActionLead, Ambition, Enjeu, GovernanceBody, LocalEnjeu, Objective


class PartnersField(forms.CharField):
    """A list of partner names, typed one per line."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class EnjeuForm(forms.ModelForm):
    partners = PartnersField(
        label="Partenaires", required=False, help_text="Un partenaire par ligne."
    )

    class Meta:
        model = Enjeu
        fields = ["title", "partners", "npru_focus"]


class LocalEnjeuForm(forms.ModelForm):
    class Meta:
        model = LocalEnjeu
        fields = ["title", "note"]


class AmbitionForm(forms.ModelForm):
    class Meta:
        model = Ambition
        fields = ["text", "detail", "context"]


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["text", "is_local_priority"]
        help_texts = {
            "is_local_priority": "Objectif sélectionné comme prioritaire pour la commune.",
        }


class ActionLeadForm(forms.ModelForm):
    class Meta:
        model = ActionLead
        fields = ["kind", "text"]


class GovernanceBodyForm(forms.ModelForm):
    class Meta:
        model = GovernanceBody
        fields = ["name", "role", "description"]


# URL slug -> (model, form): the kinds of element coordinators edit in the tree.
EDITABLE = {
    "enjeu": (Enjeu, EnjeuForm),
    "volet-enjeu": (LocalEnjeu, LocalEnjeuForm),
    "ambition": (Ambition, AmbitionForm),
    "objectif": (Objective, ObjectiveForm),
    "piste": (ActionLead, ActionLeadForm),
    "gouvernance": (GovernanceBody, GovernanceBodyForm),
}


class VoletUploadForm(forms.Form):
    """The file of a volet communal (format of docs/volet-communal.md)."""

    file = forms.FileField(
        label="Fichier du volet communal (YAML ou JSON)",
        help_text="Format décrit dans la documentation « Format d'un volet communal » ; "
        "2 Mo au plus. Tout ou rien : au moindre problème, rien n'est enregistré.",
    )


class VoletForm(forms.Form):
    """A volet communal entered in the tool: its commune, its name and the enjeux of the
    contract it declines (ambitions, objectifs and pistes are added on the enjeu pages)."""

    commune = forms.ModelChoiceField(label="Commune", queryset=None)
    name = forms.CharField(label="Nom du volet", max_length=255)
    adopted = forms.CharField(
        label="Adoption", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Délibération, date du conseil municipal.",
    )  # fmt: skip
    enjeux = forms.ModelMultipleChoiceField(
        label="Enjeux du contrat déclinés", queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, contract, communes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        self.fields["enjeux"].queryset = contract.enjeux.order_by("number")
        self.fields["enjeux"].label_from_instance = lambda e: f"Enjeu {e.number} : {e.title}"
