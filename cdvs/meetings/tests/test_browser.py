"""The coordinator's tasks on the meetings, done in Chromium as a person would: typing,
clicking, reading the page. Each task is recorded as steps (clicks and pages opened),
printed for the notes of issue 16.

The browser starts only after the database work (Playwright's sync API runs an event
loop, under which Django's ORM refuses to run); the checks on the database come after.
"""

import time

import pytest
from django.urls import reverse

from cdvs.core.tests.browser import chromium, new_page, requires_chromium
from cdvs.testing import plain

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


class Task:
    """Counts the clicks and the pages a person goes through, step by step."""

    def __init__(self, page, name):
        self.page, self.name = page, name
        self.clicks = self.pages = 0
        self.steps = []
        self.started = time.perf_counter()
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame):
        if frame == self.page.main_frame:
            self.pages += 1

    def goto(self, url):
        self.page.goto(url)

    def click(self, selector, **kwargs):
        self.clicks += 1
        self.page.click(selector, **kwargs)
        self.page.wait_for_load_state("load")

    def step(self, label):
        self.steps.append((label, self.clicks, self.pages))

    def report(self) -> str:
        seconds = time.perf_counter() - self.started
        lines = [
            f"Tâche « {self.name} » : {self.clicks} clics, {self.pages} pages, {seconds:.1f} s"
        ]
        lines += [f"  - {label} (après {c} clics, {p} pages)" for label, c, p in self.steps]
        text = "\n".join(lines)
        print("\n" + text)
        return text


def cookie_for(client, live_server, user):
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def test_publishing_saves_the_text_typed_and_mails_it(live_server, client, agenda, immediate_tasks):
    from django.core import mail

    from cdvs.meetings.models import Minutes

    point = agenda.meeting(agenda.point, "2025-01")
    Minutes.objects.create(meeting=point, body="Ancien texte du brouillon")
    cookie = cookie_for(client, live_server, agenda.world.users["coordinateur"])
    with chromium() as browser:
        page = new_page(browser, cookies=[cookie])
        task = Task(page, "écrire et publier le compte-rendu avec une suite à donner")
        task.goto(live_server.url + reverse("meetings:detail", args=[point.pk]))
        task.click("text=Compte-rendu et suites")
        task.step("page du compte-rendu ouverte")
        page.fill("#id_what", "Envoyer la liste des permanences")
        page.fill("#id_who", "CCAS")
        task.click("button:has-text('Ajouter la suite à donner')")
        task.step("suite à donner ajoutée")
        page.fill("#id_body", "## Tour de table\n\nLe **CCAS** présente son nouveau guichet.")
        page.fill("#id_decisions", "- Relancer l'appel à projets")
        task.click("button:has-text('Prévisualiser')")
        preview = page.inner_text(".preview")
        assert "Tour de table" in preview and "CCAS" in preview
        assert page.locator(".preview strong", has_text="CCAS").count() == 1
        assert page.input_value("#id_body").startswith("## Tour de table")
        task.step("texte écrit et aperçu lu")
        # publish straight from the preview: the text of the form is saved then published
        task.click("button:has-text('Publier le compte-rendu')")
        body = page.inner_text("main")
        task.step("compte-rendu publié")
        task.report()
    assert "Compte-rendu publié." in body and "nouveau guichet" in body
    assert "Ancien texte" not in body
    minutes = Minutes.objects.get(meeting=point)
    assert "nouveau guichet" in minutes.body and minutes.is_published
    assert point.next_steps.get().what == "Envoyer la liste des permanences"
    assert mail.outbox and all("nouveau guichet" in m.body for m in mail.outbox)
    assert not any("Ancien texte" in m.body for m in mail.outbox)
    reasons = list(minutes.history.values_list("history_change_reason", flat=True))
    assert "Publication du compte-rendu" in reasons


def test_agenda_reordered_with_the_keyboard_and_retirer_confirmed(live_server, client, agenda):
    from cdvs.meetings import services
    from cdvs.meetings.models import AgendaItem, agenda_order

    agenda.point.agenda_template = [
        {"temps": 1, "title": "Point d'actu"},
        {"temps": 2, "title": "Ressources"},
    ]
    agenda.point.save()
    meeting = agenda.meeting(agenda.point, "2025-03")
    coordinator = agenda.world.users["coordinateur"]
    services.apply_template(meeting, coordinator)
    for title in ("Tour de table", "Agenda des structures"):
        AgendaItem.objects.create(meeting=meeting, temps=1, title=title, position=9)
    services._renumber(meeting, 1, coordinator)
    cookie = cookie_for(client, live_server, coordinator)
    with chromium() as browser:
        page = new_page(browser, cookies=[cookie])
        page.goto(live_server.url + reverse("meetings:detail", args=[meeting.pk]))
        # the management links are a plain row, without list bullets
        bullets = page.eval_on_selector(
            "nav[aria-label='Gestion de la réunion'] li",
            "li => getComputedStyle(li).listStyleType",
        )
        page.goto(live_server.url + reverse("meetings_coordination:agenda", args=[meeting.pk]))
        button = page.get_by_role("button", name="Monter : Agenda des structures")
        button.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        rows = page.locator("table tbody tr th").all_inner_texts()
        with page.expect_navigation():
            page.get_by_role("link", name="Retirer : Tour de table").click()
        confirm = page.inner_text("main")
        with page.expect_navigation():
            page.get_by_role("button", name="Retirer le point").click()
        after = page.locator("table tbody tr th").all_inner_texts()
    assert bullets == "none"
    assert [r.split("\n")[0] for r in rows] == [
        "Point d'actu", "Agenda des structures", "Tour de table", "Ressources"
    ]  # fmt: skip
    assert "Retirer « Tour de table » de l'ordre du jour ?" in plain(confirm)
    assert "Tour de table" not in " ".join(after)
    assert list(meeting.agenda_items.order_by(*agenda_order()).values_list("title", flat=True)) == [
        "Point d'actu",
        "Agenda des structures",
        "Ressources",
    ]


def test_set_a_meeting_date_confirming_a_past_one_then_open_the_invitations(
    live_server, client, agenda
):
    gpo = agenda.meeting(agenda.gpo, "2025-02")  # à planifier, February 2025: now past
    cookie = cookie_for(client, live_server, agenda.world.users["coordinateur"])
    with chromium() as browser:
        page = new_page(browser, cookies=[cookie])
        task = Task(page, "fixer la date d'une réunion puis ouvrir les invitations")
        task.goto(live_server.url + reverse("meetings:detail", args=[gpo.pk]))
        late = page.inner_text("main")
        task.click("text=Fixer la date")
        task.step("formulaire de la réunion ouvert")
        page.fill("#id_day", "2025-02-10")
        page.fill("#id_start_time", "14:00")
        task.click("button:has-text('Enregistrer')")
        warning = page.inner_text("main")
        task.step("date passée signalée")
        page.check("#id_confirm_past")
        task.click("button:has-text('Enregistrer')")
        saved = page.inner_text("main")
        task.step("date enregistrée")
        task.click("text=Invitations")
        invitations = page.inner_text("main")
        task.step("page des invitations ouverte")
        task.report()
    assert "en retard" in late
    assert "Cette date est passée" in warning and "Confirmer cette date passée" in warning
    assert "Réunion mise à jour." in saved and "10 février 2025" in saved
    assert "Invitations" in invitations
    gpo.refresh_from_db()
    assert str(gpo.day) == "2025-02-10"
