"""Sessions that expire (inactivity, longest life) and « se déconnecter de partout »."""

from django.conf import settings
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse

from cdvs.accounts.sessions import KEY_SEEN
from cdvs.testing import PASSWORD

ACCOUNT = reverse("accounts:account")


def _password_login(client, email):
    response = client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302


def test_sessions_have_a_longest_life():
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_an_idle_session_is_closed(client, world, time_machine):
    time_machine.move_to("2025-01-15 10:00:00+01:00", tick=False)
    _password_login(client, "membre@example.org")
    assert client.get(ACCOUNT).status_code == 200
    # used again within the limit: the clock starts over (refreshed every 5 minutes)
    time_machine.move_to("2025-01-15 11:50:00+01:00", tick=False)
    assert client.get(ACCOUNT).status_code == 200
    time_machine.move_to("2025-01-15 13:40:00+01:00", tick=False)
    assert client.get(ACCOUNT).status_code == 200
    # then 2 hours and a minute without activity
    time_machine.move_to("2025-01-15 15:41:00+01:00", tick=False)
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not get_user(client).is_authenticated
    body = client.get(reverse("accounts:login")).content.decode()
    assert "fermée après 120\u00a0minutes sans activité" in body


def test_a_session_ends_after_its_longest_life(client, world, time_machine, settings):
    settings.SESSION_COOKIE_AGE = 4 * 3600
    time_machine.move_to("2025-01-15 08:00:00+01:00", tick=False)
    _password_login(client, "membre@example.org")
    for hour in ("09:30", "11:00", "11:59"):  # in use all along
        time_machine.move_to(f"2025-01-15 {hour}:00+01:00", tick=False)
        assert client.get(ACCOUNT).status_code == 200
    time_machine.move_to("2025-01-15 12:01:00+01:00", tick=False)
    assert client.get(ACCOUNT).status_code == 302
    assert not get_user(client).is_authenticated
    body = client.get(reverse("accounts:login")).content.decode()
    assert "fermée 4 heures après la connexion" in body


def test_the_idle_limit_can_be_switched_off(client, world, time_machine, settings):
    settings.CDVS_SESSION_IDLE_MINUTES = 0
    time_machine.move_to("2025-01-15 10:00:00+01:00", tick=False)
    _password_login(client, "membre@example.org")
    time_machine.move_to("2025-01-15 15:00:00+01:00", tick=False)
    assert client.get(ACCOUNT).status_code == 200
    assert KEY_SEEN in client.session


def test_log_out_everywhere(client, world):
    user = world.users["membre"]
    _password_login(client, user.email)
    other = Client()  # another browser of the same person
    _password_login(other, user.email)
    assert other.get(ACCOUNT).status_code == 200
    assert "Me déconnecter de partout" in client.get(ACCOUNT).content.decode()
    response = client.post(reverse("accounts:logout_everywhere"))
    assert response.status_code == 302
    assert not get_user(client).is_authenticated
    assert "déconnecté de tous vos appareils" in client.get(response["Location"]).content.decode()
    # the other browser's session is refused too, and the person logs in again as before
    response = other.get(ACCOUNT)
    assert response.status_code == 302
    assert not get_user(other).is_authenticated
    _password_login(client, user.email)
    assert client.get(ACCOUNT).status_code == 200


def test_log_out_everywhere_is_a_post(client, login):
    login("membre")
    assert client.get(reverse("accounts:logout_everywhere")).status_code == 405
    assert get_user(client).is_authenticated


def test_sessions_opened_before_the_counter_stay_valid(client, world):
    """Generation 0 keeps Django's own digest: deploying logs nobody out."""
    from django.utils.crypto import salted_hmac

    user = world.users["membre"]
    salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
    django_digest = salted_hmac(salt, user.password, algorithm="sha256").hexdigest()
    assert user.get_session_auth_hash() == django_digest
    user.session_generation = 1
    assert user.get_session_auth_hash() != django_digest
