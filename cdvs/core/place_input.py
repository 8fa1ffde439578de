"""« Adresse ou ma position » : one way for a person to say where they are.

A form inherits ``PlaceInputForm`` (alone, or next to ``forms.ModelForm``) and gets three
fields:

- ``adresse``: a text field, geocoded through ``core.geocoding.BanClient`` when the form
  is cleaned (the form works without JavaScript, by address only);
- ``lat`` / ``lon``: hidden, filled by the « Utiliser ma position » button
  (``static/js/place-input.js``, the browser's geolocation API, progressive
  enhancement). When they are filled they win over the address.

After ``is_valid()``, ``form.cleaned_data["point"]`` is a ``Point(lat, lon, label)`` or
``None`` when nothing was entered (set ``place_required = True`` on the form to refuse
that). Errors are French ``ValidationError`` on ``adresse``: address not found, outside
France (``geocoding.in_france``), geocoding service unavailable.

Template: ``{% include "core/place_input.html" with form=form %}`` renders the three
fields, the button and a live status line (it loads the script itself).

Distances: ``distance_m(a, b)`` (haversine, metres, between two ``(lat, lon)``) and
``distance_text(metres)`` (« 350 m », « 1,2 km », no-break space before the unit).

Tests pass their own client: ``MyForm(data, geocoder=BanClient(...))``; by default a
``BanClient`` with the settings, with at most one retry (a person is waiting).
"""

import math
from dataclasses import dataclass

from django import forms

from .geocoding import BanClient, GeocodingError, in_france

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
MY_POSITION = "Ma position"

NOT_FOUND = "Adresse introuvable : précisez le numéro, la rue et la commune."
OUTSIDE = "Ce lieu est hors de France : indiquez une adresse en France."
POSITION_OUTSIDE = "Votre position semble hors de France : indiquez plutôt une adresse."
REQUIRED = "Indiquez une adresse ou utilisez votre position."


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    label: str

    @property
    def coords(self) -> tuple[float, float]:
        return (self.lat, self.lon)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) in degrees (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distance_text(metres: float | None) -> str:
    """« 350 m » under a kilometre (rounded to 10 m), else « 1,2 km » (one decimal,
    none from 10 km); a no-break space before the unit. None -> « distance inconnue »."""
    if metres is None:
        return "distance inconnue"
    if metres < 995:
        return f"{round(metres / 10) * 10:.0f}\u00a0m"
    km = metres / 1000
    text = f"{km:.1f}" if km < 9.95 else f"{km:.0f}"
    return text.replace(".", ",") + "\u00a0km"


class PlaceInputForm(forms.Form):
    """The « Adresse ou ma position » fields; ``cleaned_data["point"]`` after cleaning."""

    place_required = False
    place_label = "Adresse"

    adresse = forms.CharField(
        label="Adresse",
        required=False,
        max_length=200,
        help_text="Par exemple : 10 rue de Lille, Armentières.",
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args, geocoder=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.geocoder = geocoder
        self.fields["adresse"].label = self.place_label

    def _geocoder(self):
        return self.geocoder or BanClient(retries=1)

    def clean(self):
        data = super().clean()
        data["point"] = None
        lat, lon = data.get("lat"), data.get("lon")
        address = " ".join((data.get("adresse") or "").split())
        if lat is not None and lon is not None:
            if not in_france(lat, lon):
                self.add_error("adresse", forms.ValidationError(POSITION_OUTSIDE, "outside"))
            else:
                data["point"] = Point(lat, lon, MY_POSITION)
            return data
        if not address:
            if self.place_required and "adresse" not in self.errors:
                self.add_error("adresse", forms.ValidationError(REQUIRED, "required"))
            return data
        try:
            result = self._geocoder().search(address)
        except GeocodingError as exc:
            self.add_error("adresse", forms.ValidationError(str(exc), "unavailable"))
            return data
        if result is None:
            self.add_error("adresse", forms.ValidationError(NOT_FOUND, "not_found"))
        elif not in_france(result.lat, result.lon):
            self.add_error("adresse", forms.ValidationError(OUTSIDE, "outside"))
        else:
            data["point"] = Point(result.lat, result.lon, result.label or address)
        return data
