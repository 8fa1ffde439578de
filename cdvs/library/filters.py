"""The filters of the documents and news lists (and of the documents' export)."""

from django import forms

from cdvs.core.bounds import IdField
from cdvs.core.filters import FilterForm, WordsField

from .models import FileKind


class NewsFilters(FilterForm):
    """?enjeu=<pk>&territoire=<pk>"""

    enjeu = IdField()
    territoire = IdField()
    lookups = {"enjeu": "enjeux", "territoire": "territories"}


class DocumentFilters(NewsFilters):
    """…&instance=<pk>&type=<kind>&q=<words in the title>"""

    instance = IdField()
    type = forms.ChoiceField(choices=FileKind.choices, required=False)
    q = WordsField(100)
    lookups = {**NewsFilters.lookups, "instance": "series_id", "type": "kind"}

    def filter_q(self, queryset, words):
        return queryset.filter(title__icontains=words)
