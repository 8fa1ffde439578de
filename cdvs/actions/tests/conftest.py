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


@pytest.fixture
def programmation(plan, world):
    """The programmation 2025 of Armentières (its call), the action in a QPV, and a
    meeting of the comité de co-instruction."""
    from datetime import date

    from cdvs.actions import services
    from cdvs.testing import make_meeting

    item = services.create_programmation(
        plan.contract, 2025, world.territories["armentieres"], date(2025, 1, 1),
        date(2025, 2, 28), world.users["coordinateur"],
    )  # fmt: skip
    plan.action.territories.set([world.territories["qpv_arm"]])
    meeting = make_meeting(world, "armentieres", "coordination", "Comité 2025",
                           day=date(2025, 3, 10))  # fmt: skip
    meeting.series.key = "comite-co-instruction"
    meeting.series.save()
    item.meeting = meeting
    return item
