"""A volet communal loaded from its file (docs/volet-communal.md), with the test volet
of cdvs/contract/tests/data: all or nothing, French errors, idempotent, scoped."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cdvs.contract import volet
from cdvs.contract.models import (
    ActionLead,
    Ambition,
    Contract,
    Enjeu,
    LocalEnjeu,
    LocalSection,
    Objective,
)
from cdvs.testing import plain

TEST_VOLET = Path(__file__).parent / "data" / "volet-de-test.yaml"
MODELS = [LocalSection, LocalEnjeu, Ambition, Objective, ActionLead]


@pytest.fixture
def contract(world):
    c = Contract.objects.create(
        key="contrat-test", name="Contrat", epci=world.territories["mel"], start_year=2024,
        end_year=2030,
    )  # fmt: skip
    Enjeu.objects.create(contract=c, number=1, title="Enjeu un")
    Enjeu.objects.create(contract=c, number=2, title="Enjeu deux")
    return c


def _counts():
    return {m.__name__: m.all_objects.count() for m in MODELS}


def _history():
    return sum(m.history.count() for m in MODELS)


def _edited(**replacements) -> bytes:
    text = TEST_VOLET.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text.encode()


def test_the_test_volet_is_named_as_such_and_not_loaded_by_setup():
    text = TEST_VOLET.read_text(encoding="utf-8")
    assert 'name: "Volet de test — commune fictive"' in text
    assert "FICHIER DE TEST" in text
    makefile = (Path(__file__).parents[3] / "Makefile").read_text()
    assert "load_volet" not in makefile and "volet-de-test" not in makefile


@pytest.mark.django_db
def test_load_creates_the_volet_on_its_commune(contract, world):
    report = volet.load(TEST_VOLET)
    section = LocalSection.objects.get(key="volet-test")
    assert section.commune == world.territories["lille"]
    assert section.name == "Volet de test — commune fictive"
    local = LocalEnjeu.objects.get(section=section)
    assert local.enjeu.number == 1
    assert local.partners == [{"group": "Partenaires de test",
                               "names": ["Partenaire de test A", "Partenaire de test B"]}]  # fmt: skip
    priority = Objective.objects.get(key="volet-test-e1-a1-o1")
    assert priority.is_local_priority
    assert priority.ambition.local_enjeu == local
    assert not Objective.objects.get(key="volet-test-e1-a1-o2").is_local_priority
    assert Objective.objects.get(key="volet-test-e1-o1").local_enjeu == local
    assert [(x.kind, x.text) for x in priority.leads.order_by("kind", "position")] == [
        ("existante", "Action existante de test"),
        ("piste", "Piste de test une"),
        ("piste", "Piste de test deux"),
    ]
    assert report.created["volet communal"] == 1
    assert "de Lille chargé" in "\n".join(report.lines())


@pytest.mark.django_db
def test_second_load_changes_nothing_and_user_edits_are_kept(contract):
    volet.load(TEST_VOLET)
    before, history = _counts(), _history()
    report = volet.load(TEST_VOLET)
    assert not report.changed
    assert (_counts(), _history()) == (before, history)
    # a coordinator unflags the priority; a file that changes the text keeps the flag
    objective = Objective.objects.get(key="volet-test-e1-a1-o1")
    objective.is_local_priority = False
    objective.save()
    report = volet.load_bytes(_edited(**{"Objectif de test prioritaire": "Objectif revu"}))
    objective.refresh_from_db()
    assert (objective.text, objective.is_local_priority) == ("Objectif revu", False)
    assert _counts() == before


BAD = [
    (b"format: [", "ni un YAML ni un JSON valide (ligne"),
    (b"\xff\xfe", "encodé en UTF-8"),
    (b"- une liste", "racine : un dictionnaire"),
    ({"cdvs-volet-communal/1": "autre/2"}, "« format » doit valoir « cdvs-volet-communal/1 »"),
    ({"  adopted:": "  adopte:"}, "champ « adopte » inconnu"),
    ({'commune: "59350"': 'commune: "Lille"'}, "code INSEE à 5 caractères"),
    ({'commune: "59350"': 'commune: "59999"'}, "code INSEE 59999 est inconnue des territoires"),
    ({"enjeu: 1": "enjeu: 9"}, "L'enjeu 9 n'existe pas dans le contrat"),
    ({"enjeu: 1": "enjeu: -1"}, "« enjeu » doit être le numéro d'un enjeu"),
    ({"key: e1-a1-o2": "key: e1-a1-o1"}, "la clé « e1-a1-o1 » est utilisée deux fois"),
    ({"key: e1-a1\n": "key: E1 A1\n"}, "lettres minuscules sans accent"),
    ({"priority: true": "priority: oui"}, "« priority » doit valoir true ou false"),
    ({'"Piste de test une"': '"\\ud800"'}, "caractère invalide"),
    ({'"Piste de test une"': "x" * 20_001}, "texte trop long"),
    ({'text: "Ambition de test"': "text: 12"}, "le champ « text » doit être un texte"),
    ({'  name: "Volet de test — commune fictive"\n': ""}, "le champ « name » est obligatoire"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("change,message", BAD)
def test_bad_files_are_refused_in_french_and_nothing_is_saved(contract, change, message):
    content = change if isinstance(change, bytes) else _edited(**change)
    before, history = _counts(), _history()
    with pytest.raises(volet.VoletFileError) as exc:
        volet.load_bytes(content)
    assert message in "\n".join(exc.value.errors)
    assert (_counts(), _history()) == (before, history)


@pytest.mark.django_db
def test_the_commune_must_belong_to_the_contract_and_have_one_volet(contract, world):
    from cdvs.territories.models import Kind, Territory

    Territory.objects.create(kind=Kind.COMMUNE, code="62041", name="Arras")
    with pytest.raises(volet.VoletFileError, match="n'appartient pas à Métropole"):
        volet.load_bytes(_edited(**{'"59350"': '"62041"'}))
    LocalSection.objects.create(
        contract=contract, commune=world.territories["armentieres"], name="Volet d'Armentières"
    )
    with pytest.raises(volet.VoletFileError, match="a déjà un volet communal"):
        volet.load_bytes(_edited(**{'"59350"': '"59017"'}))
    assert LocalSection.objects.count() == 1


@pytest.mark.django_db
def test_a_key_of_another_volet_is_refused(contract, world):
    volet.load(TEST_VOLET)
    # a second volet naming an objective of the first one: refused, nothing moved
    clash = _edited(**{"key: volet-test": "key: volet", "key: e1-a1-o2": "key: test-e1-a1-o2",
                       '"59350"': '"59017"'})  # fmt: skip
    with pytest.raises(volet.VoletFileError, match="volet-test-e1-a1-o2"):
        volet.load_bytes(clash)
    assert Objective.objects.get(key="volet-test-e1-a1-o2").ambition.local_enjeu.section.key == (
        "volet-test"
    )
    assert LocalSection.objects.count() == 1


@pytest.mark.django_db
def test_the_command(contract, capsys, tmp_path):
    call_command("load_volet", str(TEST_VOLET))
    assert "Volet de test — commune fictive" in capsys.readouterr().out
    call_command("load_volet", str(TEST_VOLET))
    assert "Aucun changement" in capsys.readouterr().out
    bad = tmp_path / "v.yaml"
    bad.write_bytes(_edited(**{"enjeu: 1": "enjeu: 7"}))
    with pytest.raises(CommandError, match="rien n'a été modifié"):
        call_command("load_volet", str(bad))
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("load_volet", str(tmp_path / "absent.yaml"))


def _upload(client, content=None):
    data = TEST_VOLET.read_bytes() if content is None else content
    return client.post(
        reverse("contract_coordination:load_volet"),
        {"file": SimpleUploadedFile("volet.yaml", data, content_type="application/yaml")},
    )


@pytest.mark.django_db
def test_upload_page_for_the_coordinators_of_the_commune(client, login, contract):
    login("coordinateur")  # Armentières: the test volet is on Lille
    assert client.get(reverse("contract_coordination:load_volet")).status_code == 200
    assert _upload(client).status_code == 403
    assert not LocalSection.objects.exists()
    login("coordinateur_lille")
    response = _upload(client, _edited(**{"enjeu: 1": "enjeu: 5"}))
    assert response.status_code == 422
    assert "enjeu 5 n&#x27;existe pas dans le contrat" in plain(response.content.decode())
    assert not LocalSection.objects.exists()
    response = _upload(client)
    assert response.status_code == 200
    assert "Volet communal « Volet de test — commune fictive » de Lille chargé." in plain(
        response.content.decode()
    )
    assert LocalSection.objects.get().commune.code == "59350"
    login("porteur")
    assert _upload(client).status_code == 403


@pytest.mark.django_db
def test_a_volet_entered_in_the_tool(client, login, contract, world):
    login("coordinateur_lille")
    url = reverse("contract_coordination:create_volet")
    page = client.get(url).content.decode()
    assert "Lille" in page and "Armentières</option>" not in page
    enjeu = Enjeu.objects.get(number=2)
    response = client.post(url, {"commune": world.territories["armentieres"].pk,
                                 "name": "Intrus", "enjeux": [enjeu.pk]})  # fmt: skip
    assert response.status_code == 200 and not LocalSection.objects.exists()
    response = client.post(url, {"commune": world.territories["lille"].pk,
                                 "name": "Volet de Lille", "enjeux": [enjeu.pk]})  # fmt: skip
    assert response.status_code == 302
    local = LocalEnjeu.objects.get()
    assert (local.section.commune, local.enjeu, local.title) == (
        world.territories["lille"], enjeu, "Enjeu deux"
    )  # fmt: skip
    assert local.section.history.first().history_user == world.users["coordinateur_lille"]
    # then the coordinators add ambitions from the enjeu page, as for Armentières
    page = client.get(reverse("contract:enjeu", args=[enjeu.pk])).content.decode()
    assert reverse("contract_coordination:add_ambition", args=[local.pk]) in page


@pytest.mark.django_db
def test_the_same_volet_in_json(contract):
    import json

    import yaml

    data = yaml.safe_load(TEST_VOLET.read_text(encoding="utf-8"))
    data["volet"]["commune"] = 59350  # a number: read as the code
    volet.load_bytes(json.dumps(data, ensure_ascii=False).encode())
    assert Objective.objects.get(key="volet-test-e1-a1-o1").is_local_priority
    # and the YAML file after it changes nothing: the same volet
    assert not volet.load(TEST_VOLET).changed


@pytest.mark.django_db
def test_a_volet_deleted_for_good_takes_its_tree_and_index_entries(contract):
    from cdvs.search.models import SearchEntry

    volet.load(TEST_VOLET)
    assert SearchEntry.objects.filter(title="Objectif de test prioritaire").exists()
    LocalSection.objects.get(key="volet-test").delete()  # the admin site's deletion
    assert not Objective.all_objects.filter(key__startswith="volet-test").exists()
    assert not SearchEntry.objects.filter(title="Objectif de test prioritaire").exists()
