from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cdvs.actions import dashboard
from cdvs.actions.models import Action, FundingLine
from cdvs.contract.models import Objective
from cdvs.testing import make_meeting

D = Decimal


def test_dashboard_figures(plan, world):
    qpv = world.territories["qpv_arm"]
    plan.action.territories.set([qpv])
    plan.action.ends_on = date(2024, 12, 31)
    plan.action.save()
    for nature, amount in (("specifique", "100.10"), ("droit_commun", "50.05"),
                           ("valorisation", "999")):  # fmt: skip
        FundingLine.objects.create(action=plan.action, year=2025, funder_kind="commune",
                                   nature=nature, requested=D(amount), granted=D(amount))  # fmt: skip
    orphan = Objective.objects.create(ambition=plan.objective.ambition, enjeu=plan.enjeu,
                                      text="Sans action", is_local_priority=True)  # fmt: skip
    Objective.objects.filter(pk=plan.objective.pk).update(is_local_priority=True)
    meeting = make_meeting(world, "armentieres", "partenaires", "Copil")
    meeting.next_steps.create(what="Relancer", due_date=date(2025, 1, 1), action=plan.lead)
    plan.action.lead = plan.lead
    plan.action.save()
    data = dashboard.build(plan.contract, 2025, world.users["membre"], today=date(2025, 6, 1))
    assert data["enjeux"] == [{"label": "Enjeu 1 : Cohésion sociale", "actions": 1,
                               "specifique": D("100.10"), "droit_commun": D("50.05")}]  # fmt: skip
    assert data["territories"][0]["label"] == qpv.name
    assert [o.pk for o in data["orphans"]] == [orphan.pk]
    assert [a.pk for a in data["overdue"]] == [plan.action.pk]
    assert [s.what for s in data["late"]] == ["Relancer"]
    year = next(y for y in data["years"] if y["year"] == 2025)
    assert (year["specifique"], year["droit_commun"]) == (D("100.10"), D("50.05"))
    # a coordination meeting's next step is not for a partner
    meeting.visibility = "coordination"
    meeting.save()
    data = dashboard.build(plan.contract, 2025, world.users["membre"], today=date(2025, 6, 1))
    assert data["late"] == []


def test_dashboard_page_constant_queries(client, login, plan, world):
    login("membre")
    plan.action.territories.set([world.territories["qpv_arm"]])

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("actions:dashboard"), {"annee": 2025})
            assert response.status_code == 200
        return len(queries)

    few = count()
    for n in range(8):
        action = Action.objects.create(contract=plan.contract, title=f"A{n}",
                                       porteur=plan.action.porteur)  # fmt: skip
        action.objectives.set([plan.objective])
        action.territories.set([world.territories["qpv_arm"], world.territories["qpv_lille"]])
        FundingLine.objects.create(action=action, year=2025, funder_kind="mel",
                                   nature="specifique", requested=D("1"), granted=D("1"))  # fmt: skip
    assert count() == few
    assert client.get(reverse("actions:dashboard"), {"annee": "99999"}).status_code == 200
