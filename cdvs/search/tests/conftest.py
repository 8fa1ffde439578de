import pytest

from cdvs.contract.models import Contract, Enjeu


@pytest.fixture
def enjeux(world):
    contract = Contract.objects.create(
        name="Contrat de test", epci=world.territories["mel"], start_year=2024, end_year=2030
    )
    return {
        1: Enjeu.objects.create(contract=contract, number=1, title="Réussite éducative"),
        2: Enjeu.objects.create(contract=contract, number=2, title="Emploi et insertion"),
    }
