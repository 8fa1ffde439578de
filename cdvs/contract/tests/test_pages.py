import pytest
from django.urls import reverse

from cdvs.accounts.models import Membership, Role, User
from cdvs.contract.models import ActionLead, Ambition, Enjeu, Objective
from cdvs.directory.models import Organisation, OrganisationKind


def _user(email, role=None, territory=None):
    user = User.objects.create_user(email=email, password="mot-de-passe-de-test")
    if role:
        org = Organisation.objects.create(
            name=f"Organisation de {email}", kind=OrganisationKind.CITY_SERVICE, territory=territory
        )
        Membership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def people(loaded):
    return {
        "local_coordinator": _user("coord@test.fr", Role.COORDINATOR, loaded["commune"]),
        "other_coordinator": _user("autre@test.fr", Role.COORDINATOR, loaded["other"]),
        "epci_coordinator": _user("mel@test.fr", Role.COORDINATOR, loaded["epci"]),
        "member": _user("membre@test.fr", Role.MEMBER, loaded["commune"]),
    }


@pytest.mark.django_db
def test_public_pages_show_the_tree(client, loaded):
    enjeu = Enjeu.objects.get(key="t-e1")
    body = client.get(reverse("contract:index")).content.decode()
    assert "Premier enjeu de test" in body and "Comité de pilotage de test" in body
    body = client.get(reverse("contract:enjeu", args=[enjeu.pk])).content.decode()
    for text in (
        "Ambition métropolitaine de test",
        "Ambition locale de test",
        "Piste deux",
        "Mission locale",
    ):
        assert text in body
    assert "Modifier" not in body


@pytest.mark.django_db
def test_every_piste_and_action_has_its_anchor_on_its_enjeu_page(client, loaded):
    """Agenda items and next steps link a piste by its anchor (`#piste-N`)."""
    pages = {}
    leads = list(ActionLead.objects.select_related("objective"))
    assert leads
    for lead in leads:
        url, anchor = lead.get_absolute_url().split("#")
        if url not in pages:
            pages[url] = client.get(url).content.decode()
        assert f'id="{anchor}"' in pages[url], lead.text


@pytest.mark.django_db
def test_enjeu_page_runs_a_constant_number_of_queries(
    client, loaded, django_assert_max_num_queries
):
    enjeu = Enjeu.objects.get(key="t-e1")
    url = reverse("contract:enjeu", args=[enjeu.pk])
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    ambition = Ambition.objects.get(key="volet-test-e1-a1")
    for i in range(15):
        objective = Objective.objects.create(ambition=ambition, enjeu=enjeu, text=f"Objectif {i}")
        objective.leads.create(kind="piste", text=f"Piste {i}")
        Ambition.objects.create(
            enjeu=enjeu, local_enjeu=ambition.local_enjeu, scale="local", text=f"A{i}"
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who, kind, key, expected",
    [
        (None, "objectif", "volet-test-e1-a1-o1", 302),
        ("member", "objectif", "volet-test-e1-a1-o1", 403),
        ("other_coordinator", "objectif", "volet-test-e1-a1-o1", 403),
        ("local_coordinator", "objectif", "volet-test-e1-a1-o1", 200),
        ("epci_coordinator", "objectif", "volet-test-e1-a1-o1", 200),
        ("local_coordinator", "ambition", "t-e1-mel2027-1", 403),
        ("epci_coordinator", "ambition", "t-e1-mel2027-1", 200),
    ],
)
def test_who_may_edit(client, people, who, kind, key, expected):
    model = {"objectif": Objective, "ambition": Ambition}[kind]
    obj = model.objects.get(key=key)
    if who:
        client.force_login(people[who])
    response = client.get(reverse("contract_coordination:edit", args=[kind, obj.pk]))
    assert response.status_code == expected


@pytest.mark.django_db
def test_coordinator_flags_priority_and_history_keeps_before_after(client, people):
    user = people["local_coordinator"]
    client.force_login(user)
    objective = Objective.objects.get(key="volet-test-e1-a1-o1")
    url = reverse("contract_coordination:edit", args=["objectif", objective.pk])
    response = client.post(url, {"text": "Objectif de test reformulé", "is_local_priority": "on"})
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.is_local_priority and objective.text == "Objectif de test reformulé"
    last = objective.history.first()
    assert last.history_user == user
    page = client.get(reverse("contract_coordination:history", args=["objectif", objective.pk]))
    body = page.content.decode()
    assert "Objectif de test reformulé" in body and "Objectif de test" in body
    assert "prioritaire localement" in body.lower()
    enjeu_page = client.get(reverse("contract:enjeu", args=[objective.enjeu_id])).content.decode()
    assert "Prioritaire localement" in enjeu_page


@pytest.mark.django_db
def test_invalid_edit_changes_nothing(client, people):
    client.force_login(people["local_coordinator"])
    objective = Objective.objects.get(key="volet-test-e1-a1-o1")
    count = objective.history.count()
    response = client.post(
        reverse("contract_coordination:edit", args=["objectif", objective.pk]), {"text": ""}
    )
    assert response.status_code == 200
    assert "Ce champ est obligatoire" in response.content.decode()
    objective.refresh_from_db()
    assert objective.text == "Objectif de test" and objective.history.count() == count


@pytest.mark.django_db
def test_delete_then_restore_from_trash(client, people):
    client.force_login(people["local_coordinator"])
    ambition = Ambition.objects.get(key="volet-test-e1-a1")
    response = client.post(reverse("contract_coordination:delete", args=["ambition", ambition.pk]))
    assert response.status_code == 302
    assert not Ambition.objects.filter(pk=ambition.pk).exists()
    client.get(response.url)  # shows (and consumes) the confirmation message
    enjeu_page = client.get(reverse("contract:enjeu", args=[ambition.enjeu_id])).content.decode()
    assert "Ambition locale de test" not in enjeu_page
    trash = client.get(reverse("contract_coordination:trash")).content.decode()
    assert "Ambition locale de test" in trash
    client.post(reverse("contract_coordination:restore", args=["ambition", ambition.pk]))
    assert Ambition.objects.filter(pk=ambition.pk).exists()
    enjeu_page = client.get(reverse("contract:enjeu", args=[ambition.enjeu_id])).content.decode()
    assert "Piste deux" in enjeu_page


@pytest.mark.django_db
def test_other_commune_coordinator_sees_nothing_to_restore(client, people):
    ambition = Ambition.objects.get(key="volet-test-e1-a1")
    ambition.soft_delete()
    client.force_login(people["other_coordinator"])
    assert (
        "Ambition locale de test"
        not in client.get(reverse("contract_coordination:trash")).content.decode()
    )
    response = client.post(reverse("contract_coordination:restore", args=["ambition", ambition.pk]))
    assert response.status_code == 403


@pytest.mark.django_db
def test_add_objective_and_lead(client, people):
    client.force_login(people["local_coordinator"])
    ambition = Ambition.objects.get(key="volet-test-e1-a1")
    client.post(
        reverse("contract_coordination:add_objective", args=[ambition.pk]),
        {"text": "Nouvel objectif"},
    )
    objective = Objective.objects.get(text="Nouvel objectif")
    assert objective.enjeu_id == ambition.enjeu_id and objective.position == 1
    client.post(
        reverse("contract_coordination:add_lead", args=[objective.pk]),
        {"kind": "piste", "text": "Idée"},
    )
    assert objective.leads.get().text == "Idée"
    assert objective.history.first().history_user == people["local_coordinator"]


@pytest.mark.django_db
def test_api_tree(client, loaded):
    data = client.get("/api/contrat/enjeux").json()
    assert [e["number"] for e in data] == [1, 2]
    local = data[0]["local_sections"][0]
    assert local["commune_insee"] == "99001"
    objective = local["ambitions"][0]["objectives"][0]
    assert objective["prioritaire_localement"] is False
    assert {x["text"] for x in objective["pistes_et_actions"]} == {
        "Piste une",
        "Piste deux",
        "Action existante",
    }
    assert client.get("/api/contrat/enjeux/2").json()["title"] == "Second enjeu de test"
    assert client.get("/api/contrat/enjeux/9").status_code == 404
    assert client.get("/api/contrat/").json()["name"] == "Contrat de test"
    spec = client.get("/api/openapi.json").json()
    assert "/api/contrat/enjeux" in spec["paths"]


@pytest.mark.django_db
def test_api_tree_follows_every_edit(client, people):
    from cdvs.contract.models import tree_version

    before = tree_version()
    assert client.get("/api/contrat/enjeux").json()[0]["title"] == "Premier enjeu de test"
    assert tree_version() == before
    client.force_login(people["epci_coordinator"])
    enjeu = Enjeu.objects.get(key="t-e1")
    client.post(
        reverse("contract_coordination:edit", args=["enjeu", enjeu.pk]),
        {"title": "Titre revu", "partners": "État", "npru_focus": ""},
    )
    assert tree_version() != before
    assert client.get("/api/contrat/enjeux").json()[0]["title"] == "Titre revu"
