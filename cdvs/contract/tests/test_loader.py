import pytest
from django.core.management import CommandError, call_command

from cdvs.contract.loader import DEFAULT_FILE, ContractFileError, load, parse
from cdvs.contract.models import ActionLead, Ambition, Contract, Enjeu, Objective
from cdvs.territories.models import Kind, Territory

from .conftest import TEST_FILE

MODELS = [Contract, Enjeu, Ambition, Objective, ActionLead]


def _snapshot():
    return {m.__name__: sorted(m.all_objects.values_list("key", "pk")) for m in MODELS}


@pytest.mark.django_db
def test_load_creates_the_tree(test_territories):
    report = load(TEST_FILE)
    assert report.created["enjeu"] == 2
    assert Ambition.objects.filter(enjeu__key="t-e1").count() == 3
    objective = Objective.objects.get(key="volet-test-e1-a1-o1")
    assert not objective.is_local_priority
    assert [lead.text for lead in objective.leads.all()] == [
        "Action existante",
        "Piste une",
        "Piste deux",
    ]
    pac = Territory.objects.get(kind=Kind.PAC, code="pac-test-centre")
    assert pac.parent == test_territories["commune"]


@pytest.mark.django_db
def test_second_load_changes_nothing(loaded):
    before = _snapshot()
    history_before = Enjeu.history.count()
    report = load(TEST_FILE)
    assert not report.changed
    assert _snapshot() == before
    assert Enjeu.history.count() == history_before
    assert "Aucun changement" in "\n".join(report.lines())


@pytest.mark.django_db
def test_edited_file_updates_in_place(loaded, tmp_path):
    edited = tmp_path / "c.yaml"
    edited.write_text(
        TEST_FILE.read_text().replace("Premier enjeu de test", "Premier enjeu, revu"),
        encoding="utf-8",
    )
    pk = Enjeu.objects.get(key="t-e1").pk
    report = load(edited)
    assert report.updated["enjeu"] == 1
    assert Enjeu.objects.get(key="t-e1").pk == pk
    assert Enjeu.objects.get(pk=pk).title == "Premier enjeu, revu"
    assert Enjeu.all_objects.count() == 2


@pytest.mark.django_db
def test_user_edit_is_not_overwritten_and_is_reported(loaded, tmp_path):
    enjeu = Enjeu.objects.get(key="t-e1")
    enjeu.title = "Titre choisi par la coordination"
    enjeu.save()
    edited = tmp_path / "c.yaml"
    edited.write_text(
        TEST_FILE.read_text().replace("Premier enjeu de test", "Nouveau titre du fichier"),
        encoding="utf-8",
    )
    report = load(edited)
    enjeu.refresh_from_db()
    assert enjeu.title == "Titre choisi par la coordination"
    assert any("t-e1" in line and "title" in line for line in report.kept_user_edits)
    # the priority flag set by a coordinator survives any reload
    objective = Objective.objects.get(key="volet-test-e1-a1-o1")
    objective.is_local_priority = True
    objective.save()
    load(TEST_FILE)
    objective.refresh_from_db()
    assert objective.is_local_priority


@pytest.mark.django_db
def test_deleted_row_stays_deleted(loaded):
    ambition = Ambition.objects.get(key="volet-test-e1-a1")
    ambition.soft_delete()
    report = load(TEST_FILE)
    assert Ambition.all_objects.get(key="volet-test-e1-a1").is_deleted
    assert report.kept_deleted


@pytest.mark.parametrize(
    "broken, message",
    [
        ("contract: [", "YAML valide"),
        ("- 1\n- 2", "dictionnaire"),
        ("enjeux: []", "« contract » est obligatoire"),
    ],
)
def test_parse_errors_are_french(broken, message):
    with pytest.raises(ContractFileError) as exc:
        parse(broken)
    assert message in str(exc.value)


@pytest.mark.django_db
def test_file_with_an_error_changes_nothing(loaded, tmp_path):
    before = _snapshot()
    titles = list(Enjeu.objects.values_list("title", flat=True))
    broken = tmp_path / "c.yaml"
    text = TEST_FILE.read_text().replace(
        "Premier enjeu de test", "Changement qui ne doit pas passer"
    )
    text = text.replace("enjeu: t-e1", "enjeu: t-e9")
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("load_contract", str(broken))
    assert "l'enjeu « t-e9 » n'existe pas" in str(exc.value)
    assert "rien n'a été modifié" in str(exc.value)
    assert _snapshot() == before
    assert list(Enjeu.objects.values_list("title", flat=True)) == titles


@pytest.mark.django_db
def test_duplicate_keys_and_bad_scale_are_reported(tmp_path):
    text = (
        TEST_FILE.read_text()
        .replace("key: t-e2", "key: t-e1")
        .replace("scale: mel_2027", "scale: europe")
    )
    with pytest.raises(ContractFileError) as exc:
        parse(text)
    assert any("utilisée deux fois" in e for e in exc.value.errors)
    assert any("échelle « europe » inconnue" in e for e in exc.value.errors)


@pytest.mark.django_db
def test_missing_territories_give_a_clear_message():
    with pytest.raises(ContractFileError) as exc:
        load(TEST_FILE)
    assert "load_territories" in str(exc.value)
    assert Contract.all_objects.count() == 0


def test_the_real_contract_file_is_valid():
    data = parse(DEFAULT_FILE.read_text(encoding="utf-8"))
    assert [e["number"] for e in data["enjeux"]] == [1, 2, 3, 4, 5, 6]
    assert data["contract"]["epci"]["siren"] == "200093201"
    armentieres = data["local_sections"][0]
    assert armentieres["insee"] == "59017"
    assert len(armentieres["enjeux"]) == 6
    scales = [a["scale"] for e in data["enjeux"] for a in e["ambitions"]]
    assert (scales.count("mel_2027"), scales.count("qpv_2030")) == (5, 28)
    pac = {p["key"]: p for p in data["priority_areas"]["pac"]}
    assert pac["pac-armentieres-salengro"]["insee"] == "59017"
    assert len(pac) == 8
    first = data["enjeux"][0]
    assert first["title"].startswith("Lutter contre les inégalités dès l'enfance")
