"""Public pages show the seed's figures with the computed écart beside its wording;
coordinators add and import measurements, all or nothing, with French row errors."""

import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cdvs.evaluation.models import Measurement
from cdvs.testing import plain

pytestmark = pytest.mark.django_db


def test_diagnostic_of_armentieres(client, seeded):
    arm = seeded.territories["armentieres"]
    page = client.get(reverse("evaluation:diagnostic", args=[arm.pk])).content.decode()
    assert "46,4\u00a0%" in page and "35,1\u00a0%" in page
    assert "+ 11,3 pts" in page  # computed
    assert "+ Soit jusqu’à 11,3 pts de plus." in page  # the seed's wording
    assert "7,98 % de Armentières" in page
    assert "Insee, Recensement de la Population 2019" in page


def test_panorama_targets_index_and_indicator(client, seeded, django_assert_max_num_queries):
    assert "16,6\u00a0%" in client.get(reverse("evaluation:panorama")).content.decode()
    page = client.get(reverse("evaluation:targets")).content.decode()
    assert "Entre 50% et 80 % des enfants des QPV 6-12 ans" in page
    assert "Sans mesure" in page
    page = plain(client.get(reverse("evaluation:index")).content.decode())
    assert "Les actions engagées atteignent-elles les objectifs fixés ?" in page
    indicator = Measurement.objects.get(
        territory__code="QN05968M", indicator__code="moins-25-ans"
    ).indicator
    with django_assert_max_num_queries(12):
        page = client.get(reverse("evaluation:indicator", args=[indicator.pk])).content.decode()
    assert "<svg" in page and "Bizet - Briqueterie" in page


def test_coordinator_adds_a_measurement_and_a_rate_above_100_is_refused(client, login, seeded):
    login("coordinateur")
    indicator = Measurement.objects.filter(indicator__code="moins-25-ans").first().indicator
    arm = seeded.territories["armentieres"]
    url = reverse("evaluation_coordination:add_measurement")
    data = {"indicator": indicator.pk, "territory": arm.pk, "period": "2021", "year": 2021,
            "value": "101"}  # fmt: skip
    response = client.post(url, data)
    assert "Un taux est compris entre 0 et 100 %." in response.content.decode()
    response = client.post(url, {**data, "value": "33,2"})
    assert response.status_code == 302
    assert Measurement.objects.get(territory=arm, period="2021").value == Decimal("33.2")
    response = client.post(url, {**data, "value": "34"})
    assert "Cette mesure existe déjà" in response.content.decode()


def _upload(client, text, name="mesures.csv", encoding="utf-8"):
    file = SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")
    response = client.post(reverse("evaluation_coordination:import"), {"file": file})
    response.text = html.unescape(response.content.decode())
    return response


HEADER = "Indicateur;Territoire;Période;Année;Valeur;Numérateur;Dénominateur;Géographie\n"


def test_import_all_or_nothing_with_french_row_errors(client, login, seeded):
    login("coordinateur")
    before = Measurement.objects.count()
    text = (
        HEADER
        + "moins-25-ans;59017;2021;2021;120;;;\n"
        + "moins-25-ans;Nulle-part;2021;2021;12;;;\n"
        + "neet-16-25;59017;2021;2021;12;5;4;\n"
        + "neet-16-25;QN05967M;2021;2021;30;;;QPV 2024\n"
        + "neet-16-25;QN05967M;2021;2021;31;;;QPV 2024\n"
        + "moins-25-ans;59017;2019;2019;12;;;\n"
    )
    page = plain(_upload(client, text).text)
    assert "Ligne 2, Valeur : Un taux est compris entre 0 et 100 %." in page
    assert "territoire inconnu : « Nulle-part »" in page
    assert "Le numérateur ne peut pas dépasser le dénominateur." in page
    assert "mesure en double (déjà à la ligne 5)" in page
    assert "rien n'a été importé" in page
    assert Measurement.objects.count() == before
    ok = HEADER + "neet-16-25;QN05967M;2021;2021;30,5;;;QPV 2024\n"
    response = _upload(client, ok)
    assert response.status_code == 302
    assert Measurement.objects.count() == before + 1
    assert Measurement.objects.get(geography="QPV 2024").value == Decimal("30.5")
    # the same again: already in the tool
    assert "Cette mesure existe déjà" in _upload(client, ok).text


def test_import_refuses_an_unreadable_file(client, login, seeded):
    login("coordinateur")
    before = Measurement.objects.count()
    page = _upload(client, "\x00\x01", name="mesures.xlsx").text
    assert "Rien n'a été importé" in page
    assert Measurement.objects.count() == before
