"""The plan d'actions' pages pass axe-core without serious or critical violation (same
browser helpers as the core accessibility test), on the contract loaded from the seed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cdvs.core.tests.browser import requires_chromium
from cdvs.core.tests.test_accessibility import audit, coordinator_cookie, load_reference_data

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def test_actions_pages_have_no_serious_axe_violation(live_server, client):
    from cdvs.actions.models import Action, FundingLine
    from cdvs.contract.models import ActionLead, Contract
    from cdvs.directory.models import Organisation

    load_reference_data()
    cookie = coordinator_cookie(client, live_server)
    organiser = Organisation.objects.get(pk=cookie["organisation"])
    contract = Contract.objects.order_by("id").first()
    lead = ActionLead.objects.select_related("objective").order_by("pk").first()
    action = Action.objects.create(
        contract=contract, title="Atelier d'écriture", porteur=organiser,
        commune=organiser.territory,
    )  # fmt: skip
    action.objectives.set([lead.objective])
    line = FundingLine.objects.create(
        action=action, year=contract.start_year, funder_kind="commune", nature="specifique",
        requested=Decimal("1500.00"), granted=Decimal("1200.50"),
    )  # fmt: skip
    pages = {
        "actions-liste": reverse("actions:list"),
        "actions-fiche": reverse("actions:detail", args=[action.pk]),
        "actions-creer-depuis-piste": reverse("actions_coordination:create") + f"?piste={lead.pk}",
        "actions-modifier": reverse("actions_coordination:edit", args=[action.pk]),
        "actions-statut": reverse("actions_coordination:status", args=[action.pk]),
        "actions-financement": reverse("actions_coordination:add_funding", args=[action.pk]),
        "actions-financement-modifier": reverse(
            "actions_coordination:edit_funding", args=[line.pk]
        ),
        "actions-historique": reverse("actions_coordination:history", args=[action.pk]),
        "actions-corbeille": reverse("actions_coordination:trash"),
    }
    failures = audit(live_server, pages, cookies=[cookie])
    assert not failures, "\n\n".join(failures)


def test_budget_programmation_cpo_dashboard_pages(live_server, client):
    from datetime import date

    from cdvs.actions.models import Action, Convention
    from cdvs.contract.models import Contract
    from cdvs.directory.models import Organisation

    load_reference_data()
    cookie = coordinator_cookie(client, live_server)
    organiser = Organisation.objects.get(pk=cookie["organisation"])
    contract = Contract.objects.order_by("id").first()
    year = contract.start_year + 1
    action = Action.objects.create(contract=contract, title="Atelier", porteur=organiser,
                                   commune=organiser.territory)  # fmt: skip
    from cdvs.actions.models import FundingLine, Programmation, Request
    from cdvs.testing import make_call

    call = make_call("Programmation", commune=organiser.territory, visibility="partenaires")
    programmation = Programmation.objects.create(call=call, contract=contract, year=year,
                                                 commune=organiser.territory)  # fmt: skip
    request = Request.objects.create(programmation=programmation, action=action,
                                     submitted_on=date(year, 1, 15))  # fmt: skip
    FundingLine.objects.create(action=action, year=year, funder_kind="etat_pv",
                               nature="specifique", requested=Decimal("1000.00"))  # fmt: skip
    convention = Convention.objects.create(contract=contract, title="CPO", porteur=organiser,
                                           commune=organiser.territory, start_year=year)  # fmt: skip
    convention.actions.set([action])
    cpo_year = convention.years.create(year=year, amount=Decimal("5000.00"))
    pages = {
        "actions-budget": reverse("actions_coordination:budget", args=[action.pk, year]),
        "actions-programmations": reverse("actions:programmations"),
        "actions-programmation": reverse("actions:programmation", args=[programmation.pk]),
        "actions-deposer": reverse("actions_coordination:request_create", args=[programmation.pk]),
        "actions-demande": reverse("actions_coordination:request", args=[request.pk]),
        "actions-avis": reverse("actions_coordination:opinion", args=[request.pk]),
        "actions-decision": reverse("actions_coordination:decision", args=[request.pk]),
        "actions-cpo": reverse("actions:conventions"),
        "actions-cpo-fiche": reverse("actions:convention", args=[convention.pk]),
        "actions-cpo-creer": reverse("actions_coordination:convention_create"),
        "actions-cpo-avenant": reverse("actions_coordination:avenant", args=[cpo_year.pk]),
        "actions-tableau-de-bord": reverse("actions:dashboard"),
    }
    failures = audit(live_server, pages, cookies=[cookie])
    assert not failures, "\n\n".join(failures)
