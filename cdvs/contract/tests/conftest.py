from pathlib import Path

import pytest

from cdvs.territories.models import Kind, Territory

TEST_FILE = Path(__file__).parent / "contrat-de-test.yaml"


@pytest.fixture
def test_territories(db):
    epci = Territory.objects.create(kind=Kind.EPCI, code="999999999", name="EPCI de test")
    commune = Territory.objects.create(
        kind=Kind.COMMUNE, code="99001", name="Commune de test", parent=epci
    )
    other = Territory.objects.create(
        kind=Kind.COMMUNE, code="99002", name="Autre commune de test", parent=epci
    )
    return {"epci": epci, "commune": commune, "other": other}


@pytest.fixture
def loaded(test_territories):
    from cdvs.contract.loader import load

    load(TEST_FILE)
    return test_territories
