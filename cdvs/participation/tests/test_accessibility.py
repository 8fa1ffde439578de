"""Every residents' page of the participation passes axe-core without serious or
critical violation at 320 px, 390 px (a phone) and 1280 px, and so do the coordination
pages at 1280 px; no horizontal overflow on a phone for the residents' pages (WCAG
1.4.10 asks for 320 px). These run in CI (`.ci/run` installs Chromium)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cdvs.core.tests.browser import (
    blocking,
    chromium,
    describe,
    horizontal_overflow,
    new_page,
    requires_chromium,
    run_axe,
)
from cdvs.core.tests.test_accessibility import coordinator_cookie, load_reference_data

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def _check(live_server, pages, widths, cookies=()):
    failures = []
    cookies = [{k: c[k] for k in ("name", "value", "url")} for c in cookies]
    with chromium() as browser:
        for width in widths:
            page = new_page(browser, width=width, height=850, cookies=cookies)
            for name, path in pages.items():
                path, expected = path if isinstance(path, tuple) else (path, 200)
                response = page.goto(live_server.url + path, wait_until="load")
                if response.status != expected:
                    failures.append(f"{name} ({path}) : statut HTTP {response.status}")
                    continue
                serious = blocking(run_axe(page)["violations"])
                if serious:
                    failures.append(f"{name} à {width} px : " + describe(serious))
                if width < 400 and horizontal_overflow(page):
                    failures.append(f"{name} déborde à {width} px : {horizontal_overflow(page)}")
    return failures


def _objects(commune=None):
    from cdvs.meetings.models import Meeting, MeetingSeries
    from cdvs.participation.models import AttendanceRequest, Campaign, Idea, SupportAction
    from cdvs.participation.services import idea_token
    from cdvs.territories.models import Territory

    commune = commune or Territory.objects.filter(kind="commune").order_by("pk").first()
    today = date.today()
    campaign = Campaign.objects.create(
        territory=commune, name="Budget participatif", deposit_opens_on=today - timedelta(1),
        deposit_closes_on=today + timedelta(30), ends_on=today + timedelta(300),
    )  # fmt: skip
    SupportAction.objects.create(campaign=campaign, kind="porte_a_porte")
    idea = Idea.objects.create(
        campaign=campaign, title="Des bancs", text="À l'ombre", lat=50.69, lon=2.88,
        status="deposee", confirmed_at=timezone.now(), email="habitant@example.org",
    )  # fmt: skip
    public = Idea.objects.create(
        campaign=campaign, title="Un jardin", text="Partagé", lat=50.69, lon=2.88,
        status="laureate", confirmed_at=timezone.now(), votes=12,
    )  # fmt: skip
    series = MeetingSeries.objects.create(
        name="Réunion des acteurs", commune=commune, visibility="public",
        period_start=today, period_end=today + timedelta(365),
    )  # fmt: skip
    soon = today + timedelta(10)
    meeting = Meeting.objects.create(
        series=series, title="Réunion des acteurs", day=soon, window_start=soon,
        window_end=soon, sort_date=soon, visibility="public",
    )  # fmt: skip
    request = AttendanceRequest.objects.create(
        meeting=meeting, name="Samia", email="samia@example.org", project="Un atelier"
    )
    return campaign, idea, public, meeting, request, idea_token(idea)


def test_residents_pages_at_390_and_1280_px(live_server):
    load_reference_data()
    campaign, idea, public, meeting, _, token = _objects()
    pages = {
        "participation": reverse("participation:index"),
        "participation-falc": reverse("participation:falc"),
        "pres-de-chez-moi": reverse("participation:near"),
        "pres-de-chez-moi-resultats": reverse("participation:near") + "?lat=50.69&lon=2.88",
        "pres-de-chez-moi-falc": reverse("participation:near") + "?facile=1&lat=50.69&lon=2.88",
        "pres-de-chez-moi-erreur": reverse("participation:near") + "?adresse=",
        "campagne": reverse("participation:campaign", args=[campaign.pk]),
        "deposer": reverse("participation:deposit", args=[campaign.pk]),
        "idee": reverse("participation:idea", args=[public.pk]),
        "campagne-page-2": reverse("participation:campaign", args=[campaign.pk]) + "?page=2",
        "mon-idee": reverse("participation:my_idea", args=[token]),
        "lien-abime": (reverse("participation:my_idea", args=[token[:-3] + "xyz"]), 400),
        "participer-reunion": reverse("participation:attend", args=[meeting.pk]),
    }
    failures = _check(live_server, pages, (320, 390, 1280))
    assert not failures, "\n\n".join(failures)


def test_coordination_pages(live_server, client):
    load_reference_data()
    from cdvs.directory.models import Organisation

    cookie = coordinator_cookie(client, live_server)
    commune = Organisation.objects.get(pk=cookie["organisation"]).territory
    campaign, idea, _, _, request, _ = _objects(commune)
    from cdvs.participation.models import Council

    council = Council.objects.create(commune=commune, name="Conseil du centre")
    pages = {
        "gestion": reverse("participation_coordination:campaigns"),
        "gestion-campagne": reverse("participation_coordination:create_campaign"),
        "gestion-idees": reverse("participation_coordination:ideas", args=[campaign.pk]),
        "gestion-soutien": reverse("participation_coordination:add_support", args=[campaign.pk]),
        "gestion-saisie": reverse("participation_coordination:add_idea", args=[campaign.pk]),
        "gestion-vote": reverse("participation_coordination:import_votes", args=[campaign.pk]),
        "gestion-statut": reverse("participation_coordination:idea_status", args=[idea.pk]),
        "gestion-conseil": reverse("participation_coordination:create_council"),
        "gestion-conseil-carte": reverse(
            "participation_coordination:edit_council", args=[council.pk]
        ),
        "gestion-demandes": reverse("participation_coordination:requests"),
        "gestion-aide": reverse("participation_coordination:helpers", args=[request.pk]),
    }
    failures = _check(live_server, pages, (1280,), cookies=[cookie])
    assert not failures, "\n\n".join(failures)
