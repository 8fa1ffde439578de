"""ProConnect, the whole flow against the local test identity provider (no network)."""

import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from cdvs.accounts.models import User
from cdvs.testing.oidc import IdentityProvider

START = reverse("accounts:proconnect_start")
CALLBACK = reverse("accounts:proconnect_callback")
LOGIN = reverse("accounts:login")


@pytest.fixture
def idp(settings):
    with IdentityProvider() as provider:
        for name, value in provider.settings().items():
            setattr(settings, name, value)
        yield provider


def _go(client, idp, email, next_url="", **claims):
    """Start the login, approve it at the provider, come back: the callback's answer."""
    response = client.get(START + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{idp.url}/authorize?")
    return client.get(CALLBACK, idp.approve(response["Location"], email, **claims))


def _refused(client, response, message):
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not get_user(client).is_authenticated
    body = client.get(LOGIN).content.decode()
    assert message in body.replace("&#x27;", "'")
    return body


def test_without_configuration_proconnect_is_not_offered(client, db):
    assert "ProConnect" not in client.get(LOGIN).content.decode()
    assert client.get(START).status_code == 404
    assert client.get(CALLBACK, {"code": "x", "state": "y"}).status_code == 404


def test_the_login_page_offers_proconnect_when_configured(client, idp, db):
    body = client.get(LOGIN).content.decode()
    assert "S&#x27;identifier avec ProConnect" in body or "S'identifier avec ProConnect" in body


def test_an_agent_with_an_account_logs_in(client, idp, world):
    user = world.users["membre"]
    response = _go(client, idp, user.email.upper(), next_url="/annuaire/")
    assert response.status_code == 302
    assert response["Location"] == "/annuaire/"
    assert get_user(client) == user


def test_an_unknown_agent_gets_no_account(client, idp, world):
    count = User.objects.count()
    response = _go(client, idp, "nouvel.agent@ville.example.org")
    _refused(client, response, "Aucun compte de l'outil n'utilise l'adresse")
    assert User.objects.count() == count


def test_an_inactive_account_is_refused(client, idp, world):
    user = world.users["membre"]
    user.is_active = False
    user.save()
    _refused(client, _go(client, idp, user.email), "Ce compte est désactivé.")


def test_an_unverified_email_is_refused(client, idp, world):
    response = _go(client, idp, world.users["membre"].email, email_verified=False)
    _refused(client, response, "pas transmis d'adresse électronique vérifiée")


def test_the_provider_refuses(client, idp, world):
    response = client.get(START)
    state = idp.approve(response["Location"], "x@example.org")["state"]
    response = client.get(CALLBACK, {"error": "access_denied", "state": state})
    _refused(client, response, "ProConnect n'a pas confirmé votre identité")


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("signature", "n'a pas pu être vérifiée"),
        ("audience", "n'a pas pu être vérifiée"),
        ("nonce", "ne correspond pas à cette connexion"),
        ("expired", "La réponse de ProConnect a expiré"),
    ],
)
def test_a_tampered_or_stale_token_is_refused(client, idp, world, tamper, message):
    idp.tamper = tamper
    _refused(client, _go(client, idp, world.users["membre"].email), message)


def test_a_wrong_state_is_refused(client, idp, world):
    response = client.get(START)
    params = idp.approve(response["Location"], world.users["membre"].email)
    params["state"] = "etat-inconnu"
    _refused(client, client.get(CALLBACK, params), "ne correspond à aucune connexion en cours")


def test_a_code_is_used_once(client, idp, world):
    user = world.users["membre"]
    response = client.get(START)
    params = idp.approve(response["Location"], user.email)
    assert client.get(CALLBACK, params)["Location"] == "/"
    client.logout()
    # the state was consumed: replaying the answer does not log in again
    _refused(client, client.get(CALLBACK, params), "ne correspond à aucune connexion en cours")


def test_the_provider_down_gives_a_french_message(client, idp, world, settings):
    response = client.get(START)
    params = idp.approve(response["Location"], world.users["membre"].email)
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # nothing listens there
    _refused(client, client.get(CALLBACK, params), "ProConnect ne répond pas pour le moment")


def test_password_login_still_works_when_proconnect_is_on(client, idp, world):
    from cdvs.testing import PASSWORD

    response = client.post(LOGIN, {"username": "membre@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert get_user(client) == world.users["membre"]


def _at_provider(url):
    """The browser at the provider's end-session endpoint: (status, Location)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}")
        response = conn.getresponse()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


def test_logout_ends_the_proconnect_session_too(client, idp, world):
    from urllib.parse import parse_qs, urlsplit

    user = world.users["membre"]
    assert _go(client, idp, user.email).status_code == 302
    id_token = client.session["oidc_id_token"]

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{idp.url}/session/end"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["id_token_hint"] == id_token
    assert len(query["state"]) >= 20
    assert query["post_logout_redirect_uri"] == "http://testserver/"
    assert not get_user(client).is_authenticated  # the tool's session is over first

    status, back = _at_provider(response["Location"])
    assert status == 302
    assert back == f"http://testserver/?state={query['state']}"
    assert idp.ended == [f"agent-{user.email}"]
    assert client.get(back).status_code == 200  # the home page, anonymous


def test_two_logins_two_states(client, idp, world):
    states = []
    for _ in range(2):
        _go(client, idp, world.users["membre"].email)
        location = client.post(reverse("accounts:logout"))["Location"]
        states.append(location.split("state=")[1].split("&")[0])
    assert states[0] != states[1]


def test_a_password_login_logs_out_here_only(client, idp, world):
    client.force_login(world.users["membre"])
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == "/"
    assert not get_user(client).is_authenticated
    assert idp.ended == []


def test_the_provider_refuses_a_forged_hint(client, idp, world):
    status, _ = _at_provider(
        f"{idp.url}/session/end?id_token_hint=faux&state=abc&post_logout_redirect_uri=http://x/"
    )
    assert status == 400
    assert idp.ended == []


def test_logging_out_everywhere_ends_the_proconnect_session_too(client, idp, world):
    user = world.users["membre"]
    _go(client, idp, user.email)
    response = client.post(reverse("accounts:logout_everywhere"))
    assert response["Location"].startswith(f"{idp.url}/session/end?")
    assert not get_user(client).is_authenticated
    status, back = _at_provider(response["Location"])
    assert status == 302 and idp.ended == [f"agent-{user.email}"]
    assert "déconnecté de tous vos appareils" in client.get(back).content.decode()
