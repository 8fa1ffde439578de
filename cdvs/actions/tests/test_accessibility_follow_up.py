"""The pages of the yearly cycle, the engagements de droit commun and the projets phares
pass axe-core without serious or critical violation, on the contract loaded from the seed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from cdvs.core.tests.browser import requires_chromium
from cdvs.core.tests.test_accessibility import audit, coordinator_cookie, load_reference_data

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def test_cycle_engagements_and_flagships_pages(live_server, client):
    from cdvs.accounts.models import User
    from cdvs.actions import cycle, engagements, flagships
    from cdvs.actions.models import Action, Convention, CycleMeeting, Engagement, Milestone
    from cdvs.contract.models import Contract
    from cdvs.directory.models import Organisation
    from cdvs.meetings.models import Meeting

    load_reference_data()
    cookie = coordinator_cookie(client, live_server)
    organiser = Organisation.objects.get(pk=cookie["organisation"])
    user = User.objects.get(memberships__organisation=organiser, memberships__role="coordinateur")
    contract = Contract.objects.order_by("id").first()
    year = contract.start_year + 1
    action = Action.objects.create(contract=contract, title="Atelier", porteur=organiser,
                                   commune=organiser.territory)  # fmt: skip
    convention = Convention.objects.create(contract=contract, title="CPO", porteur=organiser,
                                           commune=organiser.territory, start_year=year)  # fmt: skip
    convention.actions.set([action])
    convention.years.create(year=year, amount=Decimal("5000.00"))
    cycle.create_year(contract, year, user)
    copil = CycleMeeting.objects.filter(action=action).first().meeting
    copil.next_steps.create(what="Relancer", due_date=date(year, 2, 1))
    item = engagements.save_engagement(
        Engagement(), {"contract": contract, "partner": "caf", "text": "Accueillir"},
        list(contract.enjeux.all()[:1]), user,
    )  # fmt: skip
    engagements.review(item, {"on": date(year, 1, 5), "state": "en_cours"}, user)
    flagship = flagships.choose(action, {"lead_user": user}, user)
    flagships.save_milestone(Milestone(flagship=flagship),
                             {"label": "Lancement", "due_on": date(year, 6, 1)}, user)  # fmt: skip
    soon = date.today() + timedelta(days=20)
    meeting = Meeting.objects.create(
        series=flagships.steering_series(contract), title="Comité de pilotage", day=soon,
        window_start=soon, window_end=soon, sort_date=soon,
    )  # fmt: skip
    flagships.save_report(flagship, meeting, "En bonne voie.", user)
    pages = {
        "actions-fiche-cycle": reverse("actions:detail", args=[action.pk]),
        "engagements": reverse("actions:engagements"),
        "engagement": reverse("actions:engagement", args=[item.pk]),
        "engagement-creer": reverse("actions_coordination:engagement_create"),
        "engagement-examen": reverse("actions_coordination:engagement_review", args=[item.pk]),
        "projets-phares": reverse("actions:flagships"),
        "projet-phare": reverse("actions:flagship", args=[flagship.pk]),
        "projet-phare-choisir": reverse("actions_coordination:flagship_create"),
        "projet-phare-jalon": reverse("actions_coordination:milestone_add", args=[flagship.pk]),
        "projet-phare-point": reverse(
            "actions_coordination:report", args=[flagship.pk, meeting.pk]
        ),  # fmt: skip
    }
    failures = audit(live_server, pages, cookies=[cookie])
    assert not failures, "\n\n".join(failures)
