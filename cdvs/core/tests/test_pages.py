import pytest
from django.core.management import call_command
from django.urls import reverse

from cdvs.core.navigation import AREAS


@pytest.mark.django_db
def test_home_lists_every_area(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    for area in AREAS:
        assert area.label.replace("'", "&#x27;") in body


@pytest.mark.django_db
def test_upcoming_area_page_and_unknown_area(client):
    assert client.get(reverse("core:upcoming", args=["evaluation"])).status_code == 200
    assert client.get(reverse("core:upcoming", args=["nimporte"])).status_code == 404
    assert client.get(reverse("core:upcoming", args=["contrat"])).status_code == 404


@pytest.mark.django_db
def test_ensure_admin_creates_one_admin_with_random_password(capsys):
    from django.contrib.auth import get_user_model

    call_command("ensure_admin")
    first = capsys.readouterr().out
    call_command("ensure_admin")
    second = capsys.readouterr().out
    User = get_user_model()
    assert User.objects.filter(is_superuser=True).count() == 1
    assert "Mot de passe" in first and "existe déjà" in second
    password = first.split("Mot de passe : ")[1].split()[0]
    assert User.objects.get().check_password(password)


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get(reverse("home"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_unknown_page_gets_the_french_404_page(client, settings):
    settings.DEBUG = False
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page introuvable" in body and 'lang="fr"' in body
    assert "Retour à l'accueil" in body


def test_server_error_page_renders_without_a_request_context():
    from django.template.loader import render_to_string

    body = render_to_string("500.html")
    assert "Une erreur est survenue" in body and 'lang="fr"' in body
