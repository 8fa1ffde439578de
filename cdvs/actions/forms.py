from django import forms

from cdvs.accounts.models import User
from cdvs.contract.models import Contract, Enjeu, Objective
from cdvs.core.bounds import BoundedIntegerField
from cdvs.core.french import sorted_choices
from cdvs.core.widgets import FastSelect
from cdvs.directory import vocabulary as voc
from cdvs.directory.models import Contact, Organisation
from cdvs.meetings.models import Meeting
from cdvs.territories.forms import territory_field
from cdvs.territories.models import Territory

from . import cerfa
from .models import (
    CO_INSTRUCTION_SERIES,
    TEXT_MAX,
    Action,
    Convention,
    ConventionYear,
    Engagement,
    EngagementReview,
    Flagship,
    FunderKind,
    FundingLine,
    Milestone,
    Nature,
    Opinion,
    Status,
    allowed_transitions,
    series_key_q,
)

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


def _money_field(label, required=False):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages={"min_value": "Un montant ne peut pas être négatif."},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 12}),
    )


class BudgetForm(forms.Form):
    """The CERFA 12156 budget of an action for a year: one amount per heading (empty:
    zero). The balance is checked by `services.save_budget`."""

    def __init__(self, *args, amounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        for code, _side, label, _kinds in cerfa.HEADINGS:
            self.fields[f"h_{code}"] = _money_field(f"{label} (€)")
            if amounts and code in amounts:
                self.initial[f"h_{code}"] = amounts[code]

    def fields_of(self, side):
        return [self[f"h_{code}"] for code, s, *_ in cerfa.HEADINGS if s == side]

    def charges(self):
        return self.fields_of(cerfa.CHARGE)

    def produits(self):
        return self.fields_of(cerfa.PRODUIT)

    def amounts(self) -> dict:
        return {code: self.cleaned_data.get(f"h_{code}") for code in cerfa.CODES}


class ProgrammationForm(forms.Form):
    contract = forms.ModelChoiceField(label="Contrat", queryset=Contract.objects.all())
    year = BoundedIntegerField(label="Année", required=True, min_value=1990, max_value=2100)
    commune = forms.ModelChoiceField(
        label="Commune", queryset=Territory.objects.none(), required=False,
        empty_label="— Tout le contrat —",
    )  # fmt: skip
    opens_on = forms.DateField(label="Ouverture des dépôts", widget=forms.DateInput(attrs=DATE))
    closes_on = forms.DateField(label="Clôture des dépôts", widget=forms.DateInput(attrs=DATE))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        territory_field(self.fields["commune"], Territory.objects.filter(kind="commune"))
        contracts = list(Contract.objects.values_list("pk", flat=True)[:2])
        if len(contracts) == 1:
            self.initial.setdefault("contract", contracts[0])

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", "La date de clôture doit suivre la date d'ouverture.")
        return data


class RequestLineForm(forms.Form):
    funder_kind = forms.ChoiceField(
        label="Financeur sollicité", choices=[("", "—")] + FunderKind.choices, required=False
    )
    funder_name = forms.CharField(label="Nom du financeur", max_length=255, required=False)
    nature = forms.ChoiceField(label="Nature", choices=Nature.choices, initial=Nature.SPECIFIC)
    requested = _money_field("Montant demandé (€)")

    def clean(self):
        data = super().clean()
        if data.get("funder_kind") and data.get("requested") is None:
            self.add_error("requested", "Indiquez le montant demandé.")
        return data

    def line(self):
        data = self.cleaned_data
        if not data.get("funder_kind"):
            return None
        return {k: data[k] for k in ("funder_kind", "funder_name", "nature", "requested")}


RequestLineFormSet = forms.formset_factory(RequestLineForm, extra=4, max_num=12)


class RequestForm(forms.Form):
    """The request of one of the person's actions to a programmation."""

    action = forms.ModelChoiceField(label="Action", queryset=Action.objects.none())
    dauphin_file = forms.FileField(
        label="Dossier Dauphin (PDF, facultatif)", required=False,
        help_text="Joint, il remplace la saisie du budget dans l'outil.",
    )  # fmt: skip
    dauphin_reference = forms.CharField(
        label="Numéro du dossier Dauphin", max_length=60, required=False
    )

    def __init__(self, *args, actions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = actions if actions is not None else Action.objects.none()
        self.fields["dauphin_file"].widget.attrs["aria-describedby"] = "id_dauphin_file_helptext"


class OpinionForm(forms.ModelForm):
    class Meta:
        model = Opinion
        fields = ["funder_kind", "funder_name", "verdict", "proposed", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}


class DecisionForm(forms.Form):
    """The comité de co-instruction's decision on a request, one block per funding line."""

    decided_on = forms.DateField(label="Date de la décision", widget=forms.DateInput(attrs=DATE))
    meeting = forms.ModelChoiceField(
        label="Réunion du comité de co-instruction", queryset=Meeting.objects.none(),
        required=False, empty_label="— Non précisée —",
    )  # fmt: skip

    def __init__(self, *args, lines, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.fields["meeting"].queryset = Meeting.objects.filter(
            series_key_q(CO_INSTRUCTION_SERIES, "series__"), sort_date__year__in=[year - 1, year]
        ).order_by("sort_date")
        for line in lines:
            who = f"{line.funder_label} (demandé : {line.requested} €)"
            self.fields[f"granted_{line.pk}"] = _money_field(f"Accordé par {who}", required=True)
            self.fields[f"reference_{line.pk}"] = forms.CharField(
                label=f"Référence de la décision — {line.funder_label}", max_length=120,
                required=False,
            )  # fmt: skip
            self.fields[f"reason_{line.pk}"] = forms.CharField(
                label=f"Motif d'un accord supérieur à la demande — {line.funder_label}",
                required=False,
            )

    def decisions(self) -> dict:
        data = self.cleaned_data
        return {
            line: {"granted": data[f"granted_{line.pk}"],
                   "decision_reference": data[f"reference_{line.pk}"],
                   "granted_reason": data[f"reason_{line.pk}"]}
            for line in self.lines
        }  # fmt: skip


ORDINALS = ("1re", "2e", "3e")


class ConventionForm(forms.ModelForm):
    """A CPO with its actions and the amounts of its three years."""

    class Meta:
        model = Convention
        fields = ["contract", "title", "reference", "porteur", "commune", "start_year",
                  "signed_on", "actions"]  # fmt: skip
        widgets = {
            "signed_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "porteur": FastSelect,
            "actions": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["porteur"].queryset = Organisation.objects.only("pk", "name")
        self.fields["porteur"].widget.choices = _organisations
        self.fields["actions"].queryset = Action.objects.select_related("porteur").order_by("title")
        self.fields["actions"].label_from_instance = lambda a: f"{a.title} ({a.porteur.name})"
        self.fields["commune"].empty_label = "— Tout le contrat —"
        territory_field(self.fields["commune"], Territory.objects.filter(kind="commune"))
        existing = {}
        if self.instance.pk:
            existing = {y.year - self.instance.start_year: y.amount
                        for y in self.instance.years.all()}  # fmt: skip
        for i, ordinal in enumerate(ORDINALS):
            self.fields[f"amount_{i}"] = _money_field(f"Montant de la {ordinal} année (€)")
            if i in existing:
                self.initial[f"amount_{i}"] = existing[i]

    def amounts(self) -> dict:
        start = self.cleaned_data["start_year"]
        return {start + i: self.cleaned_data.get(f"amount_{i}") for i in range(len(ORDINALS))}

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items()
                if k in self._meta.fields and k != "actions"}  # fmt: skip


class AvenantForm(forms.ModelForm):
    class Meta:
        model = ConventionYear
        fields = ["amount", "avenant", "signed_on"]
        widgets = {"signed_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d")}


# ---- engagements de droit commun


class EngagementForm(forms.ModelForm):
    class Meta:
        model = Engagement
        fields = ["contract", "partner", "partner_name", "reference", "text", "enjeux", "commune"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 6}),
            "enjeux": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = Contract.objects.all()
        self.fields["enjeux"].queryset = Enjeu.objects.order_by("contract_id", "number")
        self.fields["enjeux"].label_from_instance = lambda e: f"Enjeu {e.number} : {e.title}"
        self.fields["commune"].empty_label = "— Tout le contrat —"
        territory_field(self.fields["commune"], Territory.objects.filter(kind="commune"))
        contracts = list(Contract.objects.values_list("pk", flat=True)[:2])
        if len(contracts) == 1:
            self.initial.setdefault("contract", contracts[0])
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs.setdefault("aria-describedby", f"id_{name}_helptext")

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "enjeux"}


class ReviewForm(forms.ModelForm):
    class Meta:
        model = EngagementReview
        fields = ["on", "state", "comment"]
        widgets = {
            "on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "comment": forms.Textarea(attrs={"rows": 4}),
        }


# ---- projets phares


class FlagshipForm(forms.ModelForm):
    """The action chosen (new projet phare only) and its chef de projet."""

    class Meta:
        model = Flagship
        fields = ["action", "lead_user", "lead_contact", "chosen_on"]
        widgets = {"chosen_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d")}

    def __init__(self, *args, actions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["action"]
        else:
            queryset = actions if actions is not None else Action.objects.all()
            self.fields["action"].queryset = queryset.select_related("porteur").order_by("title")
            self.fields["action"].label_from_instance = lambda a: f"{a.title} ({a.porteur.name})"
        self.fields["lead_user"].queryset = (
            User.objects.filter(is_active=True, memberships__isnull=False)
            .distinct()
            .order_by("last_name", "first_name", "email")
        )
        self.fields["lead_contact"].queryset = Contact.objects.select_related(
            "organisation"
        ).order_by("name")
        self.fields["lead_contact"].label_from_instance = lambda c: (
            f"{c.name} ({c.organisation.name})" if c.organisation_id else c.name
        )
        self.fields["chosen_on"].required = False

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "action"}


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["label", "due_on", "done", "done_on"]
        widgets = {
            "due_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "done_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        }


class StatusReportForm(forms.Form):
    text = forms.CharField(
        label="État d'avancement de l'action", max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )  # fmt: skip
