"""API and ICS of deadlines: only what the reader may see."""

from datetime import date, time

import pytest
from django.urls import reverse
from icalendar import Calendar

from cdvs.calls import alerts
from cdvs.calls.models import SavedSearch
from cdvs.testing import ROLES_EXCEPT_LILLE as ROLES
from cdvs.testing import SEES, make_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(world, frozen):
    return {
        v: make_call(f"Appel {v}", visibility=v, closes_on=date(2025, 1, 25))
        for v in ("public", "partenaires", "coordination")
    }


@pytest.mark.parametrize("role", ROLES)
def test_api_per_role(client, world, three, role):
    if world.users[role] is not None:
        client.force_login(world.users[role])
    listed = {c["title"] for c in client.get("/api/appels").json()}
    assert listed == {f"Appel {v}" for v in SEES[role]}
    for visibility, call in three.items():
        response = client.get(f"/api/appels/{call.pk}")
        assert response.status_code == (200 if visibility in SEES[role] else 404)


def test_api_status_filter_and_fields(client, world, frozen):
    make_call("Clos", opens_on=date(2024, 1, 1), closes_on=date(2024, 2, 1))
    soon = make_call("Bientôt", closes_on=date(2025, 1, 20), amount_max="1500")
    make_call("Plus tard", opens_on=date(2025, 6, 1), closes_on=date(2025, 7, 1))
    assert [c["title"] for c in client.get("/api/appels?statut=clos").json()] == ["Clos"]
    data = client.get("/api/appels?statut=cloture_proche").json()
    assert [c["title"] for c in data] == ["Bientôt"]
    assert data[0]["status_label"] == "Clôture proche"
    assert data[0]["amount_max"] == "1500.00"
    assert {c["title"] for c in client.get("/api/appels").json()} == {"Bientôt", "Plus tard"}
    response = client.get("/api/appels?statut=nimporte")
    assert response.status_code == 422
    assert "Statut inconnu" in response.content.decode()
    detail = client.get(f"/api/appels/{soon.pk}").json()
    assert detail["description"] == ""


def _events(body: bytes):
    calendar = Calendar.from_ical(body)
    return [e for e in calendar.walk("VEVENT")], calendar


def test_public_feed_has_public_deadlines_only(client, world, three):
    response = client.get(reverse("calls:public_feed"))
    assert response["Content-Type"].startswith("text/calendar")
    events, calendar = _events(response.content)
    assert [str(e["SUMMARY"]) for e in events] == ["Clôture : Appel public"]
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    assert events[0]["DTSTART"].dt == date(2025, 1, 25)  # all-day
    # logged-in sessions do not change the public feed
    client.force_login(world.users["administrateur"])
    events, _ = _events(client.get(reverse("calls:public_feed")).content)
    assert len(events) == 1


def test_timed_deadline_and_recurring_sessions(client, frozen):
    make_call("Midi", closes_on=date(2025, 2, 3), closes_at=time(12, 0))
    make_call("Annuel", opens_on=date(2024, 1, 1), closes_on=date(2024, 2, 1),
              recurrence="annuelle")  # fmt: skip
    make_call("Au fil de l'eau", closes_on=None)
    events, _ = _events(client.get(reverse("calls:public_feed")).content)
    by_summary = {}
    for e in events:
        by_summary.setdefault(str(e["SUMMARY"]), []).append(e)
    midi = by_summary["Clôture : Midi"][0]
    assert midi["DTEND"].dt.hour == 12 and str(midi["DTEND"].dt.tzinfo) == "Europe/Paris"
    assert [e["DTSTART"].dt for e in by_summary["Clôture : Annuel"]] == [
        date(2025, 2, 1), date(2026, 2, 1), date(2027, 2, 1)
    ]  # fmt: skip
    assert "Clôture : Au fil de l'eau" not in by_summary


@pytest.mark.parametrize("role", ["sans_role", "porteur", "coordinateur"])
def test_saved_search_feed_follows_its_owner(client, world, three, role):
    search = SavedSearch.objects.create(user=world.users[role], name="Tout")
    url = reverse("calls:search_feed", args=[alerts.feed_token(search)])
    events, _ = _events(client.get(url).content)  # no session: the token is enough
    assert {str(e["SUMMARY"]).removeprefix("Clôture : Appel ") for e in events} == SEES[role]
    forged = reverse("calls:search_feed", args=[alerts.feed_token(search)[:-2] + "zz"])
    assert client.get(forged).status_code == 404
