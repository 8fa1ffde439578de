"""CPO: three years with their amounts (avenants) and the porteur's actions; the share
of actions and amounts under CPO per year, exact, against the 50 % target of 2030."""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cdvs.actions import cpo, services
from cdvs.actions.models import Action, Convention, ConventionYear, FundingLine

D = Decimal


def make_cpo(plan, world, start=2025, amounts=None, actions=None, user="coordinateur"):
    convention = Convention(contract=plan.contract)
    values = {"title": "CPO Atelier", "porteur": world.organisations["asso_arm"],
              "commune": world.territories["armentieres"], "start_year": start}  # fmt: skip
    amounts = amounts if amounts is not None else {start: D("10000"), start + 1: D("10000.50")}
    return services.save_convention(
        convention,
        values,
        amounts,
        actions if actions is not None else [plan.action],
        world.users[user],
    )


def test_three_years_and_avenants(plan, world):
    convention = make_cpo(plan, world)
    assert convention.end_year == 2027
    assert [(y.year, y.amount) for y in convention.years.all()] == [
        (2025, D("10000.00")), (2026, D("10000.50"))
    ]  # fmt: skip
    year = convention.years.get(year=2026)
    services.save_avenant(year, {"amount": D("12000"), "avenant": "Avenant n° 1"},
                          world.users["coordinateur"])  # fmt: skip
    year.refresh_from_db()
    assert (year.amount, year.history.count()) == (D("12000.00"), 2)


@pytest.mark.parametrize(
    "start, amounts, message",
    [
        (2029, {2029: D("1")}, "commence au plus tard en 2028"),
        (2025, {2028: D("1")}, "l'une des trois de la convention"),
        (2025, {2025: D("-1")}, "négatif"),
        (2025, {2025: D("1.001")}, "2 chiffres"),
    ],
)
def test_bad_cpo_refused_nothing_saved(plan, world, start, amounts, message):
    with pytest.raises(ValidationError) as info:
        make_cpo(plan, world, start=start, amounts=amounts)
    assert message in " ".join(info.value.messages)
    assert not Convention.objects.exists() and not ConventionYear.objects.exists()


def test_actions_of_another_porteur_and_another_commune(plan, world):
    other = Action.objects.create(contract=plan.contract, title="Ailleurs",
                                  porteur=world.organisations["asso_lille"])  # fmt: skip
    with pytest.raises(ValidationError):
        make_cpo(plan, world, actions=[other])
    with pytest.raises(PermissionDenied):
        make_cpo(plan, world, user="coordinateur_lille")
    assert not Convention.objects.exists()


def test_share_per_year_exact(plan, world):
    def grant(action, year, amount, nature="specifique"):
        FundingLine.objects.create(action=action, year=year, funder_kind="commune",
                                   nature=nature, requested=amount, granted=amount)  # fmt: skip

    others = [Action.objects.create(contract=plan.contract, title=f"A{n}",
                                    porteur=world.organisations["asso_arm"]) for n in range(2)]  # fmt: skip
    grant(plan.action, 2025, D("100.01"))
    grant(others[0], 2025, D("200.02"))
    grant(others[1], 2025, D("0.01"))
    grant(others[1], 2025, D("999"), nature="valorisation")  # not a subsidy
    grant(plan.action, 2028, D("50"))  # after the CPO
    make_cpo(plan, world)
    rows = {r["year"]: r for r in cpo.shares(plan.contract)}
    assert rows[2025]["share_actions"] == Fraction(1, 3)
    assert rows[2025]["share_amount"] == Fraction(10001, 30004)
    assert rows[2028]["share_actions"] == 0
    assert rows[2024]["share_actions"] is None
    assert cpo.percent(rows[2025]["share_actions"]) == "33,3\u00a0%"
    assert not cpo.target_met(rows[2025])


def test_cpo_pages(client, login, plan, world):
    convention = make_cpo(plan, world)
    FundingLine.objects.create(action=plan.action, year=2025, funder_kind="commune",
                               nature="specifique", requested=D("10"), granted=D("10"))  # fmt: skip
    login("membre")
    page = client.get(reverse("actions:conventions")).content.decode()
    assert "100,0\u00a0%" in page and "<svg" in page and "CPO 2025-2027" in page
    assert "10\u202f000,50" in client.get(convention.get_absolute_url()).content.decode()
    login("coordinateur")
    url = reverse("actions_coordination:avenant", args=[convention.years.first().pk])
    assert "négatif" in client.post(url, {"amount": "-3"}).content.decode()
    assert client.post(url, {"amount": "9000", "avenant": "Avenant 2"}).status_code == 302
    response = client.post(reverse("actions_coordination:convention_create"), {
        "contract": plan.contract.pk, "title": "CPO 2", "porteur": world.organisations["asso_arm"].pk,
        "commune": world.territories["armentieres"].pk, "start_year": 2029, "amount_0": "1",
    })  # fmt: skip
    assert "commence au plus tard en 2028" in response.content.decode()
    assert Convention.objects.count() == 1
