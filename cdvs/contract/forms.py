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
