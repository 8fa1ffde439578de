import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from cdvs.testing import PASSWORD

ROOT = Path(django_settings.BASE_DIR)


def _production_env(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CDVS_", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS"))
    }
    env.update(
        CDVS_ENV="production",
        CDVS_VAR_DIR=str(tmp_path),
        SECRET_KEY="k" + "x9Qm2#vL8!pZ4rT7wY1uE5oI3aS6dF0gH" * 2,
        ALLOWED_HOSTS="cdvs.example.org",
    )
    return env


def test_deploy_check_is_clean_in_production(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_make_cookies_secure(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'cdvs.settings'; "
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    result = subprocess.run(  # noqa: S603 (fixed command)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "False"], result.stderr


def test_session_cookie_is_secure_and_httponly(client, world, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    response = client.post(
        reverse("accounts:login"),
        {"username": "membre@example.org", "password": PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def _post_forms(html):
    return re.findall(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", html, flags=re.S | re.I)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (None, "accounts:login"),
        (None, "accounts:password_reset"),
        ("coordinateur", "accounts:account"),
        ("coordinateur", "accounts:invitations"),
        ("coordinateur", "accounts:password_change"),
        ("coordinateur", "directory:list"),
    ],
)
def test_every_post_form_carries_a_csrf_token(client, world, role, url):
    from cdvs.accounts.models import Invitation

    Invitation.objects.create(
        email="x@example.org", organisation=world.organisations["asso_arm"], role="membre"
    )
    if role:
        client.force_login(world.users[role])
    forms = _post_forms(client.get(reverse(url)).content.decode())
    assert forms
    for form in forms:
        assert 'name="csrfmiddlewaretoken"' in form, form


def test_posts_without_csrf_token_are_refused(world):
    from cdvs.accounts.models import Invitation

    invitation = Invitation.objects.create(
        email="x@example.org", organisation=world.organisations["asso_arm"], role="membre"
    )
    anonymous = Client(enforce_csrf_checks=True)
    for url in (
        reverse("accounts:login"),
        reverse("accounts:password_reset"),
        reverse("accounts:invitation", args=[invitation.token]),
    ):
        assert anonymous.post(url, {}).status_code == 403, url
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["coordinateur"])
    for url in (
        reverse("accounts:account"),
        reverse("accounts:logout"),
        reverse("accounts:password_change"),
        reverse("accounts:invitations"),
        reverse("accounts:invitation_revoke", args=[invitation.pk]),
        reverse("accounts:invitation_resend", args=[invitation.pk]),
    ):
        assert client.post(url, {}).status_code == 403, url
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
