"""The list filters' convention (cdvs.core.filters.FilterForm)."""

import pytest
from django import forms
from django.http import QueryDict

from cdvs.core.bounds import IdField
from cdvs.core.filters import FilterForm, WordsField
from cdvs.territories.models import Kind, Territory


class TerritoryFilters(FilterForm):
    parent = IdField()
    kind = forms.ChoiceField(choices=Kind.choices, required=False)
    q = WordsField(5)
    lookups = {"parent": "parent_id", "kind": "kind"}

    def filter_q(self, queryset, words):
        return queryset.filter(name__icontains=words)


class StrictFilters(TerritoryFilters):
    strict = True


def test_unbound_form_filters_nothing():
    assert TerritoryFilters(QueryDict("")).values == {}
    assert not TerritoryFilters(QueryDict("")).is_bound


def test_values_in_field_order_invalid_ones_dropped():
    form = TerritoryFilters(QueryDict("q=+armentières+&kind=nope&parent=12"))
    assert form.values == {"parent": 12, "q": "armen"}  # cut at 5 characters, no error
    assert "kind" in form.errors


def test_strict_form_drops_everything_on_one_error():
    assert StrictFilters(QueryDict("parent=12&kind=nope")).values == {}
    assert StrictFilters(QueryDict("parent=12&kind=qpv")).values == {"parent": 12, "kind": "qpv"}


@pytest.mark.parametrize("value", ["9223372036854775808", "-1", "abc", "²", "9" * 5000])
def test_out_of_range_or_wrong_ids_are_ignored(value):
    assert TerritoryFilters(QueryDict(f"parent={value}")).values == {}


def test_lookups_and_methods_filter_the_queryset(db):
    epci = Territory.objects.create(kind=Kind.EPCI, code="1", name="Métropole")
    arm = Territory.objects.create(kind=Kind.COMMUNE, code="2", name="Armentières", parent=epci)
    Territory.objects.create(kind=Kind.COMMUNE, code="3", name="Lille", parent=epci)
    qpv = Territory.objects.create(kind=Kind.QPV, code="4", name="Arm-QPV", parent=arm)

    def names(query):
        form = TerritoryFilters(QueryDict(query))
        return sorted(form.filter(Territory.objects.all()).values_list("name", flat=True))

    assert names(f"parent={epci.pk}&q=arm") == ["Armentières"]
    assert names("kind=qpv") == [qpv.name]
    assert names("kind=nope&q=ill") == ["Lille"]
    # saved or API values, already valid, applied without data
    saved = TerritoryFilters().apply(Territory.objects.all(), {"parent": arm.pk})
    assert list(saved) == [qpv]


def test_an_id_offered_in_a_select_reads_as_a_wrong_choice():
    from cdvs.calls.filters import CallFilters

    form = CallFilters(QueryDict("enjeu=abc&territoire=9223372036854775808"))
    assert form.values == {}
    assert form.errors["enjeu"] == ["Sélectionnez un choix valide. abc n’en fait pas partie."]
    assert form.errors["territoire"] == [
        "Sélectionnez un choix valide. 9223372036854775808 n’en fait pas partie."
    ]
