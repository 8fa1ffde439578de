"""The filters of the list of actions, shared by the page and its exports."""

from django import forms

from cdvs.contract.models import Enjeu
from cdvs.core.bounds import IdField
from cdvs.core.filters import FilterForm, WordsField
from cdvs.core.widgets import FastSelect
from cdvs.directory.models import Organisation
from cdvs.territories.models import Territory

from .models import Achievement, Action, Engagement, Partner, Status


def enjeu_choices() -> list:
    """The options of an enjeu filter (a callable: read when the page renders the form)."""
    return [("", "Tous les enjeux")] + [
        (e.pk, f"Enjeu {e.number} : {e.title}")
        for e in Enjeu.objects.only("pk", "number", "title").order_by("contract_id", "number")
    ]


class ActionFilters(FilterForm):
    q = WordsField(100, label="Mots de l'intitulé")
    enjeu = IdField(label="Enjeu", widget=FastSelect, as_choice=True)
    territoire = IdField(label="Territoire", widget=FastSelect, as_choice=True)
    statut = forms.ChoiceField(
        label="Statut", choices=[("", "Tous")] + Status.choices, required=False, widget=FastSelect
    )
    porteur = IdField(label="Porteur", widget=FastSelect, as_choice=True)
    lookups = {"statut": "status", "porteur": "porteur_id"}

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # callables: the options are read when the page renders the form
        self.fields["enjeu"].widget.choices = enjeu_choices
        self.fields["territoire"].widget.choices = lambda: [
            ("", "Tous les territoires"),
            *Territory.objects.choices(with_kind=True),
        ]
        self.fields["porteur"].widget.choices = lambda: (
            [("", "Tous les porteurs")]
            + list(
                Organisation.objects.filter(pk__in=Action.objects.values("porteur_id"))
                .order_by("name")
                .values_list("pk", "name")
            )
        )

    def filter_q(self, queryset, words):
        return queryset.filter(title__icontains=words)

    def filter_enjeu(self, queryset, enjeu_id):
        through = Action.objectives.through.objects.filter(objective__enjeu_id=enjeu_id)
        return queryset.filter(pk__in=through.values("action_id"))

    def filter_territoire(self, queryset, territory_id):
        """Actions in the territory or anywhere inside it (its QPV and PAC)."""
        ids = {territory_id} | Territory.objects.descendants({territory_id})
        through = Action.territories.through.objects.filter(territory_id__in=ids)
        return queryset.filter(pk__in=through.values("action_id"))


class EngagementFilters(FilterForm):
    q = WordsField(100, label="Mots de l'engagement")
    partenaire = forms.ChoiceField(
        label="Partenaire", choices=[("", "Tous")] + Partner.choices, required=False,
        widget=FastSelect,
    )  # fmt: skip
    enjeu = IdField(label="Enjeu", widget=FastSelect, as_choice=True)
    etat = forms.ChoiceField(
        label="État de réalisation", choices=[("", "Tous")] + Achievement.choices,
        required=False, widget=FastSelect,
    )  # fmt: skip
    lookups = {"partenaire": "partner", "etat": "state"}

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["enjeu"].widget.choices = enjeu_choices

    def filter_q(self, queryset, words):
        return queryset.filter(text__icontains=words)

    def filter_enjeu(self, queryset, enjeu_id):
        through = Engagement.enjeux.through.objects.filter(enjeu_id=enjeu_id)
        return queryset.filter(pk__in=through.values("engagement_id"))
