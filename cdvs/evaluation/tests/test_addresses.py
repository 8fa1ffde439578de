"""QPV share from an address list: geocoded by the BAN batch (replayed), located,
counted; no address remains in the database, the storage, the logs or the task's
result."""

import logging

import httpx
import pytest
import respx
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cdvs.actions.models import Action
from cdvs.contract.models import Contract
from cdvs.evaluation.models import AddressCount, Bilan

BASE = "https://api-adresse.data.gouv.fr/"
SECRET_STREET = "12 impasse Confidentielle"

SQUARE = '{{"type": "Polygon", "coordinates": [[[{0}, {1}], [{2}, {1}], [{2}, {3}], [{0}, {3}], [{0}, {1}]]]}}'

BAN_ANSWER = (
    "adresse,commune,code_postal,latitude,longitude,result_label,result_score,result_type,"
    "result_housenumber,result_street,result_postcode,result_citycode,result_city,result_context\n"
    f"{SECRET_STREET},Armentières,59280,50.690,2.870,x,0.95,housenumber,12,x,59280,59017,Armentières,x\n"
    "3 rue du Centre,Armentières,59280,50.700,2.900,x,0.95,housenumber,3,x,59280,59017,Armentières,x\n"
    "nulle part,,,,,,,,,,,,,\n"
)


@pytest.fixture
def bilan(seeded):
    t, o = seeded.territories, seeded.organisations
    t["armentieres"].geometry = SQUARE.format(2.85, 50.68, 2.91, 50.71)
    t["armentieres"].save()
    t["ac"].geometry = SQUARE.format(2.865, 50.685, 2.875, 50.695)
    t["ac"].save()
    contract = Contract.objects.create(name="C", epci=t["mel"], start_year=2024, end_year=2030)
    action = Action.objects.create(
        contract=contract, title="Atelier", porteur=o["asso_arm"], commune=t["armentieres"]
    )
    return Bilan.objects.create(action=action, year=2025)


def _everything_stored():
    """Every text value of every row of every model, as one string."""
    parts = []
    for model in apps.get_models():
        for row in model._base_manager.all().values():
            parts.extend(str(v) for v in row.values())
    return "\n".join(parts)


@respx.mock
@pytest.mark.django_db
def test_counts_only_and_nothing_personal_remains(
    client, login, bilan, media, immediate_tasks, caplog, django_capture_on_commit_callbacks
):
    route = respx.post(BASE + "search/csv/").mock(return_value=httpx.Response(200, text=BAN_ANSWER))
    login("porteur")
    content = f"Adresse;Code postal;Commune\n{SECRET_STREET};59280;Armentières\n3 rue du Centre;59280;Armentières\nnulle part;;\n"
    upload = SimpleUploadedFile("beneficiaires.csv", content.encode("utf-8"))
    caplog.set_level(logging.DEBUG)
    url = reverse("evaluation:bilan_addresses", args=[bilan.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": upload})
    assert response.status_code == 302
    assert route.called
    run = AddressCount.objects.get()
    assert run.status == "termine", run.error
    assert run.counts == {
        "qpv": {"Attargette - Chanzy": 1}, "pac": 0, "reste_commune": 1, "ailleurs": 0,
        "non_trouvees": 1,
    }  # fmt: skip
    page = client.get(url).content.decode()
    assert "QPV Attargette - Chanzy" in page
    assert SECRET_STREET not in page
    # nothing personal anywhere
    assert SECRET_STREET not in _everything_stored()
    assert not list(media.rglob("*.csv")) and not [p for p in media.rglob("*") if p.is_file()]
    assert SECRET_STREET not in caplog.text


@pytest.mark.django_db
def test_a_file_in_a_wrong_encoding_counts_nothing(
    client, login, bilan, media, immediate_tasks, django_capture_on_commit_callbacks
):
    login("porteur")
    upload = SimpleUploadedFile("liste.csv", "Adresse\n\x81\x8d\x8f\x90\x9d\n".encode("latin-1"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluation:bilan_addresses", args=[bilan.pk]), {"file": upload})
    run = AddressCount.objects.get()
    assert run.status == "echec" and run.error.startswith("Rien n'a été compté")
    assert run.counts == {}
    assert not [p for p in media.rglob("*") if p.is_file()]
