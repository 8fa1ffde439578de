from django import forms

from cdvs.contract.models import Contract, Objective
from cdvs.core.french import sorted_choices
from cdvs.core.widgets import FastSelect
from cdvs.directory import vocabulary as voc
from cdvs.directory.models import Organisation
from cdvs.territories.forms import territory_field
from cdvs.territories.models import Territory

from .models import Action, FundingLine, Status, allowed_transitions

DATE = {"type": "date"}


def _organisations():
    return sorted_choices([("", "— Choisir —"), *Organisation.objects.values_list("pk", "name")])


class ActionForm(forms.ModelForm):
    """An action; `lead` prefills a new one from a piste d'action or action existante.
    `full=False` (the porteur's people): neither porteur nor commune may change."""

    publics = forms.MultipleChoiceField(
        label="Publics",
        choices=voc.PUBLICS,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Action
        fields = [
            "contract", "title", "description", "porteur", "partners", "objectives", "commune",
            "territories", "publics", "age_min", "age_max", "starts_on", "ends_on",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "starts_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "porteur": FastSelect,
            "partners": forms.SelectMultiple(attrs={"size": 6}),
            "objectives": forms.SelectMultiple(attrs={"size": 8}),
            "territories": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, lead=None, full=True, **kwargs):
        super().__init__(*args, **kwargs)
        if lead is not None:
            self.instance.lead = lead
        self.fields["porteur"].queryset = Organisation.objects.only("pk", "name")
        self.fields["porteur"].widget.choices = _organisations
        self.fields["partners"].queryset = Organisation.objects.only("pk", "name").order_by("name")
        self.fields["objectives"].queryset = Objective.objects.select_related("enjeu").order_by(
            "enjeu__number", "position", "pk"
        )
        self.fields["objectives"].label_from_instance = lambda o: (
            f"Enjeu {o.enjeu.number} — {o.text}"
        )
        self.fields["contract"].queryset = Contract.objects.all()
        territory_field(self.fields["territories"], Territory.objects.all(), with_kind=True)
        self.fields["commune"].empty_label = "— Toute la métropole —"
        territory_field(self.fields["commune"], Territory.objects.filter(kind="commune"))
        if lead is not None and not self.is_bound:
            objective = lead.objective
            self.initial.update(
                title=lead.text[:255],
                objectives=[objective.pk],
                contract=objective.enjeu.contract_id,
            )
            territory = objective.scope_territory()
            if territory is not None and territory.kind == "commune":
                self.initial["commune"] = territory.pk
        contracts = list(Contract.objects.values_list("pk", flat=True)[:2])
        if len(contracts) == 1:
            self.initial.setdefault("contract", contracts[0])
        if not full:
            for name in ("porteur", "commune", "contract"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        contract = data.get("contract") or getattr(self.instance, "contract", None)
        for objective in data.get("objectives") or []:
            if contract is not None and objective.enjeu.contract_id != contract.pk:
                self.add_error("objectives", "Choisissez des objectifs de ce contrat.")
                break
        return data


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label="Nouveau statut")
    on = forms.DateField(
        label="Date du changement", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    reason = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [
            (s.value, s.label) for s in allowed_transitions(action.status)
        ]

    @staticmethod
    def label(status) -> str:
        return Status(status).label


class FundingLineForm(forms.ModelForm):
    class Meta:
        model = FundingLine
        fields = [
            "year", "funder_kind", "funder_name", "nature", "requested", "proposed", "granted",
            "paid", "granted_reason", "decided_on", "decision_reference",
        ]  # fmt: skip
        widgets = {
            "decided_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "granted_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.action = action
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs.setdefault("aria-describedby", f"id_{name}_helptext")
