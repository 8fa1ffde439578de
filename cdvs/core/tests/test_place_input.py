"""« Adresse ou ma position » (core.place_input): an address geocoded by the BAN (answers
replayed with respx), a position from the browser, French errors, distances."""

import httpx
import pytest
import respx
from django import forms
from django.template.loader import render_to_string

from cdvs.core.geocoding import BanClient
from cdvs.core.place_input import (
    MY_POSITION,
    NOT_FOUND,
    OUTSIDE,
    POSITION_OUTSIDE,
    REQUIRED,
    PlaceInputForm,
    Point,
    distance_m,
    distance_text,
)

BASE = "https://api-adresse.data.gouv.fr/"


def feature(lon, lat, label="10 Rue de Lille 59280 Armentières", score=0.97):
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"label": label, "score": score, "citycode": "59017"},
            }
        ],
    }


class SearchForm(PlaceInputForm):
    need = forms.CharField(required=False)


def form(data, **kwargs):
    return SearchForm(data, geocoder=BanClient(retries=0, sleep=lambda s: None), **kwargs)


@respx.mock
def test_address_is_geocoded_into_a_point():
    route = respx.get(BASE + "search/").mock(
        return_value=httpx.Response(200, json=feature(2.87, 50.69))
    )
    f = form({"adresse": "  10 rue de Lille   Armentières "})
    assert f.is_valid(), f.errors
    assert f.cleaned_data["point"] == Point(50.69, 2.87, "10 Rue de Lille 59280 Armentières")
    assert route.calls.last.request.url.params["q"] == "10 rue de Lille Armentières"


@respx.mock
def test_position_wins_over_the_address_without_asking_the_ban():
    route = respx.get(BASE + "search/").mock(return_value=httpx.Response(500))
    f = form({"adresse": "ignorée", "lat": "50.6886", "lon": "2.8816"})
    assert f.is_valid(), f.errors
    assert f.cleaned_data["point"] == Point(50.6886, 2.8816, MY_POSITION)
    assert not route.called


@respx.mock
def test_errors_are_french_and_on_the_address():
    respx.get(BASE + "search/").mock(
        side_effect=[
            httpx.Response(200, json={"type": "FeatureCollection", "features": []}),
            httpx.Response(200, json=feature(-73.98, 40.75, "New York")),
            httpx.Response(503),
        ]
    )
    for expected in (NOT_FOUND, OUTSIDE, "momentanément indisponible"):
        f = form({"adresse": "quelque part"})
        assert not f.is_valid()
        assert expected in f.errors["adresse"][0]
        assert f.cleaned_data["point"] is None
    f = form({"lat": "40.75", "lon": "-73.98"})
    assert not f.is_valid() and f.errors["adresse"] == [POSITION_OUTSIDE]


def test_nothing_entered_is_no_point_unless_required():
    f = form({"need": "aide"})
    assert f.is_valid() and f.cleaned_data["point"] is None

    class Required(SearchForm):
        place_required = True

    f = Required({"need": "aide"})
    assert not f.is_valid() and f.errors["adresse"] == [REQUIRED]


def test_distances_in_metres_and_their_french_text():
    # one degree of latitude is about 111.2 km
    assert distance_m((50.0, 2.0), (51.0, 2.0)) == pytest.approx(111_195, rel=1e-3)
    assert distance_m((50.69, 2.88), (50.69, 2.88)) == 0
    assert distance_text(347) == "350\u00a0m"
    assert distance_text(1234) == "1,2\u00a0km"
    assert distance_text(998) == "1,0\u00a0km"
    assert distance_text(23_456) == "23\u00a0km"
    assert distance_text(None) == "distance inconnue"


def test_partial_renders_the_fields_the_button_and_the_errors():
    f = form({"lat": "40.75", "lon": "-73.98"})
    f.is_valid()
    html = render_to_string("core/place_input.html", {"form": f})
    assert 'name="adresse"' in html and 'type="hidden" name="lat"' in html
    assert "Utiliser ma position" in html and "hidden" in html
    assert 'aria-invalid="true"' in html and "hors de France" in html
    assert "js/place-input.js" in html
