"""The CERFA 12156 budget: balanced to the cent or refused with nothing saved; its 74
sub-headings reconciled with the funding lines of the year."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cdvs.actions import budget, cerfa, services
from cdvs.actions.models import Action, BudgetLine, FundingLine

D = Decimal


def test_headings_follow_the_cerfa():
    codes = [code.split("-")[0] for code in cerfa.CODES]
    assert codes[:10] == ["60", "61", "62", "63", "64", "65", "66", "67", "68", "86"]
    assert {"70", "74", "75", "76", "77", "78", "87"} <= set(codes)
    assert all(cerfa.SIDE[c] == cerfa.PRODUIT for c in cerfa.SUBSIDIES)


def test_balanced_budget_saved_with_history(plan, world):
    porteur = world.users["porteur"]
    services.save_budget(plan.action, 2025, {"60": D("800.10"), "64": D("1200.00"),
                                             "74-etat": D("1500.10"), "74-commune": D("500")},
                         porteur)  # fmt: skip
    assert services.budget_amounts(plan.action, 2025) == {
        "60": D("800.10"), "64": D("1200.00"), "74-etat": D("1500.10"), "74-commune": D("500")
    }  # fmt: skip
    assert BudgetLine.objects.first().history.first().history_user == porteur
    # rewritten as a whole: a heading left empty is removed
    services.save_budget(plan.action, 2025, {"64": D("2000.10"), "74-etat": D("2000.10")}, porteur)
    assert services.budget_amounts(plan.action, 2025) == {"64": D("2000.10"),
                                                          "74-etat": D("2000.10")}  # fmt: skip


@pytest.mark.parametrize(
    "amounts, message",
    [
        ({"60": D("100.00"), "74-etat": D("99.99")}, "n'est pas équilibré"),
        ({"60": D("-1"), "74-etat": D("-1")}, "ne peut pas être négatif"),
        ({"60": D("1.005"), "74-etat": D("1.005")}, "2 chiffres après la virgule"),
        ({}, "Le budget est vide"),
        ({"99": D("1")}, "Rubrique inconnue"),
    ],
)
def test_bad_budget_refused_nothing_saved(plan, world, amounts, message):
    services.save_budget(plan.action, 2025, {"60": D("5"), "70": D("5")}, world.users["porteur"])
    with pytest.raises(ValidationError) as info:
        services.save_budget(plan.action, 2025, amounts, world.users["porteur"])
    assert message in " ".join(info.value.messages)
    assert services.budget_amounts(plan.action, 2025) == {"60": D("5"), "70": D("5")}


def test_unbalanced_message_gives_the_gap(plan, world):
    with pytest.raises(ValidationError) as info:
        services.save_budget(plan.action, 2025, {"60": D("1000.00"), "70": D("999.99")},
                             world.users["coordinateur"])  # fmt: skip
    assert info.value.messages == [
        "Le budget n'est pas équilibré : le total des charges (1\u202f000,00\u00a0€) doit "
        "être égal au total des produits (999,99\u00a0€), écart de 0,01\u00a0€."
    ]


def test_year_outside_the_contract_and_another_carrier(plan, world):
    with pytest.raises(ValidationError):
        services.save_budget(plan.action, 2031, {"60": D("1"), "70": D("1")},
                             world.users["coordinateur"])  # fmt: skip
    other = Action.objects.create(
        contract=plan.contract, title="Autre", porteur=world.organisations["asso_lille"],
        commune=world.territories["lille"],
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.save_budget(other, 2025, {"60": D("1"), "70": D("1")}, world.users["porteur"])
    assert not BudgetLine.objects.exists()


def test_reconciliation_with_the_funding_lines(plan):
    def line(kind, nature, requested):
        return FundingLine(action=plan.action, year=2025, funder_kind=kind, nature=nature,
                           requested=D(requested))  # fmt: skip

    amounts = {"60": D("3000"), "74-etat": D("1000"), "74-commune": D("1500.50"),
               "74-prive": D("200"), "87": D("299.50")}  # fmt: skip
    lines = [line("etat_pv", "specifique", "1000"), line("commune", "specifique", "1500.50"),
             line("autre", "droit_commun", "200"), line("mel", "valorisation", "50")]  # fmt: skip
    rows = budget.reconcile(amounts, lines)
    assert [(r["label"].split(" : ")[-1], r["gap"]) for r in rows] == [
        ("État", D("0")), ("Commune(s)", D("0")), ("Total des subventions (74)", D("0"))
    ]  # fmt: skip
    assert budget.is_reconciled(amounts, lines)
    lines[1].requested = D("1500.49")
    assert not budget.is_reconciled(amounts, lines)


def test_budget_page(client, login, plan, world):
    login("porteur")
    url = reverse("actions_coordination:budget", args=[plan.action.pk, 2025])
    page = client.get(url).content.decode()
    assert "60 – Achats" in page and "87 – Contributions volontaires en nature" in page
    response = client.post(url, {"h_60": "100,50", "h_74-etat": "100"})
    assert "n&#x27;est pas équilibré" in response.content.decode()
    assert not BudgetLine.objects.exists()
    response = client.post(url, {"h_60": "100,50", "h_74-etat": "100.50"})
    assert response.status_code == 302
    page = client.get(plan.action.get_absolute_url()).content.decode()
    assert "Budget 2025" in page and "100,50" in page
    outside = reverse("actions_coordination:budget", args=[plan.action.pk, 2031])
    assert client.get(outside).status_code == 404
    login("coordinateur_lille")
    assert client.get(url).status_code == 403
