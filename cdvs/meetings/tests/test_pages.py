from datetime import date, time

import pytest
from django.urls import reverse

from cdvs.meetings.models import (
    AgendaItem,
    ItemStatus,
    Meeting,
    MeetingStatus,
    Minutes,
    NextStep,
)
from cdvs.testing import plain

pytestmark = pytest.mark.usefixtures("frozen")


def test_agenda_pages_render_for_everyone(client, agenda, login):
    point = agenda.meeting(agenda.point, "2025-03")
    urls = [
        reverse("meetings:index"),
        reverse("meetings:month", args=[2025, 3]),
        reverse("meetings:series_list"),
        reverse("meetings:series", args=[agenda.conseil.pk]),
        reverse("meetings:next_steps"),
        reverse("meetings:organisation", args=[agenda.world.organisations["asso_arm"].pk]),
    ]
    for role in ("anonyme", "membre", "coordinateur"):
        login(role)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url)
    body = client.get(reverse("meetings:detail", args=[point.pk])).content.decode()
    assert "lundi 3 mars 2025, 14\xa0h\xa000\xa0–\xa015\xa0h\xa000" in body
    assert "Fixer la date" not in body and "Modifier date et lieu" in body


def test_visibility_of_meetings(client, agenda, login):
    point = agenda.meeting(agenda.point, "2025-03")
    gpo = agenda.meeting(agenda.gpo, "2025-03")
    conseil = agenda.meeting(agenda.conseil, "2025-T1")
    detail = lambda m: reverse("meetings:detail", args=[m.pk])  # noqa: E731
    assert client.get(detail(conseil)).status_code == 200
    assert client.get(detail(point)).status_code == 302  # to the login page
    listing = client.get(reverse("meetings:index")).content.decode()
    assert "Conseils de quartier" in listing and "Point d'actu" not in listing
    login("membre")
    assert client.get(detail(point)).status_code == 200
    assert client.get(detail(gpo)).status_code == 403
    login("coordinateur")
    assert client.get(detail(gpo)).status_code == 200


def test_meetings_without_a_day_say_so(client, agenda, login):
    login("coordinateur")
    gpo = agenda.meeting(agenda.gpo, "2025-02")
    body = client.get(reverse("meetings:detail", args=[gpo.pk])).content.decode()
    assert "la date reste à fixer" in body and "février 2025" in body
    assert "Fixer la date" in body
    month = client.get(reverse("meetings:month", args=[2025, 2])).content.decode()
    assert "À planifier sur une période qui couvre février 2025" in month


@pytest.mark.parametrize(
    "url_name, args",
    [
        ("meetings:index", []),
        ("meetings:month", [2025, 3]),
        ("meetings:mine", []),
        ("meetings:next_steps", []),
        ("meetings:series_list", []),
    ],
)
def test_list_pages_run_a_constant_number_of_queries(
    client, agenda, login, django_assert_max_num_queries, url_name, args
):
    login("coordinateur")
    url = reverse(url_name, args=args)
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    # grow: many meetings in March 2025, each with agenda items and next steps
    for i in range(40):
        m = Meeting.objects.create(
            series=agenda.point,
            title=f"Réunion {i}",
            day=date(2025, 3, 1 + i % 28),
            window_start=date(2025, 3, 1),
            window_end=date(2025, 3, 31),
            sort_date=date(2025, 3, 1),
            visibility="partenaires",
        )
        AgendaItem.objects.create(meeting=m, title="Point")
        NextStep.objects.create(meeting=m, what=f"Étape {i}", due_date=date(2025, 1, 2))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_coordinator_sets_the_date_of_a_meeting_to_plan(client, agenda, login):
    login("coordinateur")
    gpo = agenda.meeting(agenda.gpo, "2025-02")
    url = reverse("meetings_coordination:edit", args=[gpo.pk])
    response = client.post(
        url,
        {
            "day": "2025-02-11",
            "start_time": "09:30",
            "end_time": "11:00",
            "place": "Hôtel de ville",
        },
    )
    assert response.status_code == 302
    gpo.refresh_from_db()
    assert gpo.day == date(2025, 2, 11) and gpo.edited_by_hand and gpo.sequence == 1
    assert gpo.local_start().time() == time(9, 30) and gpo.place == "Hôtel de ville"


def test_end_before_start_is_refused_and_nothing_changes(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-03")
    response = client.post(
        reverse("meetings_coordination:edit", args=[point.pk]),
        {"day": "2025-03-03", "start_time": "15:00", "end_time": "14:00"},
    )
    assert response.status_code == 200
    assert "L&#x27;heure de fin doit être après l&#x27;heure de début." in response.content.decode()
    point.refresh_from_db()
    assert point.sequence == 0 and not point.edited_by_hand


def test_cancel_bumps_the_sequence(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-03")
    client.post(reverse("meetings_coordination:cancel", args=[point.pk]), {"reason": "Grève"})
    point.refresh_from_db()
    assert point.status == MeetingStatus.CANCELLED and point.sequence == 1
    body = client.get(reverse("meetings:detail", args=[point.pk])).content.decode()
    assert "Cette réunion est annulée." in body and "Grève" in body


def test_partner_proposes_an_item_and_the_coordinator_decides(client, agenda, login):
    point = agenda.meeting(agenda.point, "2025-03")
    login("porteur")
    response = client.post(
        reverse("meetings:propose", args=[point.pk]),
        {"title": "Présentation du nouvel appel à projets", "duration_minutes": "10"},
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get(meeting=point)
    assert item.status == ItemStatus.PROPOSED
    assert item.proposed_by_organisation == agenda.world.organisations["asso_arm"]
    # other partners do not see a proposal not yet accepted
    login("membre")
    body = client.get(reverse("meetings:detail", args=[point.pk])).content.decode()
    assert "nouvel appel à projets" not in body
    login("coordinateur")
    client.post(
        reverse("meetings_coordination:decide_item", args=[item.pk]), {"decision": "retenu"}
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.ACCEPTED
    login("membre")
    body = client.get(reverse("meetings:detail", args=[point.pk])).content.decode()
    assert "nouvel appel à projets" in body


def test_only_non_confidential_gpo_items_reach_the_point_actu(client, agenda, login):
    login("coordinateur")
    gpo = agenda.meeting(agenda.gpo, "2025-01")
    secret = AgendaItem.objects.create(meeting=gpo, title="Situation nominative", confidential=True)
    public = AgendaItem.objects.create(meeting=gpo, title="Travaux de voirie rue Jules Ferry")
    response = client.post(
        reverse("meetings_coordination:raise_item", args=[secret.pk]), follow=True
    )
    assert "Ce point est confidentiel" in response.content.decode()
    client.post(reverse("meetings_coordination:raise_item", args=[public.pk]))
    raised = AgendaItem.objects.get(source_item=public)
    # today is 15 January 2025: the next point d'actu is on Monday 3 March
    assert raised.meeting == agenda.meeting(agenda.point, "2025-03")
    assert raised.source_meeting == gpo and raised.status == ItemStatus.PROPOSED
    assert not AgendaItem.objects.filter(source_item=secret).exists()
    response = client.post(
        reverse("meetings_coordination:raise_item", args=[public.pk]), follow=True
    )
    assert "déjà été remonté" in response.content.decode()


def test_minutes_with_html_are_refused_and_kept_in_the_form(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-01")
    text = "## Tour de table\n\n<script>alert('x')</script> et <img src=x onerror=alert(1)>"
    response = client.post(
        reverse("meetings_coordination:minutes", args=[point.pk]), {"body": text, "decisions": ""}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Le texte contient du code HTML" in body and "rien n&#x27;a été enregistré" in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body  # the text is kept
    assert not Minutes.objects.exists()


def test_minutes_in_markdown_are_published_sanitised(client, agenda, login, immediate_tasks):
    from django.core import mail

    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-01")
    client.post(
        reverse("meetings_coordination:minutes", args=[point.pk]),
        {
            "body": "## Tour de table\n\n- **CS 4Saisons** : [site](javascript:alert(1))",
            "decisions": "- Relancer l'appel à projets",
        },
    )
    minutes = Minutes.objects.get(meeting=point)
    assert "<strong>CS 4Saisons</strong>" in minutes.body_html
    assert "<a" not in minutes.body_html  # a javascript: link stays plain text
    # drafts stay with the coordination
    login("membre")
    assert (
        "Tour de table"
        not in client.get(reverse("meetings:detail", args=[point.pk])).content.decode()
    )
    login("coordinateur")
    client.post(reverse("meetings_coordination:publish_minutes", args=[point.pk]), {"notify": "1"})
    point.refresh_from_db()
    assert point.status == MeetingStatus.HELD
    assert {m.to[0] for m in mail.outbox} == {
        "membre@example.org",
        "porteur@example.org",
        "coordination@armentieres.example.org",
    }
    assert "Relancer l'appel à projets" in mail.outbox[0].body
    login("membre")
    assert (
        "Tour de table" in client.get(reverse("meetings:detail", args=[point.pk])).content.decode()
    )


def test_open_next_steps_come_back_on_the_next_meetings(client, agenda, login):
    login("coordinateur")
    january = agenda.meeting(agenda.point, "2025-01")
    march = agenda.meeting(agenda.point, "2025-03")
    client.post(
        reverse("meetings_coordination:add_next_step", args=[january.pk]),
        {
            "what": "Faire le point sur les conseillers numériques",
            "who": "CCAS",
            "due_date": "2025-01-10",
            "confirm_past": "on",
            "status": "a_faire",
        },
    )
    step = NextStep.objects.get()
    body = client.get(reverse("meetings:detail", args=[march.pk])).content.decode()
    assert "Suites à donner des réunions précédentes" in body and "conseillers numériques" in body
    dashboard = client.get(reverse("meetings:next_steps")).content.decode()
    assert "En retard (1)" in dashboard and "en retard" in dashboard
    step.status = "fait"
    step.save()
    body = client.get(reverse("meetings:detail", args=[march.pk])).content.decode()
    assert "conseillers numériques" not in body


def test_impossible_rule_is_refused_in_french(client, agenda, login):
    login("coordinateur")
    url = reverse("meetings_coordination:edit_series", args=[agenda.point.pk])
    before = set(Meeting.objects.values_list("pk", "day"))
    response = client.post(
        url,
        {
            "name": "Point d'actu",
            "visibility": "partenaires",
            "period": "mois",
            "months": ["1", "3"],
            "weekday": "6",
            "nth": "1",
            "working_day": "on",
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
        },
    )
    assert response.status_code == 200
    assert "n&#x27;est jamais un jour ouvré" in response.content.decode()
    assert set(Meeting.objects.values_list("pk", "day")) == before


def test_rule_change_from_the_page_regenerates(client, agenda, login):
    login("coordinateur")
    url = reverse("meetings_coordination:edit_series", args=[agenda.point.pk])
    response = client.post(
        url,
        {
            "name": "Point d'actu",
            "visibility": "partenaires",
            "period": "mois",
            "months": ["1", "3", "5", "7", "9", "11"],
            "weekday": "1",
            "nth": "1",
            "working_day": "on",
            "start_time": "10:00",
            "duration_minutes": "60",
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
        },
    )
    assert response.status_code == 302
    assert agenda.meeting(agenda.point, "2025-03").day == date(2025, 3, 4)


def test_trash_and_restore(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-03")
    client.post(reverse("meetings_coordination:delete", args=[point.pk]))
    assert not Meeting.objects.filter(pk=point.pk).exists()
    assert (
        "Point d&#x27;actu" in client.get(reverse("meetings_coordination:trash")).content.decode()
    )
    client.post(reverse("meetings_coordination:restore", args=[point.pk]))
    assert Meeting.objects.filter(pk=point.pk).exists()


def test_other_commune_coordinator_cannot_manage(client, agenda, login):
    login("coordinateur_lille")
    point = agenda.meeting(agenda.point, "2025-03")
    assert client.get(reverse("meetings_coordination:edit", args=[point.pk])).status_code == 403
    assert client.get(reverse("meetings_coordination:agenda", args=[point.pk])).status_code == 403


def test_history_page_shows_the_meeting_and_minutes_changes(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-01")
    client.post(
        reverse("meetings_coordination:minutes", args=[point.pk]), {"body": "Première version"}
    )
    client.post(
        reverse("meetings_coordination:minutes", args=[point.pk]), {"body": "Version corrigée"}
    )
    response = client.get(reverse("meetings_coordination:history", args=[point.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h2>Compte-rendu</h2>" in body
    assert "<del>Première version</del>" in body and "<ins>Version corrigée</ins>" in body
    assert "Camille Coordinatrice" in body
    login("membre")
    assert client.get(reverse("meetings_coordination:history", args=[point.pk])).status_code == 403


def test_past_meetings_pager_stays_on_past_meetings(client, agenda, login):
    login("coordinateur")
    start = Meeting.objects.order_by("sort_date").first().sort_date
    for n in range(55):  # more than one page of past meetings
        Meeting.objects.create(series=agenda.point, title=f"Ancienne {n}", day=start)
    body = client.get(reverse("meetings:index") + "?passees=1").content.decode()
    assert "Réunions passées" in body
    assert 'href="?page=2&amp;passees=1"' in body
    second = client.get(reverse("meetings:index") + "?page=2&passees=1").content.decode()
    assert "Ancienne" in second and "Page 2 sur" in second


def test_agenda_items_and_next_steps_link_the_contract_and_readable_documents(
    client, contract, agenda, login
):
    from cdvs.contract.models import ActionLead
    from cdvs.library.models import Document

    lead = ActionLead.objects.select_related("objective").filter(kind="existante").first()
    shared = Document.objects.create(title="Diagnostic partagé", kind="pdf")
    internal = Document.objects.create(
        title="Note interne aux financeurs", kind="pdf", visibility="coordination"
    )
    point = agenda.meeting(agenda.point, "2025-03")
    login("coordinateur")
    for document in (shared, internal):
        response = client.post(
            reverse("meetings_coordination:agenda", args=[point.pk]),
            {"title": f"Présentation {document.pk}", "action": lead.pk,
             "document": document.pk},
        )  # fmt: skip
        assert response.status_code == 302
    client.post(
        reverse("meetings_coordination:add_next_step", args=[point.pk]),
        {"what": "Relancer les porteurs", "action": lead.pk, "status": "a_faire"},
    )
    assert NextStep.objects.get().action == lead
    assert set(AgendaItem.objects.values_list("document", flat=True)) == {shared.pk, internal.pk}

    login("membre")
    body = client.get(reverse("meetings:detail", args=[point.pk])).content.decode()
    assert lead.get_absolute_url() in body
    assert f"#piste-{lead.pk}" in lead.get_absolute_url()
    assert "Document : Diagnostic partagé" in plain(body)
    assert "Note interne aux financeurs" not in body  # the link never reveals the title
    enjeu_page = reverse("contract:enjeu", args=[lead.objective.enjeu_id])
    assert lead.get_absolute_url() == f"{enjeu_page}#piste-{lead.pk}"
    steps = client.get("/api/agenda/suites-a-donner").json()
    assert steps[0]["action_id"] == lead.pk and steps[0]["action"] == lead.text


def test_agenda_item_with_an_unknown_document_is_refused(client, agenda, login):
    from cdvs.library.models import Document

    hidden = Document.objects.create(title="Réservé", kind="pdf", visibility="coordination")
    point = agenda.meeting(agenda.point, "2025-03")
    login("coordinateur")
    response = client.post(
        reverse("meetings_coordination:agenda", args=[point.pk]),
        {"title": "Point", "document": hidden.pk + 1000},
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not AgendaItem.objects.filter(title="Point").exists()


def test_coordinator_creates_the_yearly_copil_of_an_action(client, contract, agenda, login):
    from cdvs.contract.models import ActionLead

    lead = ActionLead.objects.filter(kind="existante").first()
    login("coordinateur")
    response = client.post(
        reverse("meetings_coordination:create"),
        {
            "series": agenda.point.pk,
            "title": "Copil de suivi annuel",
            "day": "2025-06-16",
            "start_time": "14:00",
            "end_time": "15:30",
            "visibility": "partenaires",
            "action": lead.pk,
        },
    )
    assert response.status_code == 302
    copil = Meeting.objects.get(title="Copil de suivi annuel")
    assert copil.action == lead and copil.day == date(2025, 6, 16)
    body = client.get(reverse("meetings:detail", args=[copil.pk])).content.decode()
    assert "Action suivie" in body and lead.get_absolute_url() in body

    response = client.post(
        reverse("meetings_coordination:create"),
        {"title": "Copil", "day": "2025-06-16", "start_time": "15:00", "end_time": "14:00",
         "visibility": "partenaires", "action": lead.pk},
    )  # fmt: skip
    assert response.status_code == 200
    assert "L&#x27;heure de fin doit être après l&#x27;heure de début." in response.content.decode()
    assert Meeting.objects.filter(title="Copil").count() == 0
