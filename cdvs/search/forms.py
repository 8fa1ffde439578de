from django import forms

from cdvs.contract.models import Enjeu
from cdvs.core.bounds import BoundedIntegerField
from cdvs.territories.models import Territory

from . import registry


class SearchForm(forms.Form):
    """The search box and its filters (page and API)."""

    q = forms.CharField(label="Rechercher", max_length=300, required=False, strip=True)
    type = forms.ChoiceField(label="Type", required=False)
    enjeu = forms.TypedChoiceField(label="Enjeu", required=False, coerce=int, empty_value=None)
    territoire = forms.TypedChoiceField(
        label="Territoire", required=False, coerce=int, empty_value=None
    )
    du = forms.DateField(
        label="Du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    au = forms.DateField(
        label="Au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    page = BoundedIntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, with_choices=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "Tous les types"), *registry.labels().items()]
        enjeux = territories = []
        if with_choices:
            enjeux = [
                (n, f"Enjeu {n} : {t}")
                for n, t in Enjeu.objects.order_by("number")
                .values_list("number", "title")
                .distinct()
            ]
            territories = Territory.objects.exclude(kind="epci").choices(with_kind=True)
        self.fields["enjeu"].choices = [("", "Tous les enjeux"), *enjeux]
        self.fields["territoire"].choices = [("", "Tous les territoires"), *territories]
        if not with_choices:
            # the API checks the values itself (no list of choices to build)
            self.fields["enjeu"] = BoundedIntegerField(min_value=1)
            self.fields["territoire"] = BoundedIntegerField(min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("du") and data.get("au") and data["du"] > data["au"]:
            self.add_error(
                "au", "La date de fin doit être postérieure ou égale à la date de début."
            )
        return data
