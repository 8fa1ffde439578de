"""Residents' pages, no account: « Près de chez moi » (services open today near an
address or a position, their hours in words), public events only, actions running in
the quartier (public fields), initiatives, FALC; light pages; no personal data."""

from datetime import date, time

import pytest
from django.urls import reverse
from django.utils import timezone

from cdvs.actions.models import Action
from cdvs.contract.models import Contract
from cdvs.directory.models import OpeningSlot, Place, Service
from cdvs.meetings.models import Meeting, MeetingSeries
from cdvs.participation.models import Idea, Status
from cdvs.testing import plain

from .conftest import ELSEWHERE, QPV_IN

PUBLIC_PAGES = ["participation:index", "participation:falc", "participation:near"]


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'"))


@pytest.fixture
def neighbourhood(world, places, frozen):
    """The Bizet centre social open on Wednesdays (today) at 100 m from QPV_IN, the
    Lille association open on Thursdays; a public and a partners' meeting; an action
    running in the QPV; a laureate idea there."""
    o, t = world.organisations, world.territories
    near = Place.objects.create(organisation=o["asso_arm"], name="Accueil",
                                address="1 rue du Bizet", lat=QPV_IN[0] + 0.0009, lon=QPV_IN[1])  # fmt: skip
    OpeningSlot.objects.create(place=near, weekday=2, start=time(9), end=time(12))
    OpeningSlot.objects.create(place=near, weekday=3, start=time(14), end=time(17))
    Service.objects.create(organisation=o["asso_arm"], name="Aide aux devoirs", place=near)
    far = Place.objects.create(organisation=o["asso_lille"], name="Local",
                               lat=ELSEWHERE[0], lon=ELSEWHERE[1])  # fmt: skip
    OpeningSlot.objects.create(place=far, weekday=3, start=time(9), end=time(12))
    series = MeetingSeries.objects.create(
        name="Conseil de quartier", commune=t["armentieres"], visibility="public",
        period_start=date(2025, 1, 1), period_end=date(2030, 12, 31),
    )  # fmt: skip
    day = date(2025, 2, 3)
    for title, visibility in (
        ("Conseil de quartier du Bizet", "public"),
        ("Point partenaires", "partenaires"),
    ):
        Meeting.objects.create(series=series, title=title, day=day, window_start=day,
                               window_end=day, sort_date=day, visibility=visibility)  # fmt: skip
    contract = Contract.objects.create(name="C", epci=t["mel"], start_year=2024, end_year=2030)
    action = Action.objects.create(contract=contract, title="Atelier vélo", porteur=o["asso_arm"],
                                   commune=t["armentieres"], status="en_cours")  # fmt: skip
    action.territories.set([t["qpv_arm"]])
    Action.objects.create(contract=contract, title="Projet en préparation", porteur=o["asso_arm"],
                          commune=t["armentieres"]).territories.set([t["qpv_arm"]])  # fmt: skip
    return near


def test_near_me_by_position_lists_what_is_open_today_in_words(
    client, neighbourhood, campaign, django_assert_max_num_queries
):
    idea = Idea.objects.create(campaign=campaign, title="Jardin partagé", text="x", lat=QPV_IN[0],
                               lon=QPV_IN[1], status=Status.LAUREATE, confirmed_at=timezone.now(),
                               email="porteuse@example.org")  # fmt: skip
    idea.territories.set([campaign.territory.children.get(kind="qpv")])
    url = reverse("participation:near") + f"?lat={QPV_IN[0]}&lon={QPV_IN[1]}&adresse="
    with django_assert_max_num_queries(25):
        response = client.get(url)
    page = text(response)
    assert response.status_code == 200 and len(response.content) < 150_000
    assert "Route Nationale (QPV)" in page
    assert "Centre social du Bizet" in page and "à 100\u00a0m" in page
    assert "Accueil : le mercredi de 9\u00a0h\u00a000 à 12\u00a0h\u00a000" in page
    assert "jeudi" not in page  # only today's hours
    assert "Association lilloise" not in page  # closed today
    assert "Aide aux devoirs" in page
    assert "Conseil de quartier du Bizet" in page and "Point partenaires" not in page
    assert "Atelier vélo" in page and "Projet en préparation" not in page
    assert "Jardin partagé" in page and "porteuse@example.org" not in page


def test_near_me_without_place_asks_for_one_and_shows_public_events(client, neighbourhood):
    page = text(client.get(reverse("participation:near") + "?adresse="))
    assert "Indiquez une adresse ou utilisez votre position" in page
    assert "Conseil de quartier du Bizet" in page


def test_falc_versions(client, neighbourhood):
    page = text(client.get(reverse("participation:falc")))
    assert "Le budget participatif, c'est quoi ?" in page
    url = reverse("participation:near") + f"?facile=1&lat={QPV_IN[0]}&lon={QPV_IN[1]}"
    page = text(client.get(url))
    assert "Vous habitez dans le quartier Route Nationale." in page
    assert "Ouvert aujourd'hui près de chez moi" in page


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_residents_pages_are_public_and_light(client, world, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert len(response.content) < 150_000


def test_no_personal_data_of_residents_on_public_pages(client, campaign):
    Idea.objects.create(campaign=campaign, title="Idée publique", text="x", lat=QPV_IN[0],
                        lon=QPV_IN[1], status=Status.ADMISSIBLE, confirmed_at=timezone.now(),
                        email="secret@example.org", carriers_residence="qpv")  # fmt: skip
    idea = Idea.objects.get()
    for url in (
        reverse("participation:index"),
        reverse("participation:campaign", args=[campaign.pk]),
        reverse("participation:idea", args=[idea.pk]),
        reverse("participation:export", args=[campaign.pk, "csv"]),
    ):
        body = client.get(url).content.decode("utf-8", "replace")
        assert "secret@example.org" not in body, url
        assert "Dans un quartier prioritaire (QPV)" not in body, url  # the carriers' residence


def test_the_campaign_pages_its_public_ideas(client, campaign, monkeypatch):
    from cdvs.participation import views

    monkeypatch.setattr(views, "PUBLIC_IDEAS", 2)
    for n in range(5):
        Idea.objects.create(
            campaign=campaign, title=f"Idée {n}", text="Texte", lat=QPV_IN[0], lon=QPV_IN[1],
            status=Status.ADMISSIBLE, confirmed_at=timezone.now(),
        )  # fmt: skip
    Idea.objects.create(
        campaign=campaign, title="Idée en attente", text="Texte", lat=QPV_IN[0], lon=QPV_IN[1]
    )
    url = reverse("participation:campaign", args=[campaign.pk])
    first = plain(client.get(url).content.decode())
    assert "5 idées publiées" in first and "Page 1 sur 3" in first
    assert "Idée 0" in first and "Idée 2" not in first
    third = plain(client.get(url + "?page=3").content.decode())
    assert "Idée 4" in third and "Idée en attente" not in third
    for bad in ("abc", str(2**63), "-1", "9" * 10_000):
        assert client.get(url, {"page": bad}).status_code == 200
    assert client.get(url + "?page=%ED%A0%80").status_code == 200  # a lone surrogate
    # a new public idea shows at once (the cache follows the ideas' data version)
    Idea.objects.create(
        campaign=campaign, title="Idée 5", text="Texte", lat=QPV_IN[0], lon=QPV_IN[1],
        status=Status.ADMISSIBLE, confirmed_at=timezone.now(),
    )  # fmt: skip
    assert "6 idées publiées" in plain(client.get(url).content.decode())
