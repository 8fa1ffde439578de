"""What a coordinator met on the agenda (issue 16): nothing typed is lost, the agenda
can be reordered, dates in the past are confirmed, overdue placeholders say so."""

import pytest
from django.urls import reverse

from cdvs.meetings.models import Minutes
from cdvs.testing import plain

pytestmark = pytest.mark.usefixtures("frozen")


def _minutes_url(meeting):
    return reverse("meetings_coordination:minutes", args=[meeting.pk])


def test_preview_renders_the_markdown_and_saves_nothing(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-01")
    response = client.post(
        _minutes_url(point),
        {"body": "## Bilan\n\nLe **CCAS** présente", "decisions": "", "action": "previsualiser"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Aperçu du compte-rendu" in body and "<strong>CCAS</strong>" in body
    assert "## Bilan" in body  # the form keeps the text
    assert not Minutes.objects.filter(meeting=point).exists()


def test_publish_saves_the_posted_text_and_keeps_each_version(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-01")
    client.post(_minutes_url(point), {"body": "Brouillon", "decisions": ""})
    client.post(_minutes_url(point), {"body": "Version 1", "decisions": "", "action": "publier"})
    minutes = Minutes.objects.get(meeting=point)
    assert minutes.body == "Version 1" and minutes.is_published
    # the publish address too saves what the form holds
    client.post(
        reverse("meetings_coordination:publish_minutes", args=[point.pk]),
        {"body": "Version 2", "decisions": ""},
    )
    minutes.refresh_from_db()
    assert minutes.body == "Version 2"
    published = minutes.history.filter(history_change_reason="Publication du compte-rendu")
    assert sorted(published.values_list("body", flat=True)) == ["Version 1", "Version 2"]
    page = client.get(reverse("meetings_coordination:history", args=[point.pk])).content.decode()
    assert page.count("Publication du compte-rendu") >= 2


def test_publish_with_html_saves_nothing(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-01")
    client.post(_minutes_url(point), {"body": "Brouillon", "decisions": ""})
    response = client.post(
        _minutes_url(point), {"body": "<script>x</script>", "decisions": "", "action": "publier"}
    )
    assert "code HTML" in response.content.decode()
    minutes = Minutes.objects.get(meeting=point)
    assert minutes.body == "Brouillon" and not minutes.is_published


TRAME = [
    {"temps": 1, "title": "Point d'actu"},
    {"temps": 2, "title": "Ressources"},
    {"temps": 3, "title": "Temps sur un enjeu"},
]


@pytest.fixture
def trame(agenda):
    """The point d'actu of March 2025 with the three temps of a trame."""
    from cdvs.meetings import services

    agenda.point.agenda_template = TRAME
    agenda.point.save()
    meeting = agenda.meeting(agenda.point, "2025-03")
    services.apply_template(meeting, agenda.world.users["coordinateur"])
    return meeting


def _titles(meeting):
    from cdvs.meetings.models import agenda_order

    return list(meeting.agenda_items.order_by(*agenda_order()).values_list("title", flat=True))


def _add(client, meeting, title, temps):
    return client.post(
        reverse("meetings_coordination:agenda", args=[meeting.pk]),
        {"title": title, "temps": temps},
    )


def test_points_are_reordered_inside_their_temps(client, trame, login):
    from cdvs.meetings.models import AgendaItem

    login("coordinateur")
    _add(client, trame, "Tour de table", 1)
    _add(client, trame, "Agenda des structures", 1)
    _add(client, trame, "Appels à projets", 2)
    assert _titles(trame) == [
        "Point d'actu", "Tour de table", "Agenda des structures",
        "Ressources", "Appels à projets", "Temps sur un enjeu",
    ]  # fmt: skip
    move = lambda title, direction: client.post(  # noqa: E731
        reverse("meetings_coordination:move_item", args=[AgendaItem.objects.get(title=title).pk]),
        {"direction": direction},
    )
    move("Agenda des structures", "monter")
    assert _titles(trame)[:3] == ["Point d'actu", "Agenda des structures", "Tour de table"]
    # never above the heading of its temps, never into the next temps
    move("Agenda des structures", "monter")
    move("Tour de table", "descendre")
    assert _titles(trame)[:4] == [
        "Point d'actu", "Agenda des structures", "Tour de table", "Ressources"
    ]  # fmt: skip
    heading = AgendaItem.objects.get(title="Ressources")
    response = move("Ressources", "descendre")
    assert AgendaItem.objects.get(pk=heading.pk).position == heading.position
    assert response.status_code == 302
    page = client.get(reverse("meetings_coordination:agenda", args=[trame.pk])).content.decode()
    assert "Monter<span" in page and "Descendre<span" in page


def test_a_point_moved_to_another_temps_lands_below_its_heading(client, trame, login):
    from cdvs.meetings.models import AgendaItem

    login("coordinateur")
    _add(client, trame, "Tour de table", 1)
    item = AgendaItem.objects.get(title="Tour de table")
    client.post(
        reverse("meetings_coordination:edit_item", args=[item.pk]),
        {"title": "Tour de table", "temps": 3},
    )
    assert _titles(trame)[-2:] == ["Temps sur un enjeu", "Tour de table"]
    # a point needs its temps when the instance has a trame
    response = _add(client, trame, "Sans temps", "")
    assert response.status_code == 200 and not AgendaItem.objects.filter(title="Sans temps")


def test_retirer_asks_for_confirmation(client, trame, login):
    from cdvs.meetings.models import AgendaItem

    login("coordinateur")
    _add(client, trame, "Tour de table", 1)
    item = AgendaItem.objects.get(title="Tour de table")
    url = reverse("meetings_coordination:delete_item", args=[item.pk])
    page = client.get(url).content.decode()
    assert "Retirer « Tour de table » de l'ordre du jour ?" in plain(page)
    assert AgendaItem.objects.filter(pk=item.pk).exists()
    client.post(url)
    assert not AgendaItem.objects.filter(pk=item.pk).exists()


def test_no_internal_reference_reaches_the_pages_of_the_instances(client, instances, login):
    from cdvs.meetings.models import Meeting, MeetingSeries

    login("coordinateur")
    series = MeetingSeries.objects.get(key="armentieres-point-actu-acteurs-qpv")
    assert series.source.startswith("seed l.")  # kept in the data
    page = client.get(reverse("meetings:series", args=[series.pk])).content.decode()
    assert "VOLET COMMUNAL ARMENTIÈRES" in page
    meeting = Meeting.objects.filter(series=series).first()
    urls = [reverse("meetings:series", args=[s.pk]) for s in MeetingSeries.objects.all()] + [
        reverse("meetings:series_list"),
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings_coordination:agenda", args=[meeting.pk]),
        reverse("meetings_coordination:minutes", args=[meeting.pk]),
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert "seed l." not in body and "seed " not in body, url


def test_home_names_the_areas_that_exist(client, world):
    from cdvs.contract.models import Contract

    Contract.objects.create(
        name="Contrat de ville et des solidarités", epci=world.territories["mel"],
        start_year=2024, end_year=2030,
    )  # fmt: skip
    body = client.get(reverse("home")).content.decode()
    assert "bientôt l&#x27;annuaire" not in body and "bientôt l'annuaire" not in body
    assert "l&#x27;agenda des instances" in body and "bientôt l&#x27;évaluation" in body


def test_a_date_in_the_past_is_saved_only_once_confirmed(client, agenda, login):
    login("coordinateur")
    gpo = agenda.meeting(agenda.gpo, "2025-02")  # today is 15 January 2025
    url = reverse("meetings_coordination:edit", args=[gpo.pk])
    assert "Confirmer cette date passée" not in client.get(url).content.decode()
    response = client.post(url, {"day": "2025-01-06", "notify": "on"})
    body = response.content.decode()
    assert response.status_code == 200 and "Cette date est passée" in body
    assert "Confirmer cette date passée" in body
    gpo.refresh_from_db()
    assert gpo.day is None
    client.post(url, {"day": "2025-01-06", "confirm_past": "on"})
    gpo.refresh_from_db()
    assert str(gpo.day) == "2025-01-06"
    # next steps too
    step_url = reverse("meetings_coordination:add_next_step", args=[gpo.pk])
    data = {"what": "Relancer", "due_date": "2025-01-02", "status": "a_faire"}
    assert "Cette date est passée" in client.post(step_url, data).content.decode()
    assert not gpo.next_steps.exists()
    client.post(step_url, {**data, "confirm_past": "on"})
    assert gpo.next_steps.get().what == "Relancer"


def test_a_placeholder_whose_period_is_past_says_it_is_late(client, agenda, login, time_machine):
    from datetime import date

    from cdvs.meetings.models import Meeting

    time_machine.move_to("2025-12-03 10:00:00+01:00", tick=False)
    early = Meeting.objects.create(
        title="Bilan annuel", window_start=date(2025, 1, 1), window_end=date(2025, 12, 31),
        window_label="début d'année 2025", visibility="public",
    )  # fmt: skip
    later = Meeting.objects.create(
        title="Bilan suivant", window_start=date(2026, 1, 1), window_end=date(2026, 12, 31),
        window_label="début d'année 2026", visibility="public",
    )  # fmt: skip
    assert early.overdue and not later.overdue
    body = client.get(reverse("meetings:detail", args=[early.pk])).content.decode()
    assert "en retard" in body
    listing = client.get(reverse("meetings:index")).content.decode()
    row = listing[listing.index("Bilan annuel") - 400 : listing.index("Bilan annuel")]
    assert "En retard" in row


def test_a_held_meeting_is_never_also_to_plan(client, agenda, login):
    from cdvs.meetings.models import MeetingStatus

    gpo = agenda.meeting(agenda.gpo, "2025-02")
    gpo.status = MeetingStatus.HELD
    gpo.save()
    login("coordinateur")
    body = client.get(reverse("meetings:detail", args=[gpo.pk])).content.decode()
    assert "Tenue" in body and "À planifier" not in body
    assert "la date reste à fixer" not in body


def test_the_subscription_is_in_the_agenda_header(client, agenda, login):
    login("membre")
    body = client.get(reverse("meetings:index")).content.decode()
    header = body[body.index("<h1") : body.index("<table")]
    assert 'class="subscribe"' in header and "abonner aux réunions publiques" in header
    mine = client.get(reverse("meetings:mine")).content.decode()
    assert mine.index("Abonnement à mon agenda") < mine.index("<table")


def test_placeholders_are_folded_after_the_next_one_of_each_instance(client, agenda, login):
    login("coordinateur")
    body = client.get(reverse("meetings:index")).content.decode()
    main, folded = body.split("<details", 1)
    # the GPO and the conseils de quartier: the next placeholder of each stays in the list
    assert main.count("badge-todo") == 2
    assert "autres réunions à planifier" in folded and folded.count("badge-todo") > 5


def test_the_steps_table_labels_its_cells_for_small_screens(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-01")
    step_url = reverse("meetings_coordination:add_next_step", args=[point.pk])
    client.post(step_url, {"what": "Relancer", "due_date": "2026-12-20", "status": "a_faire"})
    assert point.next_steps.get().what == "Relancer"
    # stacked at small widths, each cell of the steps table says what it is
    page = client.get(_minutes_url(point)).content.decode()
    assert 'data-label="Échéance"' in page and 'data-label="Statut"' in page
