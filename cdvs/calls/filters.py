"""The filters of the list of calls, shared by the page, its exports, the saved
searches (alerts and calendars) and the API, so that they all answer the same."""

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict

from cdvs.contract.models import Enjeu
from cdvs.core.bounds import IdField
from cdvs.core.filters import FilterForm, WordsField
from cdvs.core.widgets import FastSelect
from cdvs.directory import vocabulary as voc
from cdvs.territories.models import Territory

from .models import CallForProjects, Nature, Status

STATUS_FILTERS = [
    ("", "Ouverts et à venir"),
    ("en_cours", "Ouverts (clôture proche comprise)"),
    (Status.CLOSING_SOON, "Clôture dans les 15 jours"),
    (Status.UPCOMING, "À venir"),
    (Status.CLOSED, "Clos"),
    ("tous", "Tous"),
]

STATUS_VALUES = {"", "tous", "en_cours", *Status.values}
FILTER_KEYS = ("q", "statut", "enjeu", "territoire", "nature", "financeur", "public")


class AnyOf(forms.ChoiceField):
    """A select offering `choices` whose value may also be any text in `accepted` (all
    text when None, cut at 100 characters): saved searches and the API send values the
    select does not offer, and they filter as they always did."""

    def __init__(self, *, accepted=None, **kwargs):
        super().__init__(required=False, widget=FastSelect, **kwargs)
        self.accepted = accepted

    def to_python(self, value):
        return super().to_python(value).strip()[:100]

    def valid_value(self, value):
        return self.accepted is None or value in self.accepted


class CallFilters(FilterForm):
    """The filters of the list (the form of the page too); `today` dates the statuses."""

    q = WordsField(100, label="Mots de l'intitulé ou du financeur")
    statut = AnyOf(label="Statut", choices=STATUS_FILTERS, accepted=STATUS_VALUES)
    enjeu = IdField(label="Enjeu", widget=FastSelect, as_choice=True)
    territoire = IdField(label="Territoire", widget=FastSelect, as_choice=True)
    nature = AnyOf(label="Nature", choices=[("", "Toutes")] + Nature.choices)
    financeur = WordsField(100, label="Financeur")
    public = AnyOf(label="Public", choices=[("", "Tous les publics")] + voc.PUBLICS)

    def __init__(self, data=None, *, today=None, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today
        # callables: the options are read when the page renders the form, not to filter
        self.fields["enjeu"].widget.choices = lambda: (
            [("", "Tous les enjeux")]
            + [
                (e.pk, f"Enjeu {e.number} : {e.title}")
                for e in Enjeu.objects.only("pk", "number", "title").order_by(
                    "contract_id", "number"
                )
            ]
        )
        self.fields["territoire"].widget.choices = lambda: [
            ("", "Tous les territoires"),
            *Territory.objects.choices(with_kind=True),
        ]

    def apply(self, queryset, values: dict):
        status = values.get("statut", "")
        if status == "":
            queryset = queryset.active(self.today)
        elif status != "tous":
            queryset = queryset.with_status(status, self.today)
        return super().apply(queryset, values)

    def filter_q(self, queryset, words):
        for word in words.split()[:8]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(funder_name__icontains=word))
        return queryset

    def filter_enjeu(self, queryset, pk):
        if not pk:
            return queryset
        through = CallForProjects.enjeux.through
        return queryset.filter(
            Exists(through.objects.filter(callforprojects_id=OuterRef("pk"), enjeu_id=pk))
        )

    def filter_territoire(self, queryset, pk):
        if not pk:
            return queryset
        through = CallForProjects.territories.through
        ids = Territory.all_objects.related({pk})
        return queryset.filter(
            Exists(through.objects.filter(callforprojects_id=OuterRef("pk"), territory_id__in=ids))
            | ~Exists(through.objects.filter(callforprojects_id=OuterRef("pk")))
        )

    def filter_nature(self, queryset, nature):
        return queryset.filter(nature=nature)

    def filter_financeur(self, queryset, words):
        return queryset.filter(funder_name__icontains=words)

    def filter_public(self, queryset, public):
        return queryset.filter(tags__contains=f"|p:{public}|")


def clean_filters(data) -> dict:
    """The known filters of a query string, validated loosely (unknown values dropped)."""
    return CallFilters(data).values


def as_query(filters: dict) -> str:
    q = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        if filters.get(key) not in (None, ""):
            q[key] = str(filters[key])
    return q.urlencode()


def apply_filters(queryset, filters: dict, today=None):
    return CallFilters(today=today).apply(queryset, filters)


def ordered(queryset, filters: dict):
    if filters.get("statut") == Status.CLOSED:
        return queryset.order_by("-sort_date", "-opens_on", "-pk")
    # deadlines first (nearest first), then the calls au fil de l'eau
    return queryset.order_by("sort_date", "opens_on", "pk")
