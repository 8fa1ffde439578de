"""The coordinator's task « add an organisation », timed as steps in the browser
(clicks and pages counted, printed, kept in var/screenshots/task-*.json)."""

import pytest
from django.urls import reverse

from cdvs.core.tests.browser import (
    TimedTask,
    blocking,
    chromium,
    describe,
    new_page,
    requires_chromium,
    run_axe,
)

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def test_add_an_organisation(live_server, client, world, login):
    from cdvs.directory.models import Organisation

    login("coordinateur")
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value,
              "url": live_server.url}  # fmt: skip
    with chromium() as browser:
        page = new_page(browser, cookies=[cookie])
        page.goto(live_server.url + reverse("directory:list"))
        task = TimedTask(page, "ajouter-une-organisation")
        task.click_role("link", "Ajouter une organisation")
        task.step("ouvrir le formulaire")
        violations = blocking(run_axe(page)["violations"])
        assert not violations, describe(violations)
        page.fill("#id_name", "Les Jardins du Bizet")
        page.select_option("#id_kind", "association")
        page.select_option("#id_territory", label="Armentières")
        page.fill("#id_city", "Armentières")
        page.fill("#id_postcode", "59280")
        task.step("remplir")
        task.click_role("button", "Créer la fiche")
        task.step("créer")
        assert "Fiche « Les Jardins du Bizet » créée." in page.inner_text("body")
        line = task.report()
        assert task.clicks == 2 and task.pages == 2, line
        # the same name again: the duplicate is shown, then « Créer quand même »
        page.goto(live_server.url + reverse("directory_coordination:create"))
        page.fill("#id_name", "Les jardins du Bizet")
        page.select_option("#id_kind", "association")
        page.fill("#id_city", "ARMENTIERES")
        page.click("text=Créer la fiche")
        page.wait_for_load_state()
        assert "Cette organisation existe peut-être déjà" in page.inner_text("main")
        violations = blocking(run_axe(page)["violations"])
        assert not violations, describe(violations)
        page.click("text=Créer quand même")
        page.wait_for_load_state()
        assert "créée" in page.inner_text("body")
    # the Playwright loop is closed: the database may be read again
    assert Organisation.objects.filter(name__iexact="Les Jardins du Bizet").count() == 2
