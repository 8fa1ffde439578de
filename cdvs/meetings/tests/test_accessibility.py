"""The agenda pages pass axe-core without serious or critical violation, with the real
instances of Armentières loaded (same browser helpers as the core accessibility test)."""

import pytest
from django.urls import reverse

from cdvs.core.tests.browser import requires_chromium
from cdvs.core.tests.test_accessibility import audit, coordinator_cookie, load_reference_data

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def test_agenda_pages_have_no_serious_axe_violation(live_server, client):
    from cdvs.contract.models import ActionLead
    from cdvs.library.models import Document
    from cdvs.meetings.loader import load
    from cdvs.meetings.models import AgendaItem, Meeting, MeetingSeries, NextStep
    from cdvs.meetings.services import unsubscribe_token

    load_reference_data()
    load()
    cookie = coordinator_cookie(client, live_server)
    point = Meeting.objects.filter(series__key="armentieres-point-actu-acteurs-qpv").first()
    reunion = Meeting.objects.filter(series__key="armentieres-reunion-acteurs-proximite").first()
    lead = ActionLead.objects.first()
    document = Document.objects.create(title="Diagnostic partagé", kind="pdf")
    for meeting in (point, reunion):
        AgendaItem.objects.create(
            meeting=meeting,
            title="Tour de table",
            duration_minutes=20,
            action=lead,
            document=document,
        )
    NextStep.objects.create(meeting=point, what="Relancer les partenaires", who="CCAS", action=lead)
    series = MeetingSeries.objects.get(key="armentieres-point-actu-acteurs-qpv")
    pages = {
        "agenda-liste": reverse("meetings:index"),
        "agenda-mois": reverse("meetings:month", args=[2025, 3]),
        "agenda-instances": reverse("meetings:series_list"),
        "agenda-instance": reverse("meetings:series", args=[series.pk]),
        "agenda-reunion": reverse("meetings:detail", args=[point.pk]),
        "agenda-a-planifier": reverse("meetings:detail", args=[reunion.pk]),
        "agenda-suites": reverse("meetings:next_steps"),
        "agenda-mes-reunions": reverse("meetings:mine"),
        "agenda-modifier": reverse("meetings_coordination:edit", args=[reunion.pk]),
        "agenda-ordre-du-jour": reverse("meetings_coordination:agenda", args=[reunion.pk]),
        "agenda-presences": reverse("meetings_coordination:attendance", args=[point.pk]),
        "agenda-compte-rendu": reverse("meetings_coordination:minutes", args=[point.pk]),
        "agenda-invitations": reverse("meetings_coordination:invitations", args=[point.pk]),
        "agenda-regle": reverse("meetings_coordination:edit_series", args=[series.pk]),
        "agenda-retirer-point": reverse(
            "meetings_coordination:delete_item",
            args=[AgendaItem.objects.filter(meeting=reunion).first().pk],
        ),
        "agenda-desinscription": reverse(
            "meetings:unsubscribe", args=[unsubscribe_token(series.pk, "accueil@example.org")]
        ),
    }
    failures = audit(live_server, pages, cookies=[cookie])
    assert not failures, "\n\n".join(failures)
