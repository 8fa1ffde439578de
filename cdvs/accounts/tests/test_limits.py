"""Abuse limits: emails anyone may ask for (password reset, « mes données ») per
address and per client address; login failures capped per client address whatever the
accounts tried. Messages in French, and never telling whether an address is known."""

import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from cdvs.core import ratelimit
from cdvs.testing import PASSWORD, plain

RESET = reverse("accounts:password_reset")
PERSONAL = reverse("accounts:personal_data")
LOGIN = reverse("accounts:login")


def _text(response):
    return plain(response.content.decode().replace("&#x27;", "'"))


@pytest.mark.parametrize("address", ["membre@example.org", "inconnu@example.org"])
def test_password_reset_emails_are_limited_per_address(
    client, world, immediate_tasks, mailoutbox, address
):
    for _ in range(3):
        assert client.post(RESET, {"email": address}).status_code == 302
    sent = len(mailoutbox)
    refused = client.post(RESET, {"email": address.upper()})
    assert refused.status_code == 429
    assert "Plusieurs courriels ont déjà été demandés pour cette adresse" in _text(refused)
    assert len(mailoutbox) == sent == (3 if address.startswith("membre") else 0)
    # another address still gets its link
    assert client.post(RESET, {"email": "porteur@example.org"}).status_code == 302
    assert mailoutbox[-1].to == ["porteur@example.org"]


def test_password_reset_emails_are_limited_per_client_address(
    client, world, immediate_tasks, mailoutbox, settings
):
    for i in range(settings.CDVS_EMAILS_PER_IP):
        assert client.post(RESET, {"email": f"personne{i}@example.org"}).status_code == 302
    refused = client.post(RESET, {"email": "membre@example.org"})
    assert refused.status_code == 429
    assert "Trop de courriels ont été demandés depuis votre connexion" in _text(refused)
    assert mailoutbox == []
    other = client.post(RESET, {"email": "membre@example.org"}, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 302 and len(mailoutbox) == 1


def test_personal_data_links_are_limited_per_address(client, world, immediate_tasks, mailoutbox):
    for _ in range(3):
        assert client.post(PERSONAL, {"email": "membre@example.org"}).status_code == 302
    assert len(mailoutbox) == 3
    refused = client.post(PERSONAL, {"email": "Membre@example.org"})
    assert refused.status_code == 429
    assert "Plusieurs courriels ont déjà été demandés pour cette adresse" in _text(refused)
    assert len(mailoutbox) == 3


WRONG = "mauvais"


def _login(client, username, password=WRONG, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_login_failures_are_capped_per_client_address(client, world, settings):
    settings.CDVS_LOGIN_FAILURES_PER_IP = 6
    # two failures on each of three accounts: below the per-account lockout (5)
    for address in ("membre@example.org", "porteur@example.org", "sans.role@example.org"):
        for _ in range(2):
            assert _login(client, address).status_code == 200
    # the client address is now blocked, whatever the account, even with the password
    response = _login(client, "coordination@lille.example.org", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Connexion temporairement bloquée" in body
    assert "depuis votre connexion" in body
    assert not get_user(client).is_authenticated
    # another client address is not slowed
    ok = _login(client, "coordination@lille.example.org", PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert ok.status_code == 302


def test_a_successful_login_does_not_reset_the_cap_of_the_address(client, world, settings):
    settings.CDVS_LOGIN_FAILURES_PER_IP = 3
    for _ in range(2):
        _login(client, "membre@example.org")
    assert _login(client, "porteur@example.org", PASSWORD).status_code == 302
    client.logout()
    _login(client, "sans.role@example.org")
    assert _login(client, "porteur@example.org", PASSWORD).status_code == 429


def test_rate_limit_helper_counts_in_a_window():
    assert [ratelimit.hit("essai", 2, 60) for _ in range(3)] == [True, True, False]
    assert ratelimit.used("essai") == 3
    assert ratelimit.used("autre") == 0
