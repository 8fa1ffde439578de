"""Moderation and results: dated status changes (a reason for « non recevable »), the
vote results' import (all or nothing), the councils' perimeters and shares, the
residents asking to attend the réunion des acteurs, invited with the meeting's ICS."""

import json
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cdvs.meetings.models import Meeting, MeetingSeries
from cdvs.participation import services
from cdvs.participation.models import (
    AttendanceRequest,
    Council,
    Idea,
    IdeaStatusChange,
    RequestStatus,
    Status,
)
from cdvs.testing import plain

from .conftest import ELSEWHERE, QPV_IN, square


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'"))


def make_idea(campaign, status=Status.SUBMITTED, point=QPV_IN):
    return Idea.objects.create(
        campaign=campaign, title="Idée", text="Texte", lat=point[0], lon=point[1],
        status=status, confirmed_at=timezone.now(),
    )  # fmt: skip


def test_status_changes_are_dated_and_checked(campaign, world):
    coordinator = world.users["coordinateur"]
    idea = make_idea(campaign)
    with pytest.raises(ValidationError, match="pourquoi l'idée n'est pas recevable"):
        services.change_status(idea, Status.INADMISSIBLE, " ", coordinator)
    with pytest.raises(ValidationError, match="ne peut pas passer"):
        services.change_status(idea, Status.LAUREATE, "", coordinator)
    with pytest.raises(PermissionDenied):
        services.change_status(idea, Status.ADMISSIBLE, "", world.users["coordinateur_lille"])
    services.change_status(idea, Status.INADMISSIBLE, "Hors compétence de la ville", coordinator)
    services.change_status(idea, Status.ADMISSIBLE, "Réexaminée", coordinator, date(2025, 1, 20))
    changes = list(IdeaStatusChange.objects.filter(idea=idea).values_list("to_status", "on"))
    assert changes == [("non_recevable", date(2025, 1, 15)), ("recevable", date(2025, 1, 20))]
    idea.refresh_from_db()
    assert idea.status == Status.ADMISSIBLE


def test_status_page_requires_a_reason_for_inadmissible(client, login, campaign):
    login("coordinateur")
    idea = make_idea(campaign)
    url = reverse("participation_coordination:idea_status", args=[idea.pk])
    response = client.post(url, {"to_status": "non_recevable", "on": "2025-01-15", "reason": ""})
    assert "pourquoi l'idée n'est pas recevable" in text(response)
    idea.refresh_from_db()
    assert idea.status == Status.SUBMITTED


def _upload(client, campaign, content, name="vote.csv"):
    url = reverse("participation_coordination:import_votes", args=[campaign.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_vote_import_is_all_or_nothing(client, login, campaign):
    login("coordinateur")
    a, b = make_idea(campaign, Status.VOTE), make_idea(campaign, Status.VOTE, ELSEWHERE)
    bad = f"Idée n°;Voix;Lauréate\n{a.pk};120;oui\n999999;5;non\n{b.pk};peut-être;non\n"
    response = _upload(client, campaign, bad.encode())
    page = text(response)
    assert "l'idée n° 999999 est inconnue dans cette campagne" in page
    assert "Ligne 4" in page
    a.refresh_from_db()
    assert (a.status, a.votes) == (Status.VOTE, None)
    good = f"Idée n°;Voix;Lauréate\n{a.pk};120;oui\n{b.pk};40;non\n"
    assert _upload(client, campaign, good.encode()).status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.votes, b.status, b.votes) == (Status.LAUREATE, 120, Status.VOTE, 40)
    assert a.status_changes.get().reason == "Résultats du vote"


def test_vote_import_refuses_ideas_not_put_to_the_vote(client, login, campaign):
    login("coordinateur")
    idea = make_idea(campaign, Status.ADMISSIBLE)
    page = text(_upload(client, campaign, f"Idée n°;Voix;Lauréate\n{idea.pk};3;oui\n".encode()))
    assert "n'est pas soumise au vote" in page


def test_council_perimeter_upload_and_share_in_qpv(client, login, places):
    login("coordinateur")
    # half of the council is in the QPV (lon 2.86–2.87), half beside it in the PAC
    geometry = json.loads(square(2.865, 50.68, 2.875, 50.695))
    upload = SimpleUploadedFile("conseil.geojson", json.dumps(geometry).encode())
    url = reverse("participation_coordination:create_council")
    data = {"commune": places["armentieres"].pk, "name": "Conseil de quartier A", "geojson": upload}
    assert client.post(url, data).status_code == 302
    council = Council.objects.get()
    shares = services.priority_shares(council.geometry)
    assert shares["qpv"] == pytest.approx(0.5, abs=0.01)
    assert shares["pac"] == pytest.approx(0.5, abs=0.01)
    page = text(client.get(reverse("participation_coordination:edit_council", args=[council.pk])))
    assert "Part du périmètre en QPV : 50 %" in page


def test_a_bad_perimeter_is_refused_in_french(client, login, places):
    login("coordinateur")
    upload = SimpleUploadedFile("conseil.geojson", b'{"type": "Point", "coordinates": [2.8, 50.6]}')
    url = reverse("participation_coordination:create_council")
    data = {"commune": places["armentieres"].pk, "name": "Conseil B", "geojson": upload}
    assert "un périmètre doit être un polygone" in text(client.post(url, data))
    assert not Council.objects.exists()


@pytest.fixture
def actors_meeting(world, frozen):
    series = MeetingSeries.objects.create(
        name="Réunion des acteurs de proximité", commune=world.territories["armentieres"],
        visibility="public", period_start=date(2025, 1, 1), period_end=date(2030, 12, 31),
    )  # fmt: skip
    day = date(2025, 2, 10)
    return Meeting.objects.create(
        series=series, title="Réunion des acteurs de proximité", day=day,
        start=timezone.make_aware(datetime.combine(day, time(14))),
        window_start=day, window_end=day, sort_date=day, visibility="public",
    )  # fmt: skip


def test_a_resident_asks_to_attend_and_is_invited_with_ics(
    client, login, world, actors_meeting, immediate_tasks
):
    index = text(client.get(reverse("participation:index")))
    url = reverse("participation:attend", args=[actors_meeting.pk])
    assert url in index
    data = {"name": "Samia", "email": "samia@example.org", "project": "Un atelier vélo"}
    assert "demande est reçue" in text(client.post(url, {**data, "site_web": ""}))
    request = AttendanceRequest.objects.get()
    assert request.status == RequestStatus.ASKED
    login("coordinateur")
    page = text(client.get(reverse("participation_coordination:requests")))
    assert "Un atelier vélo" in page
    helpers = reverse("participation_coordination:helpers", args=[request.pk])
    client.post(helpers, {"helpers": [world.organisations["asso_arm"].pk]})
    assert list(request.helpers.all()) == [world.organisations["asso_arm"]]
    client.post(reverse("participation_coordination:invite", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == RequestStatus.INVITED
    message = mail.outbox[-1]
    assert message.to == ["samia@example.org"]
    name, content, mimetype = message.attachments[0]
    assert name == "reunion.ics" and "BEGIN:VEVENT" in content and "REQUEST" in mimetype
    # personal data: never on a public page
    client.logout()
    assert "samia@example.org" not in text(client.get(reverse("participation:index")))


def test_attend_refuses_a_meeting_that_is_not_public(client, actors_meeting):
    actors_meeting.visibility = "partenaires"
    actors_meeting.save()
    url = reverse("participation:attend", args=[actors_meeting.pk])
    assert client.get(url).status_code == 404


def test_coordination_enters_a_paper_idea_and_a_campaign(client, login, places, frozen):
    login("coordinateur")
    url = reverse("participation_coordination:create_campaign")
    data = {
        "territory": places["armentieres"].pk, "name": "BP 2026",
        "deposit_opens_on": "2025-01-01", "deposit_closes_on": "2025-03-01",
        "ends_on": "2025-02-01",
    }  # fmt: skip
    assert "se termine après sa dernière phase" in text(client.post(url, data))
    data["ends_on"] = "2025-12-31"
    response = client.post(url, data)
    assert response.status_code == 302
    from cdvs.participation.models import Campaign

    campaign = Campaign.objects.get(name="BP 2026")
    add = reverse("participation_coordination:add_idea", args=[campaign.pk])
    response = client.post(add, {"title": "Fresque", "text": "Sur le mur", "lat": QPV_IN[0],
                                 "lon": QPV_IN[1], "carriers_residence": "pac"})  # fmt: skip
    assert response.status_code == 302
    idea = Idea.objects.get(title="Fresque")
    assert idea.confirmed_at is not None and idea.email == "" and idea.area == "qpv"
    assert campaign.ends_on - campaign.deposit_opens_on > timedelta(days=300)


def test_council_meetings_and_remontees_to_the_reunion_des_acteurs(client, login, world, places):
    from cdvs.meetings.models import AgendaItem
    from cdvs.meetings.services import raise_item

    login("coordinateur")
    arm = places["armentieres"]
    council_series = MeetingSeries.objects.create(
        name="Conseil de quartier Nord", commune=arm, visibility="public",
        period_start=date(2025, 1, 1), period_end=date(2030, 12, 31),
    )  # fmt: skip
    actors = MeetingSeries.objects.create(
        name="Réunion des acteurs", commune=arm, period_start=date(2025, 1, 1),
        period_end=date(2030, 12, 31),
    )  # fmt: skip
    url = reverse("participation_coordination:create_council")
    data = {"commune": arm.pk, "name": "Nord", "series": council_series.pk, "feeds_into": actors.pk}
    assert client.post(url, data).status_code == 302
    council_series.refresh_from_db()
    assert council_series.feeds_into == actors
    # a remontée of the council reaches the next réunion des acteurs (meetings' mechanism)
    today = timezone.localdate()
    held = Meeting.objects.create(series=council_series, title="Conseil", day=today,
                                  window_start=today, window_end=today, sort_date=today)  # fmt: skip
    later = today + timedelta(days=20)
    target = Meeting.objects.create(series=actors, title="Acteurs", day=later,
                                    window_start=later, window_end=later, sort_date=later)  # fmt: skip
    item = AgendaItem.objects.create(meeting=held, title="Éclairage de la rue")
    raise_item(item, world.users["coordinateur"])
    assert target.agenda_items.get().title == "Éclairage de la rue"
