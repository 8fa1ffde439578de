import json

from django import forms

from cdvs.core.widgets import FastSelect

from . import geo
from .models import TerritoryQuerySet


def territory_field(field, queryset: TerritoryQuerySet, *, with_kind=False):
    """Point a model choice field at `queryset`; its options are built from names only
    (one query, no perimeter loaded) and a single select is written in Python. The
    chosen territory comes without its perimeter too; it is read if someone asks."""
    field.queryset = queryset.defer("geometry")
    if type(field.widget) is forms.Select:
        field.widget = FastSelect(attrs=field.widget.attrs)
        field.widget.is_required = field.required
    empty = getattr(field, "empty_label", None)
    first = [("", empty)] if empty is not None else []
    # a callable: the query runs when the form is rendered, not when it is built
    field.widget.choices = lambda: first + queryset.choices(with_kind=with_kind)


MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class PerimeterUploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier GeoJSON du périmètre",
        help_text="Un polygone en WGS84 (longitude, latitude), 5 Mo au plus : géométrie, "
        "Feature ou FeatureCollection (les polygones sont fusionnés).",
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Le fichier dépasse 5 Mo.")
        data = upload.read()
        try:
            self.geometry = geo.perimeter_from_geojson(data)
        except geo.GeometryError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


class PerimeterDrawForm(forms.Form):
    """The vertices of the perimeter, one « latitude, longitude » per line: typed at the
    keyboard, pasted, or added by clicking on the map (the script writes the lines)."""

    points = forms.CharField(
        label="Sommets du périmètre",
        widget=forms.Textarea(attrs={"id": "draw-points", "rows": 8, "spellcheck": "false"}),
        help_text=(
            "Un sommet par ligne, « latitude, longitude » en degrés décimaux (WGS84), par "
            "exemple « 50.6885, 2.8815 ». Cliquer sur la carte ajoute une ligne. Trois "
            "sommets au moins ; le polygone se ferme de lui-même."
        ),
        error_messages={
            "required": (
                "Tracez d'abord le périmètre sur la carte ou saisissez ses sommets "
                "(trois au moins)."
            )
        },
    )

    def clean_points(self):
        try:
            polygon = json.dumps(geo.polygon_from_points(self.cleaned_data["points"]))
            self.geometry = geo.perimeter_from_geojson(polygon)
        except geo.GeometryError as exc:
            raise forms.ValidationError(str(exc)) from None
        return polygon
