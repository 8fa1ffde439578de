import pytest

from cdvs.actions.models import Action
from cdvs.contract.models import Contract
from cdvs.evaluation.loader import load
from cdvs.territories.models import Kind, Territory


@pytest.fixture
def seeded(world):
    """The world plus Armentières' two QPV (2024 codes), with the seed's evidence loaded."""
    t = world.territories
    t["ac"] = Territory.objects.create(
        kind=Kind.QPV, code="QN05967M", name="Attargette - Chanzy", parent=t["armentieres"]
    )
    t["bb"] = Territory.objects.create(
        kind=Kind.QPV, code="QN05968M", name="Bizet - Briqueterie", parent=t["armentieres"]
    )
    world.report = load()
    return world


@pytest.fixture
def action(seeded):
    """An action of the Armentières association managed in Armentières."""
    t, o = seeded.territories, seeded.organisations
    contract = Contract.objects.create(name="C", epci=t["mel"], start_year=2024, end_year=2030)
    return Action.objects.create(
        contract=contract, title="Atelier", porteur=o["asso_arm"], commune=t["armentieres"]
    )
