"""Opening hours of the places: French labels, the slots page (formsets), « ouvert
le … » in the database (weekday, date, weeks of the month, validity, exceptions,
public holidays) with a constant number of queries, OSM syntax in data·inclusion."""

import datetime
import html
import json

import opening_hours
import pytest
from django.urls import reverse

from cdvs.directory import hours
from cdvs.directory.forms import FilterForm
from cdvs.directory.models import OpeningException, OpeningSlot, Organisation, Place

T = datetime.time


@pytest.fixture
def asso(world):
    return world.organisations["asso_arm"]


@pytest.fixture
def place(asso):
    return Place.objects.create(organisation=asso, name="Accueil", lat=50.69, lon=2.87)


def slot(place, weekday, start, end, **kw):
    return OpeningSlot.objects.create(place=place, weekday=weekday, start=start, end=end, **kw)


def test_labels_in_french(place):
    s = slot(place, 1, T(14), T(17))
    assert s.label == "le mardi de 14\xa0h\xa000 à 17\xa0h\xa000"
    s = slot(place, 2, T(9, 30), T(12), weeks="13", note="sur rendez-vous")
    assert (
        s.label
        == "le 1er et le 3e mercredi du mois de 9\xa0h\xa030 à 12\xa0h\xa000 (sur rendez-vous)"
    )
    s = slot(place, 0, T(9), T(12), valid_from=datetime.date(2025, 9, 1),
             valid_until=datetime.date(2026, 6, 30))  # fmt: skip
    assert s.label.endswith(", du 1er septembre 2025 au 30 juin 2026")
    e = OpeningException.objects.create(
        place=place, date=datetime.date(2025, 12, 24), note="congés"
    )
    assert e.label == "Fermé le mercredi 24 décembre 2025 (congés)"


def test_open_filter_by_weekday_date_weeks_exceptions_and_holidays(world, asso, place):
    other = world.organisations["asso_lille"]
    other_place = Place.objects.create(organisation=other, name="Local")
    slot(place, 1, T(14), T(17))  # every Tuesday
    slot(other_place, 2, T(9), T(12), weeks="13")  # 1st and 3rd Wednesday
    slot(other_place, 4, T(9), T(12), valid_until=datetime.date(2025, 1, 31))

    def names(**params):
        return set(
            FilterForm().apply(Organisation.objects.all(), params).values_list("name", flat=True)
        )

    assert names(open_weekday=1) == {asso.name}
    assert names(open_weekday=2) == {other.name}
    assert names(open_weekday=4) == set()  # that slot ended
    assert names(open_weekday=0) == set()
    assert names(open_date=datetime.date(2025, 3, 4)) == {asso.name}  # a Tuesday
    assert names(open_date=datetime.date(2025, 3, 5)) == {other.name}  # 1st Wednesday
    assert names(open_date=datetime.date(2025, 3, 12)) == set()  # 2nd Wednesday
    assert names(open_date=datetime.date(2025, 3, 19)) == {other.name}  # 3rd Wednesday
    assert names(open_date=datetime.date(2025, 1, 10)) == {other.name}  # Friday, still valid
    assert names(open_date=datetime.date(2025, 2, 7)) == set()  # Friday, no longer
    OpeningException.objects.create(place=place, date=datetime.date(2025, 3, 11), note="congés")
    assert names(open_date=datetime.date(2025, 3, 11)) == set()
    # an exceptional opening on a Monday
    OpeningException.objects.create(place=place, date=datetime.date(2025, 3, 10), closed=False,
                                    start=T(10), end=T(12))  # fmt: skip
    assert names(open_date=datetime.date(2025, 3, 10)) == {asso.name}
    # 11 November 2025 is a Tuesday and a public holiday: closed unless the place opens
    armistice = datetime.date(2025, 11, 11)
    assert hours.public_holiday(armistice)
    assert names(open_date=armistice) == set()
    Place.objects.filter(pk=place.pk).update(open_on_public_holidays=True)
    assert names(open_date=armistice) == {asso.name}
    # a slot in the trash no longer counts
    OpeningSlot.objects.get(place=place).soft_delete()
    assert names(open_weekday=1) == set()


def test_list_and_help_pages_filter_with_a_constant_number_of_queries(
    client, world, asso, place, django_assert_max_num_queries
):
    slot(place, 1, T(14), T(17))
    url = reverse("directory:list") + "?open_date=2025-03-04"
    page = client.get(url).content.decode()
    assert asso.name in page and "Association lilloise" not in page
    assert "Ouvert à la date" in page and "Ouvert le (jour)" in page
    page = client.get(reverse("directory:list") + "?open_date=31/02/2025").content.decode()
    assert "Date invalide" in page or "Saisissez une date valide" in page
    with django_assert_max_num_queries(20) as first:
        client.get(reverse("directory:list") + "?open_weekday=1")
    for i in range(10):
        org = Organisation.objects.create(name=f"Asso {i}", kind="association")
        p = Place.objects.create(organisation=org, name="Lieu")
        slot(p, 1, T(9), T(10))
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(reverse("directory:list") + "?open_weekday=1").content.decode()
    assert "Asso 9" in page
    help_page = client.get(reverse("directory:help") + "?need=&open_weekday=1").content.decode()
    assert asso.name in help_page and "Association lilloise" not in help_page


def post_hours(client, place, slots=(), exceptions=(), holidays=False):
    data = {"slots-TOTAL_FORMS": len(slots), "slots-INITIAL_FORMS": 0,
            "exceptions-TOTAL_FORMS": len(exceptions), "exceptions-INITIAL_FORMS": 0}  # fmt: skip
    if holidays:
        data["open_on_public_holidays"] = "on"
    for i, row in enumerate(slots):
        data.update({f"slots-{i}-{k}": v for k, v in row.items()})
    for i, row in enumerate(exceptions):
        data.update({f"exceptions-{i}-{k}": v for k, v in row.items()})
    return client.post(reverse("directory:place_hours", args=[place.pk]), data)


def test_hours_page_saves_slots_and_exceptions_with_history(client, world, asso, place):
    url = reverse("directory:place_hours", args=[place.pk])
    assert client.get(url).status_code == 302
    client.force_login(world.users["coordinateur_lille"])
    assert client.get(url).status_code == 403
    client.force_login(world.users["porteur"])
    assert client.get(url).status_code == 200
    response = post_hours(
        client, place,
        slots=[{"weekday": "1", "start": "14:00", "end": "17:00"},
               {"weekday": "2", "start": "09:00", "end": "12:00", "week_list": ["1", "3"]}],
        exceptions=[{"date": "24/12/2025", "closed": "on", "note": "congés"}],
    )  # fmt: skip
    assert response.status_code == 302
    assert sorted(OpeningSlot.objects.values_list("weekday", "weeks")) == [(1, ""), (2, "13")]
    assert OpeningSlot.history.first().history_user == world.users["porteur"]
    fiche = client.get(asso.get_absolute_url()).content.decode()
    assert "Le mardi de 14\xa0h\xa000 à 17\xa0h\xa000" in fiche
    assert "Le 1er et le 3e mercredi du mois de 9\xa0h\xa000 à 12\xa0h\xa000" in fiche
    assert "Fermé les jours fériés" in fiche
    # bad input: French messages, nothing changed
    response = post_hours(client, place, slots=[{"weekday": "1", "start": "17:00", "end": "14:00"}],
                          exceptions=[{"date": "2025-12-31", "note": "x"}])  # fmt: skip
    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "L'heure de fin doit être après l'heure de début." in body
    assert OpeningSlot.objects.count() == 2
    response = post_hours(client, place, exceptions=[{"date": "2025-12-31"}])
    assert "Pour une ouverture exceptionnelle, indiquez les heures." in html.unescape(
        response.content.decode()
    )
    # deleting: to the trash, recoverable
    first = OpeningSlot.objects.get(weekday=1)
    data = {"slots-TOTAL_FORMS": 1, "slots-INITIAL_FORMS": 1, "slots-0-id": first.pk,
            "slots-0-weekday": "1", "slots-0-start": "14:00", "slots-0-end": "17:00",
            "slots-0-DELETE": "on", "exceptions-TOTAL_FORMS": 0, "exceptions-INITIAL_FORMS": 0}  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert not OpeningSlot.objects.filter(pk=first.pk).exists()
    assert OpeningSlot.all_objects.get(pk=first.pk).is_deleted


def test_opening_hours_in_osm_syntax_and_in_data_inclusion(client, world, asso, place):
    from data_inclusion.schema.v1 import Service as DIService
    from data_inclusion.schema.v1 import Structure

    from cdvs.directory.models import Service

    slot(place, 1, T(14), T(17))
    slot(place, 1, T(9), T(12))
    slot(place, 2, T(9), T(12), weeks="13", valid_from=datetime.date(2025, 9, 1))
    OpeningException.objects.create(place=place, date=datetime.date(2025, 12, 23))
    text = hours.osm_opening_hours(place.slots.all(), place.exceptions.all())
    assert text == ("Tu 09:00-12:00, Tu 14:00-17:00, 2025 Sep 01-2099 Dec 31 We[1,3] 09:00-12:00; "
                    "2025 Dec 23 off; PH off")  # fmt: skip
    oh = opening_hours.OpeningHours(text)  # valid OSM syntax (raises otherwise)
    assert oh.is_open(datetime.datetime(2025, 12, 16, 15, 0))
    assert oh.is_open(datetime.datetime(2025, 12, 16, 10, 0))  # both slots add up
    assert not oh.is_open(datetime.datetime(2025, 12, 16, 13, 0))
    assert not oh.is_open(datetime.datetime(2025, 12, 23, 15, 0))  # closed that day
    assert oh.is_open(datetime.datetime(2025, 10, 1, 10, 0))  # 1st Wednesday
    assert not oh.is_open(datetime.datetime(2025, 10, 8, 10, 0))  # 2nd Wednesday
    Service.objects.create(organisation=asso, name="Soutien scolaire", place=place)
    structures = json.loads(
        client.get(reverse("directory:data_inclusion", args=["structures"])).content
    )
    mine = Structure.model_validate(next(s for s in structures if s["nom"] == asso.name))
    assert mine.horaires_accueil == text
    (service,) = json.loads(
        client.get(reverse("directory:data_inclusion", args=["services"])).content
    )
    assert DIService.model_validate(service).horaires_accueil == text
