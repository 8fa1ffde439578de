import pytest
from django.core.management import CommandError, call_command

from cdvs.territories import services
from cdvs.territories.models import Kind, Territory

from .conftest import ARMENTIERES, QPV_ARMENTIERES, QPV_SECTEUR_SUD, square


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("load_territories", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_load_creates_the_mel_its_communes_and_qpv():
    output = run()
    assert "communes — créées : 95" in output
    assert "QPV — créés : 26" in output
    epci = Territory.objects.get(kind=Kind.EPCI)
    assert (epci.code, epci.name) == ("200093201", "Métropole Européenne de Lille")
    assert epci.geometry_source == services.SOURCE_EPCI_UNION
    assert Territory.objects.of_kind(Kind.COMMUNE).count() == 95
    assert Territory.objects.of_kind(Kind.QPV).count() == 26
    assert not Territory.objects.of_kind(Kind.COMMUNE).without_perimeter().exists()
    lille = Territory.objects.get(kind=Kind.COMMUNE, code="59350")
    assert (lille.name, lille.population, lille.parent) == ("Lille", 238695, epci)
    armentieres = Territory.objects.get(code=ARMENTIERES)
    assert armentieres.geometry_source == "IGN ADMIN EXPRESS 2018, simplifié"
    minx, miny, maxx, maxy = armentieres.bbox
    assert 2.85 < minx < maxx < 2.91 and 50.67 < miny < maxy < 50.71


@pytest.mark.django_db
def test_qpv_spanning_several_communes():
    run()
    sud = Territory.objects.get(kind=Kind.QPV, code=QPV_SECTEUR_SUD)
    assert sud.name == "Secteur Sud"
    assert set(sud.communes.values_list("code", flat=True)) == {"59220", "59346", "59350", "59360"}
    assert sud.parent.kind == Kind.EPCI
    single = Territory.objects.get(kind=Kind.QPV, code=QPV_ARMENTIERES)
    assert single.parent.code == ARMENTIERES
    assert list(single.communes.values_list("code", flat=True)) == [ARMENTIERES]
    spanning = [q.code for q in Territory.objects.of_kind(Kind.QPV) if q.communes.count() > 1]
    assert sorted(spanning) == ["QN05969M", "QN05972M", "QN05978M", "QN05980M", "QN05988M"]
    assert not Territory.objects.of_kind(Kind.QPV).with_perimeter().exists()


@pytest.mark.django_db
def test_second_run_changes_nothing():
    run()
    history = Territory.history.count()
    output = run()
    assert "aucun changement" in output
    assert "inchangées : 95" in output
    assert Territory.history.count() == history


@pytest.mark.django_db
def test_reload_repairs_a_changed_name_and_reports_it():
    run()
    Territory.objects.filter(code="59350").update(name="Lile")
    output = run()
    assert "mises à jour : 1" in output
    assert Territory.objects.get(code="59350").name == "Lille"


@pytest.mark.django_db
def test_reload_never_overwrites_an_uploaded_or_imported_perimeter():
    run()
    import json

    armentieres = Territory.objects.get(code=ARMENTIERES)
    armentieres.geometry = json.dumps(square(2.88, 50.69))
    armentieres.geometry_source = services.SOURCE_UPLOAD
    armentieres.save()
    qpv = Territory.objects.get(code=QPV_ARMENTIERES)
    qpv.geometry = json.dumps(square(2.88, 50.69, 0.001))
    qpv.geometry_source = f"{services.SOURCE_ANCT_PREFIX} (test)"
    qpv.save()
    output = run()
    assert "Périmètre conservé" in output
    armentieres.refresh_from_db()
    qpv.refresh_from_db()
    assert armentieres.geometry == json.dumps(square(2.88, 50.69))
    assert qpv.geometry_source.startswith(services.SOURCE_ANCT_PREFIX)


@pytest.mark.django_db
def test_bad_reference_file_loads_nothing(tmp_path):
    bad = tmp_path / "communes.csv"
    bad.write_text("insee_com,nom,population_municipale\n99001,Commune de test,10\n99002,,5\n")
    with pytest.raises(CommandError, match="ligne 3"):
        run("--epci", "999999999", "--nom", "EPCI de test", "--communes", str(bad))
    assert not Territory.objects.exists()


@pytest.mark.django_db
def test_other_epci_from_its_own_files(tmp_path):
    communes = tmp_path / "communes.csv"
    communes.write_text("insee_com,nom,population_municipale\n01004,Ambérieu-en-Bugey,\n")
    output = run("--epci", "999999999", "--nom", "EPCI de test", "--communes", str(communes))
    assert "QPV — créés : 1" in output  # from the national list shipped with the app
    qpv = Territory.objects.get(kind=Kind.QPV)
    assert qpv.code == "QN00103M" and qpv.parent.code == "01004"


@pytest.mark.django_db
def test_unknown_epci_needs_its_files():
    with pytest.raises(CommandError, match="--communes"):
        run("--epci", "123456789")
