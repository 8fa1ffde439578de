import json
from io import StringIO

import httpx
import pytest
import respx
import shapely
from django.core.management import CommandError, call_command
from pyproj import Transformer

from cdvs.territories import services
from cdvs.territories.models import Kind, Territory

from .conftest import (
    POINT_ARMENTIERES,
    QPV_ARMENTIERES,
    QPV_ARMENTIERES_2,
    collection,
    feature,
    square,
    write,
)

URL = "https://donnees.test.invalid/QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson"


def run(*args):
    out = StringIO()
    call_command("import_qpv", *args, stdout=out)
    return out.getvalue()


def perimeters():
    return dict(Territory.objects.of_kind(Kind.QPV).values_list("code", "geometry"))


@pytest.mark.django_db
def test_import_updates_known_qpv_and_reports(mel, test_qpv_file):
    output = run(str(test_qpv_file))
    assert "2 périmètre(s) mis à jour" in output
    assert "24 QPV absent(s)" in output
    assert "1 objet(s) d'autres territoires ignoré(s)" in output
    qpv = Territory.objects.get(code=QPV_ARMENTIERES)
    assert qpv.geometry_source == f"{services.SOURCE_ANCT_PREFIX} (perimetres-de-test.geojson)"
    lat, lon = POINT_ARMENTIERES
    assert qpv.outline.contains(shapely.Point(lon, lat))
    assert qpv.bbox == pytest.approx([lon - 0.002, lat - 0.002, lon + 0.002, lat + 0.002])
    assert not Territory.objects.filter(code="QN00103M").exists()
    # idempotent
    again = run(str(test_qpv_file))
    assert "0 périmètre(s) mis à jour, 2 inchangé(s)" in again
    assert "Aucun changement" in again


@pytest.mark.django_db
@pytest.mark.parametrize("with_crs_member", [True, False])
def test_lambert93_file_is_reprojected(mel, tmp_path, with_crs_member):
    lat, lon = POINT_ARMENTIERES
    to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    wgs = shapely.geometry.shape(square(lon, lat))
    l93 = shapely.transform(
        wgs,
        lambda xy: shapely.get_coordinates(shapely.points(*to_l93.transform(xy[:, 0], xy[:, 1]))),
    )
    assert l93.bounds[0] > 600_000 and l93.bounds[1] > 7_000_000
    doc = collection(
        [feature(QPV_ARMENTIERES, json.loads(shapely.to_geojson(l93)))],
        crs="urn:ogc:def:crs:EPSG::2154" if with_crs_member else None,
    )
    output = run(str(write(tmp_path / "l93.geojson", doc)))
    assert "Lambert-93 (reprojeté en WGS84)" in output
    imported = Territory.objects.get(code=QPV_ARMENTIERES).outline
    assert imported.hausdorff_distance(wgs) < 1e-6


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, message",
    [
        ("{pas du json", "pas du JSON valable"),
        (json.dumps({"type": "Feature"}), "FeatureCollection"),
        (
            json.dumps(
                collection([feature(QPV_ARMENTIERES, square(2.88, 50.69))], crs="EPSG:3857")
            ),
            "Système de coordonnées non reconnu",
        ),
        (
            json.dumps(collection([feature(QPV_ARMENTIERES, square(2_000_000, 9_000_000))])),
            "Coordonnées hors limites",
        ),
        (
            json.dumps(collection([{"type": "Feature", "properties": {}, "geometry": None}])),
            "code_qp",
        ),
    ],
)
def test_broken_files_change_nothing(mel, tmp_path, test_qpv_file, content, message):
    run(str(test_qpv_file))
    before = perimeters()
    path = tmp_path / "casse.geojson"
    path.write_text(content)
    with pytest.raises(CommandError, match=message) as info:
        run(str(path))
    assert "rien n'a été modifié" in str(info.value)
    assert perimeters() == before


@pytest.mark.django_db
def test_one_invalid_geometry_rejects_the_whole_file(mel, tmp_path):
    lat, lon = POINT_ARMENTIERES
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + 0.01, lat + 0.01], [lon + 0.01, lat], [lon, lat + 0.01], [lon, lat]]
        ],
    }
    doc = collection(
        [feature(QPV_ARMENTIERES, square(lon, lat)), feature(QPV_ARMENTIERES_2, bowtie)]
    )
    with pytest.raises(CommandError, match="se recoupe") as info:
        run(str(write(tmp_path / "invalide.geojson", doc)))
    assert QPV_ARMENTIERES_2 in str(info.value)
    assert not Territory.objects.of_kind(Kind.QPV).with_perimeter().exists()


@pytest.mark.django_db
def test_manual_perimeter_is_kept_unless_asked(mel, test_qpv_file):
    qpv = Territory.objects.get(code=QPV_ARMENTIERES)
    qpv.geometry = json.dumps(square(2.881, 50.689, 0.001))
    qpv.geometry_source = services.SOURCE_DRAWN
    qpv.save()
    assert "Conservés" in run(str(test_qpv_file))
    assert Territory.objects.get(code=QPV_ARMENTIERES).geometry_source == services.SOURCE_DRAWN
    run(str(test_qpv_file), "--remplacer-manuels")
    assert Territory.objects.get(code=QPV_ARMENTIERES).geometry_source.startswith("ANCT")


@pytest.mark.django_db
@respx.mock
def test_download_from_url(mel, test_qpv_file):
    respx.get(URL).mock(return_value=httpx.Response(200, content=test_qpv_file.read_bytes()))
    assert "2 périmètre(s) mis à jour" in run(URL)


@pytest.mark.django_db
@respx.mock
def test_download_failure_is_explained(mel):
    respx.get(URL).mock(return_value=httpx.Response(404))
    with pytest.raises(CommandError, match="code HTTP 404"):
        run(URL)


@pytest.mark.django_db
def test_if_available_without_file_explains_how_to_get_it(mel, settings, tmp_path):
    settings.QPV_PERIMETER_FILE = tmp_path / "absent.geojson"
    settings.QPV_PERIMETER_URL = ""
    output = run("--if-available")
    assert "data.gouv.fr" in output and "absent.geojson" in output
    assert not Territory.objects.of_kind(Kind.QPV).with_perimeter().exists()


@pytest.mark.django_db
def test_if_available_uses_the_configured_file(mel, settings, test_qpv_file):
    settings.QPV_PERIMETER_FILE = test_qpv_file
    assert "2 périmètre(s) mis à jour" in run("--if-available")


@pytest.mark.django_db
@respx.mock
def test_if_available_uses_the_configured_url(mel, settings, tmp_path, test_qpv_file):
    settings.QPV_PERIMETER_FILE = tmp_path / "absent.geojson"
    settings.QPV_PERIMETER_URL = URL
    respx.head(URL).mock(return_value=httpx.Response(200))
    respx.get(URL).mock(return_value=httpx.Response(200, content=test_qpv_file.read_bytes()))
    assert "2 périmètre(s) mis à jour" in run("--if-available")


@pytest.mark.django_db
@respx.mock
def test_if_available_with_unreachable_url(mel, settings, tmp_path):
    settings.QPV_PERIMETER_FILE = tmp_path / "absent.geojson"
    settings.QPV_PERIMETER_URL = URL
    respx.head(URL).mock(side_effect=httpx.ConnectError("hors ligne"))
    output = run("--if-available")
    assert "injoignable" in output and "data.gouv.fr" in output


def test_no_argument_without_if_available():
    with pytest.raises(CommandError, match="chemin"):
        run()
