from django import forms

from . import geo

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
    geometry = forms.CharField(
        widget=forms.HiddenInput(attrs={"id": "draw-field"}),
        error_messages={
            "required": "Tracez d'abord le périmètre sur la carte (trois points au moins)."
        },
    )

    def clean_geometry(self):
        text = self.cleaned_data["geometry"]
        try:
            self.geometry = geo.perimeter_from_geojson(text)
        except geo.GeometryError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text
