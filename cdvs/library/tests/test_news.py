"""Actualités: posting, moderation when the commune wants it, who sees what (list,
detail, feeds, home page, API), Markdown sanitised."""

import pytest
from django.urls import reverse

from cdvs.library.models import News, NewsModeration, NewsStatus
from cdvs.testing import ROLES, SEES

pytestmark = pytest.mark.django_db


def _post(client, world, **fields):
    data = {
        "title": fields.pop("title", "Fête de quartier"),
        "body": fields.pop("body", "Samedi **14 juin**, place du marché."),
        "visibility": fields.pop("visibility", "public"),
        "organisation": fields.pop("organisation", world.organisations["asso_arm"].pk),
        **fields,
    }
    return client.post(reverse("news:create"), data)


def test_carrier_posts_and_it_is_published_without_moderation(client, login, world, enjeu):
    login("porteur")
    response = _post(
        client, world, enjeux=[enjeu.pk], territories=[world.territories["qpv_arm"].pk]
    )
    news = News.objects.get()
    assert response.status_code == 302
    assert news.status == NewsStatus.PUBLISHED and news.published_at is not None
    assert news.territory == world.territories["qpv_arm"]
    assert "<strong>14 juin</strong>" in news.body_html
    assert news.history.first().history_user == world.users["porteur"]
    login("anonyme")
    assert "Fête de quartier" in client.get(reverse("news:index")).content.decode()
    assert "Fête de quartier" in client.get(reverse("home")).content.decode()


def test_html_is_refused_and_markdown_links_are_sanitised(client, login, world):
    login("porteur")
    response = _post(client, world, body="<script>alert(1)</script>")
    assert response.status_code == 200
    assert "Le HTML n&#x27;est pas accepté" in response.content.decode()
    _post(client, world, body="[clic](javascript:alert(1)) et [site](https://exemple.fr)")
    html = News.objects.get().body_html
    assert 'href="javascript' not in html and 'href="https://exemple.fr"' in html


def test_moderated_commune_holds_posts_until_a_coordinator_publishes(client, login, world):
    NewsModeration.objects.create(commune=world.territories["armentieres"], moderated=True)
    login("porteur")
    _post(client, world, title="Atelier à relire")
    news = News.objects.get()
    assert news.status == NewsStatus.PENDING and news.published_at is None
    page = client.get(news.get_absolute_url()).content.decode()
    assert "En attente de modération" in page
    assert "Atelier à relire" in client.get(reverse("news:index")).content.decode()
    # nobody else but the coordination of Armentières sees it
    for role, status in [("anonyme", 302), ("membre", 404), ("coordinateur_lille", 404)]:
        login(role)
        assert client.get(news.get_absolute_url()).status_code == status, role
        assert "Atelier à relire" not in client.get(reverse("news:index")).content.decode()
        assert "Atelier à relire" not in client.get(reverse("news:rss")).content.decode()
    login("coordinateur_lille")
    assert (
        "Atelier à relire"
        not in client.get(reverse("library_coordination:moderation")).content.decode()
    )
    assert (
        client.post(
            reverse("library_coordination:moderate", args=[news.pk]), {"decision": "publier"}
        ).status_code
        == 403
    )
    login("coordinateur")
    assert (
        "Atelier à relire"
        in client.get(reverse("library_coordination:moderation")).content.decode()
    )
    client.post(reverse("library_coordination:moderate", args=[news.pk]), {"decision": "publier"})
    news.refresh_from_db()
    assert news.status == NewsStatus.PUBLISHED and news.moderated_by == world.users["coordinateur"]
    login("anonyme")
    assert "Atelier à relire" in client.get(reverse("news:rss")).content.decode()


def test_global_setting_moderates_and_coordinators_publish_directly(client, login, world, settings):
    settings.CDVS_NEWS_MODERATION = True
    login("membre")
    _post(client, world, title="Par un membre")
    login("coordinateur")
    _post(client, world, title="Par la coordination", organisation=world.organisations["pv_arm"].pk)
    assert News.objects.get(title="Par un membre").status == NewsStatus.PENDING
    assert News.objects.get(title="Par la coordination").status == NewsStatus.PUBLISHED
    # a commune may choose otherwise than the global setting
    NewsModeration.objects.create(commune=world.territories["armentieres"], moderated=False)
    login("membre")
    _post(client, world, title="Libre")
    assert News.objects.get(title="Libre").status == NewsStatus.PUBLISHED


def test_rejected_post_shows_its_status_to_its_author(client, login, world, settings):
    settings.CDVS_NEWS_MODERATION = True
    login("porteur")
    _post(client, world, title="Hors sujet")
    news = News.objects.get()
    login("coordinateur")
    client.post(
        reverse("library_coordination:moderate", args=[news.pk]),
        {"decision": "refuser", "note": "Pas en lien avec le contrat"},
    )
    login("porteur")
    page = client.get(news.get_absolute_url()).content.decode()
    assert "Refusée par la coordination" in page and "Pas en lien avec le contrat" in page


def test_carrier_cannot_post_for_coordination_or_for_another_organisation(client, login, world):
    login("porteur")
    assert _post(client, world, visibility="coordination").status_code == 200
    assert (
        _post(client, world, organisation=world.organisations["asso_lille"].pk).status_code == 200
    )
    assert News.objects.count() == 0
    login("sans_role")
    assert _post(client, world).status_code == 403


def test_trash_and_restore_of_news(client, login, world):
    login("porteur")
    _post(client, world, title="À supprimer")
    news = News.objects.get()
    login("coordinateur")
    client.post(reverse("library_coordination:delete_news", args=[news.pk]))
    assert not News.objects.exists()
    assert client.get(news.get_absolute_url()).status_code == 404
    assert "À supprimer" in client.get(reverse("library_coordination:trash")).content.decode()
    client.post(reverse("library_coordination:restore_news", args=[news.pk]))
    assert News.objects.filter(pk=news.pk).exists()


@pytest.fixture
def three_news(world):
    author = world.users["coordinateur"]
    items = {}
    for visibility in ("public", "partenaires", "coordination"):
        items[visibility] = News.objects.create(
            title=f"Nouvelle {visibility}", body="Texte", visibility=visibility,
            status=NewsStatus.PUBLISHED, author=author, published_at="2025-01-10T10:00:00Z",
            organisation=world.organisations["pv_arm"], territory=world.territories["armentieres"],
        )  # fmt: skip
    return items


@pytest.mark.parametrize("role", ROLES)
def test_no_leak_through_list_detail_feeds_home_and_api(client, login, three_news, role):
    login(role)
    listing = client.get(reverse("news:index")).content.decode()
    rss = client.get(reverse("news:rss")).content.decode()
    atom = client.get(reverse("news:atom")).content.decode()
    home = client.get(reverse("home")).content.decode()
    api = {n["title"] for n in client.get("/api/actualites").json()}
    for visibility, news in three_news.items():
        visible = visibility in SEES[role]
        if role == "coordinateur_lille" and visibility == "coordination":
            visible = False  # Armentières' coordination news: not in Lille's scope
        assert (news.title in listing) is visible, (role, visibility)
        assert (news.title in api) is visible
        # feeds and the home page block carry public items only, whoever asks
        assert (news.title in rss) is (visibility == "public")
        assert (news.title in atom) is (visibility == "public")
        assert (news.title in home) is (visibility == "public")
        status = client.get(news.get_absolute_url()).status_code
        assert status == (200 if visible else 302 if role == "anonyme" else 403)


def test_news_list_runs_a_constant_number_of_queries(
    client, login, world, enjeu, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login("coordinateur")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("news:index")).status_code == 200
        return len(ctx)

    _post(client, world, title="Une", enjeux=[enjeu.pk])
    before = count()
    for i in range(5):
        _post(
            client,
            world,
            title=f"Autre {i}",
            enjeux=[enjeu.pk],
            territories=[world.territories["qpv_arm"].pk],
        )
    assert count() == before


def test_rss_feed_is_valid_xml_with_items(client, three_news):
    from xml.etree import ElementTree

    response = client.get(reverse("news:atom"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own feed)
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.find("{http://www.w3.org/2005/Atom}title").text for e in entries] == [
        "Nouvelle public"
    ]


def test_coordinators_choose_moderation_for_the_communes_of_their_scope(client, login, world):
    url = reverse("library_coordination:moderation_settings")
    login("coordinateur")
    page = client.get(url).content.decode()
    assert "Armentières (Commune)" in page and "Lille (Commune)" not in page
    arm = world.territories["armentieres"]
    lille = world.territories["lille"]
    # a forged choice for Lille, outside the scope, is ignored
    client.post(url, {"moderees": [arm.pk, lille.pk]})
    setting = NewsModeration.objects.get()
    assert setting.commune == arm and setting.moderated
    assert setting.history.first().history_user == world.users["coordinateur"]
    login("porteur")
    _post(client, world, title="Relue d'abord")
    assert News.objects.get().status == NewsStatus.PENDING
    login("coordinateur")
    client.post(url, {})  # unticked: published directly again
    assert not NewsModeration.objects.get().moderated
    login("membre")
    assert client.get(url).status_code == 403
