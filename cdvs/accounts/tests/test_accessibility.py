"""The login pages pass axe-core without serious or critical violation: login (with the
ProConnect button), login link (ask, sent, use), two-factor enrolment and
verification, the account page."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cdvs.accounts.magic_link import make_token
from cdvs.core.tests.browser import requires_chromium
from cdvs.core.tests.test_accessibility import audit
from cdvs.testing import make_user

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def _cookie(client, live_server, user):
    client.force_login(user, second_factor=False)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def test_login_pages_have_no_serious_axe_violation(live_server, client, settings):
    settings.OIDC_RP_CLIENT_ID = "cdvs-test"
    person = make_user("camille@example.org")
    pages = {
        "connexion": reverse("accounts:login"),
        "lien-demander": reverse("accounts:magic_link_request"),
        "lien-envoye": reverse("accounts:magic_link_sent"),
        "lien-utiliser": reverse("accounts:magic_link", kwargs={"token": make_token(person)}),
    }
    failures = audit(live_server, pages)
    failures += audit(live_server, {"compte": reverse("accounts:account")},
                      cookies=[_cookie(client, live_server, person)])  # fmt: skip
    assert not failures, "\n\n".join(failures)


def test_two_factor_pages_have_no_serious_axe_violation(live_server, client):
    enrolling = make_user("nouvelle@example.org", is_staff=True)
    enrolled = make_user("active@example.org", is_staff=True)
    TOTPDevice.objects.create(user=enrolled, name="Application", confirmed=True)
    failures = audit(
        live_server,
        {"double-authentification-activer": reverse("accounts:two_factor_enrol")},
        cookies=[_cookie(client, live_server, enrolling)],
    )
    client.logout()
    failures += audit(
        live_server,
        {"double-authentification-code": reverse("accounts:two_factor")},
        cookies=[_cookie(client, live_server, enrolled)],
    )
    assert not failures, "\n\n".join(failures)
