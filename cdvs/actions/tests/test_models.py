from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cdvs.actions import services
from cdvs.actions.models import Action, FundingLine, Status, funding_totals


def line(action, **values):
    defaults = {"year": 2025, "funder_kind": "etat_pv", "nature": "specifique",
                "requested": Decimal("1000.00")}  # fmt: skip
    return FundingLine(action=action, **{**defaults, **values})


def errors(obj) -> dict:
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    return info.value.message_dict


def test_negative_amount_refused(plan):
    assert errors(line(plan.action, requested=Decimal("-1"))) == {
        "requested": ["Un montant ne peut pas être négatif."]
    }


def test_three_decimals_refused(plan):
    message = errors(line(plan.action, granted=Decimal("10.123")))["granted"][0]
    assert "2 chiffres après la virgule" in message


def test_granted_above_requested_needs_a_reason(plan):
    above = line(plan.action, granted=Decimal("1000.01"))
    assert errors(above) == {
        "granted_reason": ["Le montant accordé dépasse le montant demandé : indiquez le motif."]
    }
    above.granted_reason = "Complément de fin d'année"
    above.full_clean()


def test_paid_not_above_granted(plan):
    assert "paid" in errors(line(plan.action, granted=Decimal("500"), paid=Decimal("500.01")))
    assert errors(line(plan.action, paid=Decimal("1"))) == {
        "paid": ["Un montant versé suppose un montant accordé."]
    }


def test_year_outside_the_contract(plan):
    assert errors(line(plan.action, year=2031)) == {
        "year": ["L'année doit être comprise entre 2024 et 2030, les années du contrat."]
    }


def test_other_funder_must_be_named(plan):
    assert "funder_name" in errors(line(plan.action, funder_kind="autre"))


def test_end_before_start(plan):
    plan.action.starts_on, plan.action.ends_on = date(2025, 6, 1), date(2025, 5, 31)
    assert errors(plan.action) == {
        "ends_on": ["La date de fin ne peut pas précéder la date de début."]
    }


def test_another_carriers_action_refused(plan, world):
    action = Action.objects.create(
        contract=plan.contract, title="Autre", porteur=world.organisations["asso_lille"],
        commune=world.territories["lille"],
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.save_action(action, {"title": "Pris"}, world.users["porteur"])
    action.refresh_from_db()
    assert action.title == "Autre"
    # their own: allowed, with its history
    services.save_action(plan.action, {"title": "Atelier du Bizet"}, world.users["porteur"])
    assert plan.action.history.first().history_user == world.users["porteur"]


def test_status_transitions_are_declared_once(plan, world):
    coordinator = world.users["coordinateur"]
    with pytest.raises(ValidationError):
        services.change_status(plan.action, Status.RUNNING, "trop tôt", coordinator)
    with pytest.raises(ValidationError):
        services.change_status(plan.action, Status.SUBMITTED, "  ", coordinator)
    services.change_status(plan.action, Status.SUBMITTED, "Dossier Dauphin", coordinator)
    change = plan.action.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == ("projet", "deposee", coordinator)
    plan.action.refresh_from_db()
    assert plan.action.status == Status.SUBMITTED
    with pytest.raises(PermissionDenied):
        services.change_status(plan.action, Status.PROGRAMMED, "x", world.users["porteur"])


def test_totals_per_nature(plan):
    lines = [
        line(plan.action, requested=Decimal("0.10"), granted=Decimal("0.10")),
        line(plan.action, requested=Decimal("0.20"), nature="droit_commun"),
    ]
    totals = funding_totals(lines)
    assert totals["natures"]["specifique"]["granted"] == Decimal("0.10")
    assert totals["all"]["requested"] == Decimal("0.30")
