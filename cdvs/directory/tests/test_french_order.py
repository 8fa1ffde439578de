"""Every model select list is in the French order of its labels (core.widgets
FrenchModelChoiceIterator, installed for all ModelChoiceFields)."""

import re

import pytest
from django import forms

from cdvs.core.widgets import FastSelect
from cdvs.directory.fields import OrganisationChoiceField
from cdvs.directory.models import Organisation, OrganisationKind

pytestmark = pytest.mark.django_db

NAMES = ["ARS", "Eau", "Ajoncs", "École", "bateau"]
FRENCH = ["Ajoncs", "ARS", "bateau", "Eau", "École"]


class _Form(forms.Form):
    one = forms.ModelChoiceField(Organisation.objects.order_by("name"), required=False)
    many = forms.ModelMultipleChoiceField(Organisation.objects.all(), required=False)
    fast = forms.ModelChoiceField(Organisation.objects.all(), widget=FastSelect)
    org = OrganisationChoiceField(queryset=Organisation.objects.all())
    by_id = forms.ModelChoiceField(Organisation.objects.order_by("pk"))


def _labels(html):
    return [label for label in re.findall(r"<option[^>]*>([^<]*)</option>", html) if label]


def test_model_selects_are_in_french_order():
    for name in NAMES:
        Organisation.objects.create(name=name, kind=OrganisationKind.ASSOCIATION)
    form = _Form()
    for field in ("one", "many", "fast", "org"):
        labels = [x for x in _labels(str(form[field])) if x != "---------"]
        assert labels == FRENCH, field
    assert str(form["one"]).index("---------") < str(form["one"]).index("Ajoncs")
    # a list ordered by something else than a name keeps its order
    assert _labels(str(form["by_id"]))[1:] == NAMES
