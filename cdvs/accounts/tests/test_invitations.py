import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.urls import reverse
from django.utils import timezone

from cdvs.accounts.models import Invitation, Membership, User
from cdvs.testing import PASSWORD, plain

INVITATIONS = reverse("accounts:invitations")
NEW_PASSWORD = "une-phrase-de-passe-solide"


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'").replace("&nbsp;", "\u00a0"))


def invite(client, world, email="nouvelle@example.org", org="asso_arm", role="membre"):
    return client.post(
        INVITATIONS,
        {"email": email, "organisation": world.organisations[org].pk, "role": role},
    )


def link_in(message):
    return re.search(r"http://127\.0\.0\.1:8000(/compte/invitation/[\w-]+/)", message.body).group(1)


@pytest.fixture
def coordinator(client, world, immediate_tasks):
    client.force_login(world.users["coordinateur"])
    return world.users["coordinateur"]


def test_coordinator_invites_into_an_organisation_of_their_territory(
    client, world, coordinator, mailoutbox, settings
):
    settings.SITE_URL = "http://127.0.0.1:8000"
    response = invite(client, world, email="  Nouvelle@Example.org ")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nouvelle@example.org"
    assert invitation.invited_by == coordinator and invitation.role == "membre"
    assert invitation.last_sent_at is not None
    assert invitation.expires_at.date() == (timezone.now() + timedelta(days=14)).date()
    (message,) = mailoutbox
    assert message.to == ["nouvelle@example.org"]
    assert "Centre social du Bizet" in message.subject
    assert "Camille Coordinatrice vous invite" in message.body
    assert "«\u00a0Membre d'un partenaire\u00a0»" in message.body
    assert link_in(message) == f"/compte/invitation/{invitation.token}/"
    assert f"/compte/invitation/{invitation.token}/" in message.alternatives[0].content
    page = text(client.get(INVITATIONS))
    assert "nouvelle@example.org" in page and "Invitation envoyée" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "pas-une-adresse"}, "Saisissez une adresse électronique valide."),
        ({"role": "chef"}, "Rôle inconnu"),
        ({"role": "administrateur"}, "Rôle inconnu"),
        ({"org": "asso_lille"}, "pas dans votre périmètre"),
        ({"org": "pv_lille"}, "pas dans votre périmètre"),
        ({"email": "membre@example.org"}, "fait déjà partie"),
    ],
)
def test_bad_invitations_get_a_french_message_and_create_nothing(
    client, world, coordinator, mailoutbox, data, message
):
    response = invite(client, world, **data)
    assert response.status_code == 200
    assert message in text(response)
    assert "Aucune invitation n'a été envoyée" in text(response)
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_unknown_organisation_is_refused(client, world, coordinator):
    response = client.post(
        INVITATIONS, {"email": "x@example.org", "organisation": 999999, "role": "membre"}
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_a_second_pending_invitation_is_refused(client, world, coordinator):
    assert invite(client, world).status_code == 302
    response = invite(client, world, email="NOUVELLE@example.org", role="porteur")
    assert "déjà en attente" in text(response)
    assert Invitation.objects.count() == 1


def test_coordinator_scope_reaches_qpv_and_organisations_without_territory(
    client, world, coordinator
):
    # asso_arm is in a QPV of Armentières; the CAF has no territory (contract-wide)
    for org in ("asso_arm", "pv_arm", "no_territory"):
        assert invite(client, world, email=f"{org}@example.org", org=org).status_code == 302


def test_admin_invites_anywhere_and_members_may_not_invite(client, world, immediate_tasks):
    client.force_login(world.users["administrateur"])
    assert invite(client, world, org="asso_lille", role="coordinateur").status_code == 302
    for role in ("membre", "porteur", "sans_role"):
        client.force_login(world.users[role])
        assert client.get(INVITATIONS).status_code == 403
        assert invite(client, world, email="y@example.org").status_code == 403
    assert Invitation.objects.count() == 1


def test_accept_creates_the_account_and_logs_in(client, world, immediate_tasks, mailoutbox):
    inviter = world.users["coordinateur"]
    client.force_login(inviter)
    invite(client, world, role="porteur")
    client.logout()
    url = link_in(mailoutbox[0])

    page = text(client.get(url))
    assert "Créer mon compte" in page and "nouvelle@example.org" in page

    weak = {"first_name": "Nour", "last_name": "Benali", "password1": "123", "password2": "123"}
    response = client.post(url, weak)
    assert response.status_code == 200
    assert "trop court" in text(response)
    assert not User.objects.filter(email="nouvelle@example.org").exists()

    mismatch = {**weak, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    assert "ne correspondent pas" in text(client.post(url, mismatch))

    good = {**weak, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post(url, good)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    user = User.objects.get(email="nouvelle@example.org")
    assert user.get_full_name() == "Nour Benali" and user.check_password(NEW_PASSWORD)
    assert get_user(client) == user
    membership = Membership.objects.get(user=user)
    assert membership.organisation == world.organisations["asso_arm"]
    assert membership.role == "porteur"
    assert membership.history.get().history_type == "+"
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    page = text(client.get(reverse("accounts:account")))
    assert "Centre social du Bizet" in page and "Porteur de projet" in page

    # the link cannot be used twice
    client.logout()
    response = client.get(url)
    assert response.status_code == 410
    assert "déjà été utilisée" in text(response)


def test_existing_account_logs_in_then_joins(client, world, immediate_tasks, mailoutbox):
    client.force_login(world.users["coordinateur"])
    # the member of the association is invited into the PV service too
    invite(client, world, email="membre@example.org", org="pv_arm", role="membre")
    assert "Vous avez déjà un compte" in mailoutbox[0].body
    client.logout()
    url = link_in(mailoutbox[0])

    page = text(client.get(url))
    assert "Un compte existe déjà" in page
    login_url = f"{reverse('accounts:login')}?next={url}"
    assert login_url in page
    response = client.post(login_url, {"username": "membre@example.org", "password": PASSWORD})
    assert response["Location"] == url
    assert "Accepter l'invitation" in text(client.get(url))
    assert client.post(url).status_code == 302
    member = world.users["membre"]
    assert set(member.memberships.values_list("organisation__name", "role")) == {
        ("Centre social du Bizet", "membre"),
        ("Service Politique de la Ville d'Armentières", "membre"),
    }
    assert Invitation.objects.get().accepted_by == member


def test_logged_in_with_another_account(client, world, immediate_tasks, mailoutbox):
    client.force_login(world.users["coordinateur"])
    invite(client, world)
    url = link_in(mailoutbox[0])
    response = client.get(url)
    assert "adressée à quelqu'un d'autre" in text(response)
    assert client.post(url).status_code == 200
    assert Invitation.objects.get().accepted_at is None
    assert not User.objects.filter(email="nouvelle@example.org").exists()


def test_expired_revoked_and_unknown_links(client, world, immediate_tasks, mailoutbox):
    organisation = world.organisations["asso_arm"]
    expired = Invitation.objects.create(
        email="a@example.org",
        organisation=organisation,
        role="membre",
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    revoked = Invitation.objects.create(
        email="b@example.org", organisation=organisation, role="membre", revoked_at=timezone.now()
    )
    for invitation, message in ((expired, "a expiré"), (revoked, "a été annulée")):
        url = reverse("accounts:invitation", args=[invitation.token])
        response = client.get(url)
        assert response.status_code == 410
        assert message in text(response)
        response = client.post(
            url,
            {
                "first_name": "A",
                "last_name": "B",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        )
        assert response.status_code == 410
    response = client.get(reverse("accounts:invitation", args=["inconnu"]))
    assert response.status_code == 404
    assert "n'est pas valide" in text(response)
    assert User.objects.count() == len([u for u in world.users.values() if u])


def test_coordinator_lists_revokes_and_resends(client, world, coordinator, mailoutbox):
    invite(client, world, email="a@example.org")
    invite(client, world, email="b@example.org", org="pv_arm")
    first, second = Invitation.objects.order_by("email")
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(days=1))
    page = text(client.get(INVITATIONS))
    assert "a@example.org" in page and "Expirée" in page and "b@example.org" in page

    mailoutbox.clear()
    response = client.post(reverse("accounts:invitation_resend", args=[first.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.is_usable and first.expires_at > timezone.now() + timedelta(days=13)
    assert len(mailoutbox) == 1 and link_in(mailoutbox[0]).endswith(f"/{first.token}/")

    assert client.post(reverse("accounts:invitation_revoke", args=[second.pk])).status_code == 302
    second.refresh_from_db()
    assert second.revoked_by == world.users["coordinateur"]
    page = text(client.get(INVITATIONS))
    assert "L'invitation de b@example.org est annulée." in page
    assert "Annuler l'invitation de b@example.org" not in page
    response = client.post(reverse("accounts:invitation_resend", args=[second.pk]), follow=True)
    assert "ne peut plus être envoyée" in text(response)
    assert len(mailoutbox) == 1
    assert client.get(reverse("accounts:invitation_revoke", args=[first.pk])).status_code == 405


def test_coordinator_cannot_touch_invitations_outside_their_scope(client, world, coordinator):
    foreign = Invitation.objects.create(
        email="x@example.org", organisation=world.organisations["asso_lille"], role="membre"
    )
    assert "x@example.org" not in text(client.get(INVITATIONS))
    assert client.post(reverse("accounts:invitation_revoke", args=[foreign.pk])).status_code == 403
    assert client.post(reverse("accounts:invitation_resend", args=[foreign.pk])).status_code == 403
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
    assert client.post(reverse("accounts:invitation_revoke", args=[999999])).status_code == 404


def test_invitation_form_preselects_the_organisation(client, world, coordinator):
    org = world.organisations["asso_arm"]
    page = text(client.get(f"{INVITATIONS}?organisation={org.pk}"))
    assert f'<option value="{org.pk}" selected>' in page
    assert "Association lilloise" not in page


@pytest.mark.django_db(transaction=True)
def test_invitation_email_goes_through_the_database_queue(client, settings):
    from django.core import mail
    from django.core.management import call_command

    from cdvs.testing import World

    world = World.build()
    settings.SITE_URL = "http://127.0.0.1:8000"
    client.force_login(world.users["coordinateur"])
    assert invite(client, world).status_code == 302
    assert mail.outbox == []  # queued, not sent by the web request
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    (message,) = mail.outbox
    assert link_in(message) == f"/compte/invitation/{Invitation.objects.get().token}/"


@pytest.fixture
def long_list(monkeypatch):
    """As if the coordinator's scope held more organisations than a <select> can show."""
    monkeypatch.setattr("cdvs.directory.fields.SELECT_LIMIT", 1)


def test_a_long_organisation_list_becomes_a_text_field_with_suggestions(
    client, world, coordinator, long_list
):
    org = world.organisations["asso_arm"]
    label = f"{org.name} — {org.territory.name} [n°\u00a0{org.pk}]"
    page = text(client.get(f"{INVITATIONS}?organisation={org.pk}"))
    assert "<select" not in page.split('name="organisation"')[0].rsplit("<p", 1)[-1]
    assert 'data-suggestions-url="/compte/invitations/organisations/"' in page
    assert label in page
    assert "js/organisation-picker.js" in page and "defer" in page

    answer = client.get(reverse("accounts:invitation_organisations"), {"q": "bizet"}).json()
    assert {"id": org.pk, "label": label} in answer
    # organisations outside the coordinator's scope are never suggested
    lille = client.get(reverse("accounts:invitation_organisations"), {"q": "lilloise"}).json()
    assert lille == []


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("Centre social du Bizet — quartier [n° {pk}]", True),
        ("centre social du bizet", True),  # the exact name, without JavaScript
        ("Centre social", False),
        ("Association lilloise", False),  # outside the scope
    ],
)
def test_the_text_field_accepts_a_suggestion_or_the_exact_name(
    client, world, coordinator, long_list, typed, accepted
):
    org = world.organisations["asso_arm"]
    response = client.post(
        INVITATIONS,
        {
            "email": "nouvelle@example.org",
            "organisation": typed.format(pk=org.pk),
            "role": "membre",
        },
    )
    if accepted:
        assert response.status_code == 302
        assert Invitation.objects.get().organisation == org
    else:
        assert response.status_code == 200
        assert "pas dans votre périmètre" in text(response)
        assert not Invitation.objects.exists()


def test_a_name_shared_by_two_organisations_asks_to_pick_a_suggestion(
    client, world, coordinator, long_list
):
    from cdvs.directory.models import Organisation

    org = world.organisations["asso_arm"]
    Organisation.objects.create(name=org.name, kind=org.kind, territory=org.territory)
    response = client.post(
        INVITATIONS, {"email": "n@example.org", "organisation": org.name, "role": "membre"}
    )
    assert "Plusieurs organisations portent ce nom" in text(response)
    assert not Invitation.objects.exists()
