"""The weekly digest: opt-in, one email per subscriber through the worker, only what
the person may read, never the same actualité twice, one-click unsubscribe."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cdvs.library import services
from cdvs.library.models import DigestItem, DigestSubscription, News, NewsStatus


def digest_command() -> str:
    out = io.StringIO()
    call_command("send_news_digest", stdout=out)
    return out.getvalue()


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _news(world, title, visibility="public", status=NewsStatus.PUBLISHED):
    return News.objects.create(
        title=title, body="Texte", visibility=visibility, status=status,
        author=world.users["coordinateur"], organisation=world.organisations["pv_arm"],
        territory=world.territories["armentieres"],
        published_at=timezone.now() if status == NewsStatus.PUBLISHED else None,
    )  # fmt: skip


@pytest.mark.django_db
def test_subscription_page_toggles_the_opt_in(client, world):
    user = world.users["membre"]
    client.force_login(user)
    page = client.get(reverse("news:digest")).content.decode()
    assert "non abonné" in page
    client.post(reverse("news:digest"), {"active": "on"})
    assert DigestSubscription.objects.get(user=user).active
    client.post(reverse("news:digest"), {})
    assert not DigestSubscription.objects.get(user=user).active


@pytest.mark.django_db(transaction=True)
def test_digest_goes_through_the_worker_with_only_what_each_may_see(client):
    from cdvs.testing import World

    world = World.build()
    for role in ("porteur", "coordinateur"):
        services.set_digest(world.users[role], True)
    services.set_digest(world.users["membre"], False)  # opted out
    _news(world, "Nouvelle publique")
    _news(world, "Nouvelle partenaires", "partenaires")
    _news(world, "Nouvelle coordination", "coordination")
    _news(world, "Nouvelle à relire", "public", NewsStatus.PENDING)

    assert digest_command().startswith("2 lettres mises en file d'attente (5 actualités)")
    assert mail.outbox == []  # queued, not sent in the command
    assert DBTaskResult.objects.ready().count() == 2
    run_worker()

    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"porteur@example.org", "coordination@armentieres.example.org"}
    carrier = sent["porteur@example.org"]
    assert "Nouvelle publique" in carrier.body and "Nouvelle partenaires" in carrier.body
    assert "Nouvelle coordination" not in carrier.body
    assert "Nouvelle coordination" not in carrier.alternatives[0].content
    assert "Nouvelle à relire" not in carrier.body
    assert "Nouvelle coordination" in sent["coordination@armentieres.example.org"].body
    # RFC 8058 headers, pointing to a signed address
    unsubscribe = carrier.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/actualites/lettre/desabonnement/" in unsubscribe
    assert carrier.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert carrier.subject == "Actualités du contrat de ville\u202f: 2 nouvelles"

    # never the same item twice: a second run sends nothing, a new item alone after
    mail.outbox.clear()
    digest_command()
    run_worker()
    assert mail.outbox == []
    _news(world, "Encore une")
    digest_command()
    run_worker()
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "Encore une" in message.body and "Nouvelle publique" not in message.body
    assert DigestItem.objects.filter(user=world.users["porteur"]).count() == 3

    # one click from the mail client, without login nor CSRF token
    path = unsubscribe.strip("<>").split("127.0.0.1:8000", 1)[-1]
    client.logout()
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not DigestSubscription.objects.get(user=world.users["porteur"]).active


@pytest.mark.django_db
def test_unsubscribe_link_in_a_browser_asks_before_changing(client, world):
    user = world.users["membre"]
    services.set_digest(user, True)
    url = reverse("news:unsubscribe", args=[services.unsubscribe_token(user)])
    page = client.get(url)
    assert page.status_code == 200 and "Me désabonner" in page.content.decode()
    assert DigestSubscription.objects.get(user=user).active  # a GET changes nothing
    done = client.post(url)
    assert "vous ne recevrez plus" in done.content.decode()
    assert not DigestSubscription.objects.get(user=user).active
    forged = reverse("news:unsubscribe", args=["faux-jeton"])
    assert client.post(forged, {"List-Unsubscribe": "One-Click"}).status_code == 404
