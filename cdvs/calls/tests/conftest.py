import pytest

from cdvs.testing import make_call


class Enjeux(dict):
    pass


@pytest.fixture
def enjeux(world):
    """A contract with three enjeux (numbers 1, 2, 3)."""
    from cdvs.contract.models import Contract, Enjeu

    contract = Contract.objects.create(
        name="Contrat de test", epci=world.territories["mel"], start_year=2024, end_year=2030
    )
    found = Enjeux()
    for number, title in ((1, "Emploi et insertion"), (2, "Éducation"), (3, "Santé")):
        found[number] = Enjeu.objects.create(contract=contract, number=number, title=title)
    return found


@pytest.fixture
def call_factory(db):
    return make_call
