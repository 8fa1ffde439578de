"""Every amount keeps its history (who, when, the value before and after), and a
carrier never edits another carrier's action (issue 12)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cdvs.actions import services
from cdvs.actions.models import Action, BudgetLine, FundingLine
from cdvs.testing import make_pdf, upload_file

D = Decimal


def _amounts(line):
    return [
        (h.history_type, h.requested, h.proposed, h.granted, h.paid, h.history_user)
        for h in line.history.order_by("history_id")
    ]


def test_every_amount_of_a_funding_line_keeps_its_history(plan, world):
    coordinator = world.users["coordinateur"]
    line = services.save_funding_line(
        FundingLine(action=plan.action),
        {"year": 2025, "funder_kind": "etat_pv", "nature": "specifique", "requested": D("1000")},
        coordinator,
    )
    for values in ({"proposed": D("900")}, {"granted": D("800.50")}, {"paid": D("400.25")},
                   {"requested": D("1200")}):  # fmt: skip
        services.save_funding_line(line, values, coordinator)
    assert _amounts(line) == [
        ("+", D("1000"), None, None, None, coordinator),
        ("~", D("1000"), D("900"), None, None, coordinator),
        ("~", D("1000"), D("900"), D("800.50"), None, coordinator),
        ("~", D("1000"), D("900"), D("800.50"), D("400.25"), coordinator),
        ("~", D("1200"), D("900"), D("800.50"), D("400.25"), coordinator),
    ]


def test_the_funding_page_records_its_author(client, login, plan, world):
    user = login("coordinateur")
    url = reverse("actions_coordination:add_funding", args=[plan.action.pk])
    client.post(url, {"year": 2025, "funder_kind": "commune", "nature": "droit_commun",
                      "requested": "150.10"})  # fmt: skip
    line = FundingLine.objects.get()
    url = reverse("actions_coordination:edit_funding", args=[line.pk])
    client.post(url, {"year": 2025, "funder_kind": "commune", "nature": "droit_commun",
                      "requested": "150.10", "granted": "100.00",
                      "decided_on": "2025-03-01"})  # fmt: skip
    assert _amounts(line)[-1] == ("~", D("150.10"), None, D("100.00"), None, user)
    assert len(_amounts(line)) == 2


def test_budget_lines_keep_their_history_even_when_removed(plan, world):
    porteur = world.users["porteur"]
    services.save_budget(plan.action, 2025, {"64": D("1000"), "74-etat": D("1000")}, porteur)
    services.save_budget(plan.action, 2025, {"64": D("600"), "61": D("400"),
                                             "74-etat": D("1000")}, porteur)  # fmt: skip
    services.save_budget(plan.action, 2025, {"61": D("1000"), "74-etat": D("1000")}, porteur)
    records = [
        (h.heading, h.history_type, h.amount, h.history_user)
        for h in BudgetLine.history.order_by("history_id")
    ]
    assert ("64", "+", D("1000"), porteur) in records
    assert ("64", "~", D("600"), porteur) in records
    assert ("64", "-", D("600"), porteur) in records  # removed: its last amount is kept
    assert ("61", "~", D("1000"), porteur) in records
    assert BudgetLine.objects.filter(heading="64").count() == 0


def test_a_decision_records_each_granted_amount(programmation, plan, world):
    porteur, coordinator = world.users["porteur"], world.users["coordinateur"]
    services.save_budget(plan.action, 2025, {"64": D("1000"), "74-etat": D("1000")}, porteur)
    request = services.submit_request(programmation, plan.action, [
        {"funder_kind": "etat_pv", "funder_name": "", "nature": "specifique",
         "requested": D("1000")},
    ], porteur, on=date(2025, 2, 1))  # fmt: skip
    line = FundingLine.objects.get(action=plan.action)
    services.record_decisions(request, {line: {"granted": D("750")}}, date(2025, 3, 10),
                              coordinator)  # fmt: skip
    first, last = _amounts(line)[0], _amounts(line)[-1]
    assert first[:2] == ("+", D("1000")) and first[5] == porteur
    assert last[3] == D("750") and last[5] == coordinator


@pytest.fixture
def other_action(plan, world):
    return Action.objects.create(
        contract=plan.contract, title="Action d'un autre porteur",
        porteur=world.organisations["asso_lille"], commune=world.territories["lille"],
    )  # fmt: skip


def test_a_carrier_cannot_edit_another_carriers_action(client, login, plan, world, other_action):
    porteur = login("porteur")
    for name in ("edit", "status", "add_funding"):
        url = reverse(f"actions_coordination:{name}", args=[other_action.pk])
        assert client.get(url).status_code == 403, name
        assert client.post(url, {"title": "Pris", "requested": "1"}).status_code == 403, name
    url = reverse("actions_coordination:budget", args=[other_action.pk, 2025])
    assert client.post(url, {"64": "10", "74-etat": "10"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.save_budget(other_action, 2025, {"64": D("10"), "74-etat": D("10")}, porteur)
    with pytest.raises(PermissionDenied):
        services.save_action(other_action, {"title": "Pris"}, porteur)
    # nor fund their own: amounts are the coordination's
    with pytest.raises(PermissionDenied):
        services.save_funding_line(FundingLine(action=plan.action), {
            "year": 2025, "funder_kind": "mel", "nature": "specifique", "requested": D("5"),
        }, porteur)  # fmt: skip
    other_action.refresh_from_db()
    assert other_action.title == "Action d'un autre porteur"
    assert not BudgetLine.objects.exists() and not FundingLine.objects.exists()
    assert other_action.history.count() == 1


def test_a_carrier_cannot_request_for_another_carriers_action(programmation, world, other_action):
    with pytest.raises(PermissionDenied):
        services.submit_request(programmation, other_action, [], world.users["porteur"],
                                dauphin_file=upload_file("d.pdf", make_pdf(["Dossier"])))  # fmt: skip
    assert not other_action.requests.exists()
