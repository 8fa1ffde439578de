import pytest

from cdvs.actions.models import Action
from cdvs.contract.models import (
    ActionLead,
    Ambition,
    Contract,
    Enjeu,
    LocalEnjeu,
    LocalSection,
    Objective,
)


@pytest.fixture
def plan(world):
    """A contract 2024-2030 with a local objective of Armentières, a piste d'action, and
    an action of the Armentières association managed in Armentières."""
    t, o = world.territories, world.organisations
    contract = Contract.objects.create(
        name="Contrat", epci=t["mel"], start_year=2024, end_year=2030
    )
    section = LocalSection.objects.create(contract=contract, commune=t["armentieres"], name="Volet")
    enjeu = Enjeu.objects.create(contract=contract, number=1, title="Cohésion sociale")
    local = LocalEnjeu.objects.create(section=section, enjeu=enjeu, title="Local")
    ambition = Ambition.objects.create(enjeu=enjeu, local_enjeu=local, scale="local", text="A")
    objective = Objective.objects.create(ambition=ambition, enjeu=enjeu, text="Objectif local")
    lead = ActionLead.objects.create(objective=objective, kind="piste", text="Piste d'action")
    action = Action.objects.create(
        contract=contract, title="Atelier", porteur=o["asso_arm"], commune=t["armentieres"]
    )
    action.objectives.set([objective])
    return type("Plan", (), {"contract": contract, "enjeu": enjeu, "objective": objective,
                             "lead": lead, "action": action})  # fmt: skip
