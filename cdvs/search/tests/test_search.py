"""The search: French-aware, kept in step with the content, filtered, and never
showing a reader what their role may not read (page and API, every role)."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cdvs.contract.models import ActionLead, Ambition, Objective
from cdvs.directory.models import Contact, Organisation, OrganisationKind
from cdvs.meetings.models import AgendaItem
from cdvs.search import registry, services
from cdvs.search.models import SearchEntry, SearchTag
from cdvs.search.registry import SearchSource
from cdvs.testing import ROLES, make_meeting, publish_minutes


def titles(user, query, **filters):
    return {h.title for h in services.search(user, query, **filters).hits}


def org(name, **extra):
    return Organisation.objects.create(name=name, kind=OrganisationKind.ASSOCIATION, **extra)


# ------------------------------------------------------------------ French


@pytest.mark.django_db
def test_accents_case_plurals_and_stemming_both_ways():
    org("École des parents", description="Ateliers pour les jeunes en formation")
    org("Maison de l'emploi", description="Formations qualifiantes pour un jeune adulte")
    assert titles(None, "ecole") == {"École des parents"}
    assert titles(None, "ÉCOLES") == {"École des parents"}
    assert titles(None, "jeune") == {"École des parents", "Maison de l'emploi"}
    assert titles(None, "jeunes") == {"École des parents", "Maison de l'emploi"}
    assert titles(None, "formations") == {"École des parents", "Maison de l'emploi"}
    assert titles(None, "qualifiante") == {"Maison de l'emploi"}
    # every word is required; excluded words and phrases
    assert titles(None, "jeunes ecole") == {"École des parents"}
    assert titles(None, "formation -qualifiantes") == {"École des parents"}
    assert titles(None, '"maison de l\'emploi"') == {"Maison de l'emploi"}
    assert titles(None, "parents or qualifiantes") == {"École des parents", "Maison de l'emploi"}
    assert titles(None, "boulangerie") == set()


@pytest.mark.django_db
def test_ranking_prefers_the_title_and_snippets_mark_the_words():
    org("Atelier vélo", description="Réparation de vélos, mobilité et santé au travail")
    org("Santé pour tous", description="Prévention et accès aux soins")
    results = services.search(None, "santé")
    assert [h.title for h in results.hits] == ["Santé pour tous", "Atelier vélo"]
    assert results.hits[0].title_html == "<mark>Santé</mark> pour tous"
    assert "<mark>santé</mark>" in results.hits[1].snippet_html


@pytest.mark.django_db
def test_snippets_are_escaped_only_mark_survives():
    org("<script>alert('x')</script> Jeunesse", description="<b>gras</b> jeunesse <img src=x>")
    hit = services.search(None, "jeunesse").hits[0]
    for html in (hit.title_html, hit.snippet_html):
        assert "<script>" not in html and "<b>" not in html and "<img" not in html
        assert "<mark>" in html
    assert "&lt;script&gt;" in hit.title_html


# ------------------------------------------------------------------ sync


@pytest.mark.django_db
def test_edit_soft_delete_and_restore_keep_the_index_in_step(world, enjeux):
    o = world.organisations["asso_arm"]
    assert titles(None, "bizet") == {"Centre social du Bizet"}
    o.description = "Nouvel atelier de couture solidaire"
    o.save()
    assert titles(None, "couture") == {"Centre social du Bizet"}
    o.enjeux.add(enjeux[2])
    assert titles(None, "couture", enjeu=2) == {"Centre social du Bizet"}
    assert titles(None, "couture", enjeu=1) == set()
    o.soft_delete()
    assert titles(None, "couture") == set()
    assert not SearchEntry.objects.filter(kind="organisation", object_id=o.pk).exists()
    o.restore()
    assert titles(None, "couture") == {"Centre social du Bizet"}
    o.delete()
    assert titles(None, "couture") == set()
    assert not SearchTag.objects.filter(entry__object_id=o.pk).exists()


@pytest.mark.django_db
def test_a_change_higher_in_the_contract_tree_redoes_what_is_below(world, enjeux):
    ambition = Ambition.objects.create(enjeu=enjeux[1], scale="mel_2027", text="Ambition")
    objective = Objective.objects.create(ambition=ambition, enjeu=enjeux[1], text="Objectif")
    lead = ActionLead.objects.create(objective=objective, kind="piste", text="Tutorat lecture")
    assert titles(None, "tutorat") == {"Tutorat lecture"}
    assert services.search(None, "tutorat").counts == {"piste": 1}
    lead.kind = "existante"
    lead.save()
    assert services.search(None, "tutorat").counts == {"action_existante": 1}
    ambition.soft_delete()  # its objectives and their leads leave the page with it
    assert titles(None, "tutorat") == set()
    assert titles(None, "objectif") == set()
    ambition.restore()
    assert titles(None, "tutorat") == {"Tutorat lecture"}


@pytest.mark.django_db
def test_meetings_agenda_and_minutes(world):
    meeting = make_meeting(world, "armentieres", "public", "Conseil de quartier")
    AgendaItem.objects.create(meeting=meeting, title="Jardins partagés")
    AgendaItem.objects.create(meeting=meeting, title="Vidéoprotection", confidential=True)
    AgendaItem.objects.create(meeting=meeting, title="Proposition écartée", status="ecarte")
    assert titles(None, "jardins") == {"Conseil de quartier"}
    # confidential or rejected items are not in the index, for anyone
    for who in ("administrateur", "coordinateur"):
        assert titles(world.users[who], "vidéoprotection") == set()
        assert titles(world.users[who], "écartée") == set()
    minutes = publish_minutes(meeting, "Les habitants demandent des **bancs**.")
    assert titles(None, "bancs") == {"Compte-rendu : Conseil de quartier"}
    minutes.published_at = None  # unpublished: gone
    minutes.save()
    assert titles(None, "bancs") == set()
    minutes.published_at = timezone.now()
    minutes.save()
    meeting.soft_delete()
    assert titles(None, "bancs") == set()
    assert titles(None, "jardins") == set()


# ------------------------------------------------------------------ who sees what


@pytest.fixture
def visibility_world(world):
    make_meeting(world, "armentieres", "public", "Réunion publique zorglub")
    make_meeting(world, "armentieres", "partenaires", "Réunion partenaires zorglub")
    make_meeting(world, "armentieres", "coordination", "Coordination Armentières zorglub")
    make_meeting(world, "lille", "coordination", "Coordination Lille zorglub")
    make_meeting(world, None, "coordination", "Coordination du contrat zorglub")
    Contact.objects.create(
        organisation=world.organisations["asso_arm"],
        name="Zébulon Quidam",
        role="Directeur zorglub",
        email="zebulon.quidam@example.org",
        phone="03 20 12 34 56",
        consent_at=timezone.now(),
    )
    return world


PUBLIC = {"Réunion publique zorglub"}
PARTNERS = PUBLIC | {"Réunion partenaires zorglub"}
EXPECTED = {
    "anonyme": PUBLIC,
    "sans_role": PUBLIC,
    "porteur": PARTNERS,
    "membre": PARTNERS,
    "coordinateur": PARTNERS
    | {"Coordination Armentières zorglub", "Coordination du contrat zorglub"},
    "coordinateur_lille": PARTNERS
    | {"Coordination Lille zorglub", "Coordination du contrat zorglub"},
    "administrateur": PARTNERS
    | {
        "Coordination Armentières zorglub",
        "Coordination Lille zorglub",
        "Coordination du contrat zorglub",
    },
}


def _login(client, world, role):
    if world.users[role] is not None:
        client.force_login(world.users[role])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_page_shows_only_what_the_role_may_read(client, visibility_world, role):
    _login(client, visibility_world, role)
    response = client.get(reverse("search:index"), {"q": "zorglub"})
    assert response.status_code == 200
    found = {h.title for h in response.context["results"].hits}
    assert found == EXPECTED[role]
    html = response.content.decode()
    for title in EXPECTED["administrateur"] - EXPECTED[role]:
        assert title.replace(" zorglub", "") not in html
    # counts per type leak nothing either
    assert response.context["results"].counts == {"reunion": len(EXPECTED[role])}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_api_shows_only_what_the_role_may_read(client, visibility_world, role):
    _login(client, visibility_world, role)
    response = client.get(reverse("api:search"), {"q": "zorglub"})
    assert response.status_code == 200
    data = response.json()
    assert {r["title"] for r in data["results"]} == EXPECTED[role]
    assert data["total"] == len(EXPECTED[role])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_contacts_personal_data_is_never_found(client, visibility_world, role):
    _login(client, visibility_world, role)
    for q in ("Zébulon", "Quidam", "zebulon.quidam@example.org", "0320123456", "Directeur"):
        assert client.get(reverse("api:search"), {"q": q}).json()["total"] == 0, q
        page = client.get(reverse("search:index"), {"q": q})
        assert page.context["results"].total == 0, q
        assert "Aucun résultat" in page.content.decode()
    bodies = " ".join(SearchEntry.objects.values_list("body", flat=True))
    assert "Quidam" not in bodies and "example.org" not in bodies


def test_personal_data_models_cannot_be_registered():
    with pytest.raises(ValueError, match="données personnelles"):
        registry.register(
            SearchSource("contact", "Contacts", Contact.objects.all(), lambda c: None)
        )


# ------------------------------------------------------------------ filters, pages


@pytest.mark.django_db
def test_filters_by_type_enjeu_territory_and_dates(world, enjeux):
    t = world.territories
    a = org("Atelier du Bizet", description="Soutien scolaire", territory=t["qpv_arm"])
    a.enjeux.add(enjeux[1])
    b = org("Atelier lillois", description="Soutien scolaire", territory=t["lille"])
    b.enjeux.add(enjeux[2])
    make_meeting(world, "armentieres", "public", "Soutien scolaire au Bizet", day=date(2024, 5, 1))
    everything = {"Atelier du Bizet", "Atelier lillois", "Soutien scolaire au Bizet"}
    assert titles(None, "soutien scolaire") == everything
    assert titles(None, "soutien", kind="organisation") == {"Atelier du Bizet", "Atelier lillois"}
    assert titles(None, "soutien", enjeu=1) == {"Atelier du Bizet"}
    # a commune holds its QPV
    assert titles(None, "soutien", territory=t["armentieres"].pk) == {
        "Atelier du Bizet",
        "Soutien scolaire au Bizet",
    }
    assert titles(None, "soutien", territory=t["lille"].pk) == {"Atelier lillois"}
    assert titles(None, "soutien", start=date(2024, 1, 1), end=date(2024, 12, 31)) == {
        "Soutien scolaire au Bizet"
    }
    # counts per type follow the other filters, not the type
    counts = services.search(None, "soutien", kind="reunion", territory=t["armentieres"].pk)
    assert counts.counts == {"organisation": 1, "reunion": 1}
    assert counts.total == 1


@pytest.mark.django_db
def test_dates_out_of_order_get_a_french_message(client, world):
    response = client.get(
        reverse("search:index"), {"q": "x", "du": "2025-02-01", "au": "2025-01-01"}
    )
    assert "La date de fin doit être postérieure" in response.content.decode()
    assert response.context["results"] is None
    api = client.get(reverse("api:search"), {"q": "x", "du": "2025-02-01", "au": "2025-01-01"})
    assert api.status_code == 422
    assert "postérieure" in api.json()["message"]
    assert client.get(reverse("api:search"), {"type": "inconnu"}).status_code == 422


@pytest.mark.django_db
def test_pagination_and_constant_number_of_queries(client, world):
    for i in range(3):
        org(f"Potager {i}", territory=world.territories["armentieres"])
    url = reverse("search:index")
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, {"q": "potager"})
    assert response.context["results"].total == 3
    for i in range(3, 45):
        org(f"Potager {i}", territory=world.territories["armentieres"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"q": "potager"})
    results = response.context["results"]
    assert (results.total, results.pages, len(results.hits)) == (45, 3, 20)
    assert len(many) == len(few)
    last = client.get(url, {"q": "potager", "page": 3}).context["results"]
    assert len(last.hits) == 5 and last.first == 41
    assert 'href="?q=potager&amp;page=2"' in response.content.decode()


@pytest.mark.django_db
def test_header_box_points_to_the_page(client, world):
    html = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("search:index")}"' in html
    assert 'name="q"' in html


@pytest.mark.django_db
def test_rebuild_command_restores_a_lost_index(world):
    make_meeting(world, "armentieres", "public", "Fête de quartier")
    SearchEntry.objects.all().delete()
    assert titles(None, "fête") == set()
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert titles(None, "fête") == {"Fête de quartier"}
    assert "Réunions : 1\xa0entrée indexée" in out.getvalue()
    # stale entries (an object gone without its signal) are removed
    SearchEntry.objects.create(
        kind="reunion", object_id=999999, title="Fantôme", url="/", visibility="public"
    )
    call_command("rebuild_search_index", "--kind", "reunion", stdout=out)
    assert not SearchEntry.objects.filter(object_id=999999).exists()


@pytest.mark.django_db
def test_worker_task_recomputes_entries(world, settings):
    from cdvs.search.tasks import refresh_entries

    o = world.organisations["asso_arm"]
    Organisation.objects.filter(pk=o.pk).update(description="Épicerie sociale")  # no signal
    assert titles(None, "épicerie") == set()
    refresh_entries.call("organisation", [o.pk])
    assert titles(None, "épicerie") == {"Centre social du Bizet"}


@pytest.mark.django_db
def test_very_wide_searches_are_capped_on_postgresql(monkeypatch, client, world):
    """Past COUNT_LIMIT matches PostgreSQL stops counting, ranks the matches found
    first and says so; SQLite counts them all."""
    from cdvs.search import services as search_services

    monkeypatch.setattr(search_services, "COUNT_LIMIT", 4)
    for i in range(10):
        org(f"Verger {i}")
    postgres = connection.vendor == "postgresql"
    results = services.search(None, "verger", page_size=3)
    assert results.capped == results.ranked_recent == postgres
    assert results.total == (4 if postgres else 10)
    seen = [
        h.title for p in (1, 2) for h in services.search(None, "verger", page=p, page_size=3).hits
    ]
    assert len(seen) == len(set(seen)) == (4 if postgres else 6)
    html = client.get(reverse("search:index"), {"q": "verger"}).content.decode()
    assert ("Plus de 4 résultats" in html) == postgres
    assert ("Recherche très large" in html) == postgres
