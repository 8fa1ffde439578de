"""A form field to choose one organisation among those a person may act on.

A commune's coordinator chooses among a few hundred organisations: a plain <select>.
The EPCI's coordinator may act on tens of thousands: the page would weigh megabytes, so
the field becomes a text input whose suggestions are fetched while typing (a <datalist>
filled by `organisation-picker.js` from `suggestions_url`); without JavaScript, the exact
name typed is enough. A suggestion reads « Nom — Commune [n° 42] »: the number decides
when several organisations share a name."""

import re

from django import forms
from django.db.models.functions import Lower
from django.utils.html import format_html

from cdvs.core.widgets import FastSelect

SELECT_LIMIT = 300
SUGGESTIONS = 20
NBSP = "\u00a0"
_NUMBER = re.compile(r"\[n°\s*(\d+)\]\s*$")


def suggestion_label(organisation) -> str:
    where = f" — {organisation.territory.name}" if organisation.territory_id else ""
    return f"{organisation.name}{where} [n°{NBSP}{organisation.pk}]"


def _labelled(queryset):
    """Only what `suggestion_label` reads."""
    return queryset.select_related("territory").only("id", "name", "territory__name")


def suggestions(queryset, query: str) -> list[dict]:
    """The first organisations of `queryset` matching `query`, for the picker."""
    if not query.strip():
        return []
    matches = _labelled(queryset.search(query)).order_by(Lower("name"), "pk")[:SUGGESTIONS]
    return [{"id": o.pk, "label": suggestion_label(o)} for o in matches]


class OrganisationPicker(forms.TextInput):
    class Media:
        js = [forms.widgets.Script("js/organisation-picker.js", defer=True)]

    def __init__(self, suggestions_url, attrs=None):
        super().__init__(attrs)
        self.suggestions_url = suggestions_url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["list"] = f"{widget_attrs.get('id', name)}-suggestions"
        widget_attrs["autocomplete"] = "off"
        widget_attrs["data-suggestions-url"] = self.suggestions_url
        return context

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        list_id = f"{(attrs or {}).get('id', name)}-suggestions"
        return format_html('{}<datalist id="{}"></datalist>', field, list_id)

    def format_value(self, value):
        # an id given as initial value (a link from a fiche) is shown as its label
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            organisation = getattr(self, "choices_queryset", None)
            if organisation is not None:
                found = _labelled(organisation).filter(pk=value).first()
                if found:
                    return suggestion_label(found)
        return super().format_value(value)


class OrganisationChoiceField(forms.ModelChoiceField):
    """Set `queryset` (what the person may choose) and `suggestions_url` after init."""

    def __init__(self, *, suggestions_url="", **kwargs):
        self.suggestions_url = suggestions_url
        kwargs.setdefault("widget", FastSelect)
        super().__init__(**kwargs)
        self.picker = False

    def use_picker_if_large(self):
        """Switch to the text input when the choice list is too long for a <select>."""
        if self.queryset[SELECT_LIMIT : SELECT_LIMIT + 1].exists():
            self.picker = True
            widget = OrganisationPicker(self.suggestions_url, attrs=self.widget.attrs)
            widget.choices_queryset = self.queryset
            widget.is_required = self.required
            self.widget = widget
            self.help_text = self.help_text or (
                f"Tapez le début du nom puis choisissez dans la liste{NBSP}; "
                "sans liste, le nom exact suffit."
            )

    def to_python(self, value):
        if not self.picker or value in self.empty_values:
            return super().to_python(value)
        text = str(value).strip()
        if match := _NUMBER.search(text):
            return super().to_python(match.group(1))
        if text.isdigit():
            return super().to_python(text)
        same_name = list(self.queryset.filter(name__iexact=text)[:2])
        if len(same_name) == 1:
            return same_name[0]
        if same_name:
            raise forms.ValidationError(
                f"Plusieurs organisations portent ce nom{NBSP}: choisissez-la dans la liste "
                "des suggestions (avec son numéro).",
                code="ambiguous",
            )
        raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
