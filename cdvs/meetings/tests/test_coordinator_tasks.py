"""The coordinator's task « invite the participating organisations of a meeting »,
timed as steps in the browser (clicks and pages counted, printed, kept in
var/screenshots/task-*.json): members with an account and consenting contacts."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cdvs.core.tests.browser import (
    TimedTask,
    blocking,
    chromium,
    describe,
    new_page,
    requires_chromium,
    run_axe,
)
from cdvs.testing import plain

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def test_invite_the_participating_organisations(
    live_server, client, agenda, login, immediate_tasks, settings
):
    from cdvs.directory.models import Contact, Organisation

    settings.SITE_URL = live_server.url
    point = agenda.meeting(agenda.point, "2025-03")
    for i in range(22):  # 23 participating organisations, each with a consenting contact
        org = Organisation.objects.create(name=f"Association {i:02d}", kind="association")
        Contact.objects.create(organisation=org, name=f"Contact {i}", email=f"c{i}@example.org",
                               consent_at=timezone.now(), invited_to_instances=True)  # fmt: skip
        agenda.point.participants.add(org)
    login("coordinateur")
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value,
              "url": live_server.url}  # fmt: skip
    with chromium() as browser:
        page = new_page(browser, cookies=[cookie])
        page.goto(live_server.url + reverse("meetings:detail", args=[point.pk]))
        task = TimedTask(page, "inviter-les-organisations")
        task.click_role("link", "Invitations")
        task.step("ouvrir les invitations")
        body = page.inner_text("main")
        assert "Destinataires prévus (25)" in body, body[:500]  # 22 contacts + 3 members
        violations = blocking(run_axe(page)["violations"])
        assert not violations, describe(violations)
        task.click_role("button", "Envoyer les invitations")
        task.step("envoyer")
        assert "Invitations mises en file d'envoi : 25 destinataires." in plain(
            page.inner_text("body")
        )
        line = task.report()
        assert task.clicks == 2 and task.pages == 2, line
    assert len(mail.outbox) == 25
    assert all("/agenda/desinscription/" in m.body for m in mail.outbox)
