import pytest


@pytest.fixture(autouse=True)
def _media(media):
    """Every library test keeps its files in a temporary directory."""


@pytest.fixture
def enjeu(world):
    from cdvs.contract.models import Contract, Enjeu

    contract = Contract.objects.create(
        name="Contrat de test", epci=world.territories["mel"], start_year=2024, end_year=2030
    )
    return Enjeu.objects.create(contract=contract, number=1, title="Cohésion sociale")
