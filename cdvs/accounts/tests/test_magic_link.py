"""Login links by e-mail: single use, expiring, rate-limited, no account enumeration."""

import re

from django.contrib.auth import get_user
from django.urls import reverse

REQUEST = reverse("accounts:magic_link_request")
SENT = reverse("accounts:magic_link_sent")


def _ask(client, email, **extra):
    return client.post(REQUEST, {"email": email}, **extra)


def _link(message):
    found = re.search(r"https://cdvs\.example\.org(/compte/connexion/lien/[^/\s]+/)", message.body)
    assert found, message.body
    assert found.group(0) in message.alternatives[0].content
    return found.group(1)


def test_the_login_page_offers_a_link(client, db):
    body = client.get(reverse("accounts:login")).content.decode()
    assert REQUEST in body
    assert "Recevoir un lien de connexion par courriel" in body


def test_a_link_logs_in_once(client, world, immediate_tasks, mailoutbox, settings):
    settings.SITE_URL = "https://cdvs.example.org"
    response = _ask(client, " Membre@Example.org ")
    assert response.status_code == 302 and response["Location"] == SENT
    (message,) = mailoutbox
    assert message.to == ["membre@example.org"]
    assert "lien de connexion" in message.subject
    assert "expire dans 15 minutes" in message.body
    link = _link(message)
    # opening the link does not log in yet (mail scanners open links)
    page = client.get(link)
    assert page.status_code == 200
    assert "Me connecter" in page.content.decode()
    assert not get_user(client).is_authenticated
    response = client.post(link)
    assert response.status_code == 302
    assert get_user(client) == world.users["membre"]
    client.logout()
    # used once: refused afterwards
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 410
        assert "n'est plus valable" in response.content.decode().replace("&#x27;", "'")
    assert not get_user(client).is_authenticated


def test_a_link_expires(client, world, immediate_tasks, mailoutbox, settings, time_machine):
    settings.SITE_URL = "https://cdvs.example.org"
    time_machine.move_to("2025-01-15 10:00:00+01:00", tick=False)
    _ask(client, "membre@example.org")
    link = _link(mailoutbox[0])
    time_machine.move_to("2025-01-15 10:14:00+01:00", tick=False)
    assert client.get(link).status_code == 200
    time_machine.move_to("2025-01-15 10:16:00+01:00", tick=False)
    assert client.post(link).status_code == 410
    assert not get_user(client).is_authenticated


def test_an_altered_link_is_refused(client, world, immediate_tasks, mailoutbox, settings):
    settings.SITE_URL = "https://cdvs.example.org"
    _ask(client, "membre@example.org")
    link = _link(mailoutbox[0])
    altered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    assert client.post(altered).status_code == 410
    assert client.post("/compte/connexion/lien/n-importe-quoi/").status_code == 410
    assert not get_user(client).is_authenticated


def test_an_inactive_account_gets_no_login(client, world, immediate_tasks, mailoutbox, settings):
    settings.SITE_URL = "https://cdvs.example.org"
    _ask(client, "membre@example.org")
    link = _link(mailoutbox[0])
    user = world.users["membre"]
    user.is_active = False
    user.save()
    assert client.post(link).status_code == 410
    mailoutbox.clear()
    _ask(client, "membre@example.org")
    assert mailoutbox == []


def test_the_answer_is_the_same_for_an_unknown_address(client, db, immediate_tasks, mailoutbox):
    known = client.post(REQUEST, {"email": "inconnu@example.org"})
    assert known.status_code == 302 and known["Location"] == SENT
    assert mailoutbox == []
    assert "Si un compte existe pour cette adresse" in client.get(SENT).content.decode()


def test_requests_are_rate_limited(client, world, immediate_tasks, mailoutbox, settings):
    settings.CDVS_EMAILS_PER_ADDRESS = 2
    assert _ask(client, "membre@example.org").status_code == 302
    assert _ask(client, "membre@example.org").status_code == 302
    response = _ask(client, "membre@example.org")
    assert response.status_code == 429
    assert "aucun nouveau courriel" in response.content.decode()
    assert len(mailoutbox) == 2
    # the same message for an address without account: nothing tells them apart
    for _ in range(2):
        _ask(client, "inconnu@example.org")
    response = _ask(client, "inconnu@example.org")
    assert response.status_code == 429
    assert "aucun nouveau courriel" in response.content.decode()


def test_a_bad_address_gets_a_french_message(client, db):
    response = client.post(REQUEST, {"email": "pas-une-adresse"})
    assert response.status_code == 200
    assert "Saisissez une adresse de courriel valide" in response.content.decode()
