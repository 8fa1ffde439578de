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
