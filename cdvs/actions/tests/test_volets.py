"""Several volets communaux: the actions of commune B are invisible and uneditable to the
coordinators of commune A until public; the MEL's coordinators see every volet; the
API and the search index give the same answers as the pages (cdvs/actions/access.py)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from cdvs.accounts.models import Role
from cdvs.actions import access, services
from cdvs.actions.models import Action, FundingLine, Status
from cdvs.directory.models import Organisation, OrganisationKind
from cdvs.search import services as search
from cdvs.testing import make_user

D = Decimal


@pytest.fixture
def volets(plan, world):
    """Action A: the plan's action, Armentières (a projet). Action B: an action of the
    Lille association, Lille, with a line under instruction and a decided one.
    A coordinator of the MEL (its service's territory is the EPCI)."""
    t, o = world.territories, world.organisations
    b = Action.objects.create(
        contract=plan.contract, title="Atelier lillois", description="Jardin partagé",
        porteur=o["asso_lille"], commune=t["lille"],
    )  # fmt: skip
    b.objectives.set([plan.objective])
    FundingLine.objects.create(action=b, year=2025, funder_kind="etat_pv", nature="specifique",
                               requested=D("1000.00"))  # fmt: skip
    FundingLine.objects.create(action=b, year=2025, funder_kind="commune", nature="specifique",
                               requested=D("500.00"), granted=D("400.00"),
                               decided_on=date(2025, 3, 1))  # fmt: skip
    mel_service = Organisation.objects.create(
        name="Service politique de la ville de la MEL", kind=OrganisationKind.CITY_SERVICE,
        territory=t["mel"],
    )  # fmt: skip
    world.users["coordinateur_mel"] = make_user(
        "coordination@mel.example.org", role=Role.COORDINATOR, organisation=mel_service
    )
    return type("Volets", (), {"a": plan.action, "b": b})


def _readable(user):
    return set(access.readable(user, Action.objects.all()).values_list("title", flat=True))


def test_each_commune_sees_its_own_volet_and_the_mel_sees_all(volets, world):
    u = world.users
    assert _readable(u["coordinateur"]) == {"Atelier"}
    assert _readable(u["coordinateur_lille"]) == {"Atelier lillois"}
    assert _readable(u["coordinateur_mel"]) == {"Atelier", "Atelier lillois"}
    assert _readable(u["administrateur"]) == {"Atelier", "Atelier lillois"}
    assert _readable(u["porteur"]) == {"Atelier"}  # the Armentières association's
    assert _readable(u["sans_role"]) == _readable(None) == set()


def test_pages_of_another_commune_are_refused(client, login, volets):
    login("coordinateur")
    page = client.get(reverse("actions:list")).content.decode()
    assert "Atelier lillois" not in page and ">Atelier<" in page
    assert client.get(reverse("actions:detail", args=[volets.b.pk])).status_code == 403
    assert client.get(reverse("actions_coordination:edit", args=[volets.b.pk])).status_code == 403
    response = client.post(reverse("actions_coordination:edit", args=[volets.b.pk]),
                           {"title": "Détourné"})  # fmt: skip
    assert response.status_code == 403
    volets.b.refresh_from_db()
    assert volets.b.title == "Atelier lillois"
    export = client.get(reverse("actions:export", args=["csv"]))
    content = b"".join(export.streaming_content) if export.streaming else export.content
    assert "Atelier lillois" not in content.decode("utf-8-sig")
    login("coordinateur_mel")
    page = client.get(reverse("actions:list")).content.decode()
    assert "Atelier lillois" in page and ">Atelier<" in page
    for action in (volets.a, volets.b):
        assert client.get(reverse("actions_coordination:edit", args=[action.pk])).status_code == 200


def _make_public(volets, world):
    """B goes through the programmation 2025 of Lille, decided and arrêtée."""
    coordinator = world.users["coordinateur_lille"]
    item = services.create_programmation(volets.b.contract, 2025, world.territories["lille"],
                                         date(2025, 1, 1), date(2025, 2, 28), coordinator)  # fmt: skip
    services.change_status(volets.b, Status.SUBMITTED, "Dépôt", coordinator)
    request = item.requests.create(action=volets.b, submitted_on=date(2025, 2, 1))
    lines = list(FundingLine.objects.filter(action=volets.b))
    services.record_decisions(request, {line: {"granted": D("300")} for line in lines},
                              date(2025, 3, 1), coordinator)  # fmt: skip
    volets.b.refresh_from_db()
    assert volets.b.status == Status.PROGRAMMED
    assert not access.is_public(volets.b)  # programmée, the programmation not yet arrêtée
    services.close_programmation(item, date(2025, 3, 15), coordinator)
    assert access.is_public(volets.b)
    return item


def test_a_public_action_is_read_by_all_but_edited_by_its_commune(client, login, volets, world):
    _make_public(volets, world)
    assert _readable(None) == {"Atelier lillois"}
    assert _readable(world.users["coordinateur"]) == {"Atelier", "Atelier lillois"}
    login("anonyme")
    page = client.get(reverse("actions:detail", args=[volets.b.pk])).content.decode()
    assert "Atelier lillois" in page and "Financements" not in page
    assert client.get(reverse("actions:detail", args=[volets.a.pk])).status_code == 302
    login("coordinateur")
    page = client.get(reverse("actions:detail", args=[volets.b.pk])).content.decode()
    assert "Financements" in page and "Modifier l&#x27;action" not in page
    assert client.get(reverse("actions_coordination:edit", args=[volets.b.pk])).status_code == 403


# ---- the API


def _api(client, name, **kwargs):
    args = kwargs.pop("args", None)
    return client.get(reverse(f"api:{name}", args=args), kwargs)


def test_api_list_by_commune_and_filters(client, login, volets, world):
    login("coordinateur_mel")
    titles = [a["title"] for a in _api(client, "actions").json()]
    assert titles == ["Atelier", "Atelier lillois"]
    assert [a["title"] for a in _api(client, "actions", commune="59350").json()] == [
        "Atelier lillois"
    ]
    assert [a["title"] for a in _api(client, "actions", annee=2025).json()] == ["Atelier lillois"]
    assert len(_api(client, "actions", enjeu=1).json()) == 2
    assert _api(client, "actions", enjeu=2).json() == []
    assert _api(client, "actions", statut="terminee").json() == []
    lille = world.territories["lille"].pk
    volets.b.territories.set([world.territories["qpv_lille"]])
    assert [a["title"] for a in _api(client, "actions", territoire=lille).json()] == [
        "Atelier lillois"
    ]
    assert len(_api(client, "actions", limit=1, offset=1).json()) == 1
    login("coordinateur")
    assert [a["title"] for a in _api(client, "actions").json()] == ["Atelier"]
    assert _api(client, "action", args=[volets.b.pk]).status_code == 404
    login("anonyme")
    assert _api(client, "actions").json() == []


@pytest.mark.parametrize(
    "params,field",
    [
        ({"annee": 9999}, None),
        ({"annee": -1}, None),
        ({"annee": 2**63}, "annee"),
        ({"offset": 2**63}, "offset"),
        ({"enjeu": "un"}, "enjeu"),
        ({"territoire": 2**63}, "territoire"),
        ({"statut": "inconnu"}, None),
        ({"commune": "x" * 10_000}, "commune"),
    ],
)
def test_api_bad_parameters_are_a_french_422(client, login, volets, params, field):
    login("coordinateur")
    response = _api(client, "actions", **params)
    assert response.status_code == 422
    body = response.json()
    assert body["message"]
    if field:
        assert body["errors"][field]
    else:
        assert "Année hors du contrat" in body["message"] or "Statut inconnu" in body["message"]


def test_api_detail_hides_amounts_under_instruction(client, login, volets, world):
    for pk in (0, -1, 2**63, "x"):
        assert client.get(f"/api/actions/{pk}").status_code == 404
    login("coordinateur_lille")
    body = _api(client, "action", args=[volets.b.pk]).json()
    assert [line["requested"] for line in body["funding_lines"]] == ["500.00", "1000.00"]
    assert body["hidden_lines"] == 0 and body["public"] is False
    assert body["porteur"]["name"] == "Association lilloise" and body["commune"] == "59350"
    lille_carrier = make_user("porteur@lille.example.org", role=Role.CARRIER,
                              organisation=world.organisations["asso_lille"])  # fmt: skip
    client.force_login(lille_carrier)
    body = _api(client, "action", args=[volets.b.pk]).json()
    assert [line["granted"] for line in body["funding_lines"]] == ["400.00"]
    assert body["hidden_lines"] == 1
    login("porteur")  # another carrier: B is not public
    assert _api(client, "action", args=[volets.b.pk]).status_code == 404


def test_api_programmation_partners_once_arretee(client, login, volets, world):
    item = services.create_programmation(volets.b.contract, 2025, world.territories["lille"],
                                         date(2025, 1, 1), date(2025, 2, 28),
                                         world.users["coordinateur_lille"])  # fmt: skip
    item.requests.create(action=volets.b, submitted_on=date(2025, 2, 1))
    login("membre")
    assert _api(client, "programmations").json() == []
    assert _api(client, "programmation", args=[item.pk]).status_code == 404
    login("coordinateur")  # Armentières: not its programmation
    assert _api(client, "programmation", args=[item.pk]).status_code == 404
    login("coordinateur_lille")
    body = _api(client, "programmation", args=[item.pk]).json()
    assert body["coordination"] is True and body["year"] == 2025
    assert body["total"]["requested"] == "1500.00"
    assert _api(client, "programmations", annee=2025).json()[0]["id"] == item.pk
    assert _api(client, "programmations", annee=9999).status_code == 422
    item.decided_on = date(2025, 3, 15)
    item.save()
    login("membre")
    body = _api(client, "programmation", args=[item.pk]).json()
    assert body["coordination"] is False
    assert body["rows"] == []  # the request itself is not decided: nothing shown
    login("anonyme")
    assert _api(client, "programmations").json() == []
    assert _api(client, "programmation", args=[item.pk]).status_code == 404


# ---- search


def _found(user, words):
    return [h.title for h in search.search(user, words, kind="action").hits]


def test_search_finds_actions_as_their_readers_may(volets, world):
    u = world.users
    assert _found(None, "jardin") == []
    assert _found(u["porteur"], "jardin") == []
    assert _found(u["coordinateur"], "jardin") == []
    assert _found(u["coordinateur_lille"], "jardin") == ["Atelier lillois"]
    assert _found(u["coordinateur_mel"], "lilloise") == ["Atelier lillois"]  # the porteur
    _make_public(volets, world)
    assert _found(None, "jardin") == ["Atelier lillois"]
    assert _found(u["coordinateur"], "jardin") == ["Atelier lillois"]
    volets.b.soft_delete()
    assert _found(u["coordinateur_lille"], "jardin") == []


def test_a_cpo_page_names_only_the_actions_its_reader_may_read(client, login, volets, world):
    from cdvs.actions.models import Convention

    cpo = Convention.objects.create(
        contract=volets.b.contract, title="CPO lilloise", porteur=world.organisations["asso_lille"],
        commune=world.territories["lille"], start_year=2025,
    )  # fmt: skip
    cpo.actions.set([volets.b])
    login("coordinateur")
    assert "Atelier lillois" not in client.get(cpo.get_absolute_url()).content.decode()
    login("coordinateur_lille")
    assert "Atelier lillois" in client.get(cpo.get_absolute_url()).content.decode()
