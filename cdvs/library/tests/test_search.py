"""Documents (with their extracted text) and published actualités are found through
the one search box, only by the readers their visibility allows. Skipped while the
search app is not installed."""

import pytest
from django.apps import apps
from django.utils import timezone

from cdvs.library import tasks
from cdvs.library.models import Document, News, NewsStatus
from cdvs.testing import ROLES, SEES, make_pdf

from .test_documents import _upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not apps.is_installed("cdvs.search"), reason="application de recherche absente"
    ),
]


def titles(user, query):
    from cdvs.search import services as search

    return {h.title for h in search.search(user, query).hits}


def test_extracted_text_is_searchable_once_the_worker_is_done(client, login, world):
    login("coordinateur")
    for visibility in ("public", "partenaires", "coordination"):
        _upload(
            client,
            title=f"Rapport {visibility}",
            visibility=visibility,
            content=make_pdf(["Les permanences de médiation numérique"]),
            organisation=world.organisations["pv_arm"].pk,  # placed in Armentières
        )
    assert titles(world.users["administrateur"], "médiation numérique") == set()
    for document in Document.objects.all():
        tasks.extract_version(document.current_version_id)
    for role in ROLES:
        expected = {f"Rapport {v}" for v in SEES[role]}
        if role == "coordinateur_lille":
            # coordination entries: only the coordinators of the document's commune
            expected.discard("Rapport coordination")
        assert titles(world.users[role], "mediation numerique") == expected, role


def test_pending_news_is_not_searchable(world):
    author = world.users["porteur"]
    common = dict(body="Atelier vélo solidaire", author=author, visibility="public")
    News.objects.create(
        title="Publiée", status=NewsStatus.PUBLISHED, published_at=timezone.now(), **common
    )
    News.objects.create(title="À relire", status=NewsStatus.PENDING, **common)
    assert titles(world.users["administrateur"], "vélo") == {"Publiée"}
    assert titles(None, "velo solidaire") == {"Publiée"}
