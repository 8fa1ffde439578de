"""Depositing an idea without an account: the public form, the signed link (confirm,
follow, edit, erase one's address), the anti-spam, and bad input refused in French
with nothing saved."""

import re
from datetime import date

import httpx
import pytest
import respx
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from cdvs.participation import services
from cdvs.participation.models import Idea, Status, SupportAction

from .conftest import OUTSIDE, QPV_IN

BAN = "https://api-adresse.data.gouv.fr/search/"


def form_data(**extra):
    data = {
        "title": "Un banc au square",
        "text": "Installer deux bancs à l'ombre.",
        "lat": str(QPV_IN[0]),
        "lon": str(QPV_IN[1]),
        "carriers_residence": "qpv",
        "email": "habitante@example.org",
        "site_web": "",
    }
    data.update(extra)
    return data


def text(response):
    return response.content.decode().replace("&#x27;", "'")


def link_of(message) -> str:
    return re.search(r"http\S+/mon-idee/\S+/", message.body).group(0)


@pytest.fixture
def deposit_url(campaign):
    return reverse("participation:deposit", args=[campaign.pk])


def test_the_form_is_public_light_and_needs_no_script(client, deposit_url):
    response = client.get(deposit_url)
    assert response.status_code == 200
    page = text(response)
    # works without JavaScript: the « Utiliser ma position » button only shows with it
    assert "data-place-locate hidden" in page and 'name="adresse"' in page
    assert len(response.content) < 150_000
    assert 'name="site_web"' in page and "<div hidden>" in page


def test_deposit_confirm_follow_edit_and_erase(
    client, world, campaign, deposit_url, immediate_tasks
):
    response = client.post(deposit_url, form_data())
    assert response.status_code == 200 and "Merci, votre idée est reçue" in text(response)
    idea = Idea.objects.get()
    assert idea.confirmed_at is None and idea.area == "qpv" and idea.status == Status.SUBMITTED
    assert [m.to for m in mail.outbox] == [["habitante@example.org"]]
    link = link_of(mail.outbox[0])
    path = link[link.index("/participation/") :]
    # not public before moderation
    assert client.get(reverse("participation:idea", args=[idea.pk])).status_code == 404
    page = client.get(path)
    assert page.status_code == 200 and "Votre idée est confirmée" in text(page)
    idea.refresh_from_db()
    assert idea.confirmed_at is not None
    # edit from the link
    response = client.post(path, form_data(title="Deux bancs au square", email=""))
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.title == "Deux bancs au square"
    # the address is never written to the history
    assert not hasattr(idea.history.model, "email")
    erase = reverse("participation:erase_email", args=[path.split("/")[-2]])
    assert client.post(erase).status_code == 303
    idea.refresh_from_db()
    assert idea.email == ""
    # once examined, the depositor can no longer edit it
    services.change_status(idea, Status.ADMISSIBLE, "", world.users["coordinateur"])
    page = text(client.get(path))
    assert "ne peut plus être modifiée" in page and 'name="title"' not in page
    refused = client.post(path, form_data(title="Trois bancs", email=""), follow=True)
    assert "déjà été examinée" in text(refused)
    idea.refresh_from_db()
    assert idea.title == "Deux bancs au square"


def test_a_forged_link_is_refused_in_french(client, campaign):
    idea = Idea.objects.create(campaign=campaign, title="x", text="y", lat=QPV_IN[0], lon=QPV_IN[1])
    token = services.idea_token(idea)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in (forged, "n-importe-quoi"):
        response = client.get(reverse("participation:my_idea", args=[bad]))
        assert response.status_code == 400
        assert "Ce lien n'est pas valable" in text(response)
    idea.refresh_from_db()
    assert idea.confirmed_at is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": "Un <b>banc</b>"}, "le code HTML n'est pas accepté"),
        ({"text": "<script>alert(1)</script>"}, "le code HTML n'est pas accepté"),
        ({"title": "", "text": ""}, "Ce champ est obligatoire"),
        ({"lat": str(OUTSIDE[0]), "lon": str(OUTSIDE[1])}, "Ce lieu est en dehors d'Armentières"),
        ({"lat": "", "lon": ""}, "Indiquez une adresse ou utilisez votre position"),
        ({"site_web": "http://spam.example"}, "envoi automatique"),
        ({"email": "pas-une-adresse"}, "adresse de courriel valide"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_saved(
    client, deposit_url, immediate_tasks, changes, message
):
    response = client.post(deposit_url, form_data(**changes))
    assert response.status_code == 200
    page = text(response)
    assert message in page.replace("en dehors de Armentières", "en dehors d'Armentières")
    assert not Idea.objects.exists()
    assert not mail.outbox


def test_markdown_is_kept_as_typed_text(client, campaign, deposit_url):
    client.post(deposit_url, form_data(text="**gras** et [lien](http://x.example)"))
    idea = Idea.objects.get()
    idea.confirmed_at, idea.status = idea.created_at, Status.ADMISSIBLE
    idea.save()
    page = text(client.get(reverse("participation:idea", args=[idea.pk])))
    assert "**gras** et [lien](http://x.example)" in page and "<strong>" not in page


def test_a_burst_from_one_address_is_refused(client, deposit_url, immediate_tasks):
    for _ in range(services.DEPOSITS_PER_EMAIL):
        assert client.post(deposit_url, form_data()).status_code == 200
    response = client.post(deposit_url, form_data(title="Encore une"))
    assert "Trop d'idées ont été déposées" in text(response)
    assert Idea.objects.count() == services.DEPOSITS_PER_EMAIL
    assert not Idea.objects.filter(title="Encore une").exists()


def test_a_burst_from_one_ip_with_many_addresses_is_refused(client, deposit_url, immediate_tasks):
    """The limit per client address holds even when every deposit gives a new e-mail."""
    for n in range(services.DEPOSITS_PER_IP):
        response = client.post(deposit_url, form_data(email=f"h{n}@example.org"))
        assert "Merci, votre idée est reçue" in text(response)
    response = client.post(
        deposit_url, form_data(email="autre@example.org", title="Encore une"),
        REMOTE_ADDR="127.0.0.1",
    )  # fmt: skip
    assert "Trop d'idées ont été déposées depuis cette adresse" in text(response)
    assert Idea.objects.count() == services.DEPOSITS_PER_IP
    assert not Idea.objects.filter(title="Encore une").exists()
    # another client address is not affected
    other = client.post(deposit_url, form_data(email="x@example.org"), REMOTE_ADDR="127.0.0.9")
    assert "Merci, votre idée est reçue" in text(other)


@respx.mock
def test_an_address_is_found_by_the_ban_in_the_commune(client, campaign, deposit_url):
    route = respx.get(BAN).mock(
        return_value=httpx.Response(200, json={"features": [{
            "geometry": {"type": "Point", "coordinates": [QPV_IN[1], QPV_IN[0]]},
            "properties": {"label": "Rue de Lille 59280 Armentières", "score": 0.9,
                           "citycode": "59017", "type": "street"},
        }]})
    )  # fmt: skip
    client.post(deposit_url, form_data(lat="", lon="", adresse="rue de Lille"))
    idea = Idea.objects.get()
    assert idea.address == "Rue de Lille 59280 Armentières" and idea.area == "qpv"
    assert "rue+de+Lille" in str(route.calls.last.request.url)


def test_helped_by_lists_the_structures_of_the_support_actions(client, campaign, world):
    asso = world.organisations["asso_arm"]
    SupportAction.objects.create(campaign=campaign, kind="redaction", organisation=asso)
    url = reverse("participation:deposit", args=[campaign.pk])
    page = text(client.get(url))
    assert asso.name in page and world.organisations["asso_lille"].name not in page
    client.post(url, form_data(helped_by=str(asso.pk)))
    assert Idea.objects.get().helped_by == asso


def test_deposit_is_closed_outside_the_phase(client, campaign, deposit_url, time_machine):
    time_machine.move_to("2025-03-15 10:00:00+01:00", tick=False)
    response = client.post(deposit_url, form_data(), follow=True)
    assert "n'est pas ouvert" in text(response)
    assert not Idea.objects.exists()


def test_emails_are_purged_once_the_campaign_ended(campaign, time_machine):
    idea = Idea.objects.create(campaign=campaign, title="x", text="y", lat=1, lon=1,
                               email="habitante@example.org")  # fmt: skip
    call_command("purge_participation_emails")
    idea.refresh_from_db()
    assert idea.email == "habitante@example.org"  # the campaign runs until 31/12/2025
    time_machine.move_to("2026-01-01 10:00:00+01:00", tick=False)
    call_command("purge_participation_emails")
    idea.refresh_from_db()
    assert idea.email == ""
    assert campaign.ends_on == date(2025, 12, 31)


def test_the_purge_is_a_daily_job():
    from cdvs.core.scheduler import JOBS

    assert any(job.command == "purge_participation_emails" for job in JOBS)
