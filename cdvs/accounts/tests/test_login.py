import re

import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from cdvs.testing import PASSWORD

LOGIN = reverse("accounts:login")


def login(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_login_form_asks_for_the_email_address(client, db):
    body = client.get(LOGIN).content.decode()
    assert "Adresse électronique" in body
    assert 'type="email"' in body
    assert "csrfmiddlewaretoken" in body


def test_login_with_email_whatever_its_case(client, world):
    response = login(client, "  Coordination@Armentieres.EXAMPLE.org ")
    assert response.status_code == 302
    assert get_user(client) == world.users["coordinateur"]


def test_wrong_password_gets_a_french_message(client, world):
    response = login(client, "membre@example.org", "mauvais")
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect" in response.content.decode()
    assert not get_user(client).is_authenticated


def test_logout_is_a_post(client, world):
    client.force_login(world.users["membre"])
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert get_user(client).is_authenticated
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not get_user(client).is_authenticated


def test_login_is_rate_limited_per_email_and_ip(client, world):
    for _ in range(4):
        assert login(client, "membre@example.org", "mauvais").status_code == 200
    # the fifth failure locks, whatever the case of the address
    response = login(client, "MEMBRE@example.org", "mauvais")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Connexion temporairement bloquée" in body
    assert "30\u00a0minutes" in body or "30&nbsp;minutes" in body
    # even the right password is refused now
    response = login(client, "membre@example.org")
    assert response.status_code == 429
    assert not get_user(client).is_authenticated
    # another address from the same IP, or the same address from another IP, still works
    assert login(client, "porteur@example.org").status_code == 302
    client.logout()
    assert login(client, "membre@example.org", REMOTE_ADDR="10.1.2.3").status_code == 302


def test_successful_login_resets_the_failure_count(client, world):
    for _ in range(4):
        login(client, "membre@example.org", "mauvais")
    assert login(client, "membre@example.org").status_code == 302
    client.logout()
    for _ in range(4):
        assert login(client, "membre@example.org", "mauvais").status_code == 200


def test_password_change(client, world):
    user = world.users["membre"]
    client.force_login(user)
    url = reverse("accounts:password_change")
    assert "Ancien mot de passe" in client.get(url).content.decode()
    response = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "court", "new_password2": "court"},
    )
    assert response.status_code == 200
    assert "trop court" in response.content.decode()
    new = "une-phrase-de-passe-solide"
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert get_user(client).is_authenticated  # session kept after the change


def test_password_reset_by_email(client, world, immediate_tasks, mailoutbox, settings):
    settings.SITE_URL = "https://cdvs.example.org"
    response = client.post(reverse("accounts:password_reset"), {"email": "Membre@Example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    (message,) = mailoutbox
    assert message.to == ["membre@example.org"]
    assert "nouveau mot de passe" in message.subject
    assert message.alternatives[0].mimetype == "text/html"
    link = re.search(r"https://cdvs\.example\.org(/compte/mot-de-passe/nouveau/\S+/)", message.body)
    assert link, message.body
    assert link.group(0) in message.alternatives[0].content

    response = client.get(link.group(1), follow=True)
    assert "Choisir un nouveau mot de passe" in response.content.decode()
    new = "une-phrase-de-passe-solide"
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    user = world.users["membre"]
    user.refresh_from_db()
    assert user.check_password(new)
    # the link is single-use
    response = client.get(link.group(1), follow=True)
    assert "n'est plus valide" in response.content.decode().replace("&#x27;", "'")


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(
    client, db, immediate_tasks, mailoutbox
):
    response = client.post(reverse("accounts:password_reset"), {"email": "inconnu@example.org"})
    assert response.status_code == 302
    assert mailoutbox == []


@pytest.mark.parametrize("email", ["pas-une-adresse", ""])
def test_password_reset_rejects_bad_input(client, db, email):
    response = client.post(reverse("accounts:password_reset"), {"email": email})
    assert response.status_code == 200
    body = response.content.decode()
    assert "adresse" in body and "errorlist" in body


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, world):
    for i in range(5):
        login(client, "membre@example.org", "mauvais", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    response = login(client, "membre@example.org", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429


def test_lockout_page_tells_the_configured_duration(client, world, settings):
    from datetime import timedelta

    settings.AXES_COOLOFF_TIME = timedelta(hours=1, minutes=15)
    for _ in range(5):
        response = login(client, "membre@example.org", "mauvais")
    assert response.status_code == 429
    assert "1\u00a0heure et 15\u00a0minutes" in response.content.decode()


def test_behind_a_trusted_proxy_the_client_address_is_the_one_it_appended(client, world, settings):
    settings.CDVS_TRUSTED_PROXIES = 1
    # the client forges the left part of the header; the proxy appends the real address
    for i in range(5):
        login(
            client,
            "membre@example.org",
            "mauvais",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 192.0.2.10",
            REMOTE_ADDR="10.0.0.1",
        )
    locked = login(client, "membre@example.org", HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert locked.status_code == 429
    # another real client behind the same proxy is not locked out
    other = login(client, "membre@example.org", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert other.status_code == 302


def test_client_address_without_enough_proxy_hops_falls_back_to_the_socket(rf, settings):
    from cdvs.accounts.lockout import client_ip_for_axes

    settings.CDVS_TRUSTED_PROXIES = 2
    request = rf.get("/", HTTP_X_FORWARDED_FOR="192.0.2.10", REMOTE_ADDR="10.0.0.1")
    assert client_ip_for_axes(request) == "10.0.0.1"
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 192.0.2.10, 10.0.0.2")
    assert client_ip_for_axes(request) == "192.0.2.10"
    settings.CDVS_TRUSTED_PROXIES = 0
    assert client_ip_for_axes(request) == "127.0.0.1"
