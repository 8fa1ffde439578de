import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cdvs.actions.models import Action, FundingLine
from cdvs.testing import plain


def _line(action, **values):
    defaults = {"year": 2025, "funder_kind": "etat_pv", "nature": "specifique",
                "requested": Decimal("1000.00")}  # fmt: skip
    return FundingLine.objects.create(action=action, **{**defaults, **values})


def test_create_from_a_piste_prefills_title_and_objective(client, login, plan, world):
    login("coordinateur")
    url = reverse("actions_coordination:create") + f"?piste={plan.lead.pk}"
    page = client.get(url).content.decode()
    assert 'value="Piste d&#x27;action"' in page
    assert f'<option value="{plan.objective.pk}" selected>' in page
    # no porteur is invented: the form asks for one
    response = client.post(url, {"contract": plan.contract.pk, "title": "Piste d'action",
                                 "objectives": [plan.objective.pk]})  # fmt: skip
    assert response.status_code == 200
    assert Action.objects.count() == 1
    response = client.post(url, {
        "contract": plan.contract.pk, "title": "Piste d'action",
        "objectives": [plan.objective.pk], "porteur": world.organisations["asso_arm"].pk,
        "commune": world.territories["armentieres"].pk,
    })  # fmt: skip
    action = Action.objects.get(title="Piste d'action")
    assert response.status_code == 302
    assert action.lead == plan.lead
    assert list(action.objectives.all()) == [plan.objective]
    assert action.history.first().history_user == world.users["coordinateur"]


def test_a_coordinator_cannot_create_outside_their_commune(client, login, plan, world):
    login("coordinateur")
    response = client.post(reverse("actions_coordination:create"), {
        "contract": plan.contract.pk, "title": "Ailleurs",
        "porteur": world.organisations["asso_lille"].pk, "commune": world.territories["lille"].pk,
    })  # fmt: skip
    assert response.status_code == 403
    assert not Action.objects.filter(title="Ailleurs").exists()


def test_the_porteur_edits_without_changing_porteur(client, login, plan, world):
    login("porteur")
    url = reverse("actions_coordination:edit", args=[plan.action.pk])
    assert 'name="porteur"' not in client.get(url).content.decode()
    response = client.post(url, {"title": "Atelier du Bizet", "starts_on": "2025-06-01",
                                 "ends_on": "2025-05-01"})  # fmt: skip
    assert "La date de fin ne peut pas précéder la date de début." in response.content.decode()
    response = client.post(url, {"title": "Atelier du Bizet",
                                 "porteur": world.organisations["asso_lille"].pk})  # fmt: skip
    plan.action.refresh_from_db()
    assert (plan.action.title, plan.action.porteur) == (
        "Atelier du Bizet", world.organisations["asso_arm"]
    )  # fmt: skip


def test_funding_form_messages_and_nothing_saved(client, login, plan):
    login("coordinateur")
    url = reverse("actions_coordination:add_funding", args=[plan.action.pk])
    base = {"year": 2025, "funder_kind": "commune", "nature": "droit_commun"}
    cases = [
        ({"requested": "-5"}, "Un montant ne peut pas être négatif."),
        ({"requested": "10.123"}, "2 chiffres après la virgule"),
        ({"requested": "10", "granted": "20"}, "indiquez le motif"),
        ({"year": 2031, "requested": "10"}, "entre 2024 et 2030"),
    ]
    for values, message in cases:
        response = client.post(url, {**base, **values})
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not FundingLine.objects.exists()
    response = client.post(url, {**base, "requested": "10.50", "granted": "10.50"})
    assert response.status_code == 302
    line = FundingLine.objects.get()
    assert line.granted == Decimal("10.50")


def test_status_change_page(client, login, plan):
    login("coordinateur")
    url = reverse("actions_coordination:status", args=[plan.action.pk])
    response = client.post(url, {"to_status": "en_cours", "on": "2025-01-10", "reason": "x"})
    assert response.status_code == 200  # not allowed from « projet »
    response = client.post(url, {"to_status": "deposee", "on": "2025-01-10", "reason": "Dauphin"})
    assert response.status_code == 302
    page = client.get(plan.action.get_absolute_url()).content.decode()
    assert "Motif : Dauphin" in plain(page)


def test_amounts_under_instruction_are_for_the_coordination(client, login, plan):
    _line(plan.action, requested=Decimal("4321.77"))
    _line(plan.action, requested=Decimal("100.00"), granted=Decimal("90.50"))
    login("membre")
    page = client.get(plan.action.get_absolute_url()).content.decode()
    assert "321,77" not in page
    assert "90,50" in page
    assert "1 ligne de financement en cours d'instruction" in page
    login("coordinateur")
    assert "321,77" in client.get(plan.action.get_absolute_url()).content.decode()


def test_list_filters_and_constant_queries(client, login, plan, world):
    login("administrateur")  # reads every volet's actions (cdvs/actions/access.py)
    for n in range(3):
        action = Action.objects.create(contract=plan.contract, title=f"Action {n}",
                                       porteur=world.organisations["asso_lille"])  # fmt: skip
        action.territories.set([world.territories["qpv_lille"]])
        action.objectives.set([plan.objective])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("actions:list")).status_code == 200
        return len(queries)

    few = count()
    for n in range(3, 15):
        action = Action.objects.create(contract=plan.contract, title=f"Action {n}",
                                       porteur=world.organisations["asso_lille"])  # fmt: skip
        action.territories.set([world.territories["qpv_lille"]])
        action.objectives.set([plan.objective])
    assert count() == few
    page = client.get(reverse("actions:list"), {"territoire": world.territories["lille"].pk})
    assert page.context["page"].paginator.count == 15
    page = client.get(reverse("actions:list"), {"porteur": world.organisations["asso_arm"].pk})
    assert [a.title for a in page.context["actions"]] == ["Atelier"]
    page = client.get(reverse("actions:list"), {"enjeu": plan.enjeu.pk, "statut": "projet"})
    assert page.context["page"].paginator.count == 16
    page = client.get(reverse("actions:list"), {"enjeu": "99999999999999999999999"})
    assert page.status_code == 200


@pytest.mark.parametrize("fmt", ["csv", "ods", "xlsx"])
def test_export_formats(client, login, plan, fmt):
    _line(plan.action, granted=Decimal("1000.00"))
    login("membre")
    response = client.get(reverse("actions:export", args=[fmt]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="plan-actions.{fmt}"'
    content = b"".join(response.streaming_content)
    if fmt == "xlsx":  # reopened by openpyxl
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content)).active
        cells = [[c.value for c in row] for row in sheet.iter_rows()]
    elif fmt == "ods":  # reopened by odfpy
        from odf import teletype
        from odf.opendocument import load
        from odf.table import TableCell, TableRow

        document = load(io.BytesIO(content))
        cells = [[teletype.extractText(c) for c in row.getElementsByType(TableCell)]
                 for row in document.spreadsheet.getElementsByType(TableRow)]  # fmt: skip
        granted = document.spreadsheet.getElementsByType(TableRow)[1].getElementsByType(TableCell)[
            9
        ]
        assert granted.getAttribute("valuetype") == "float"
        assert Decimal(granted.getAttribute("value")) == Decimal("1000.00")
    else:
        cells = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert cells[0][:2] == ["Intitulé", "Porteur"]
    assert cells[1][0] == "Atelier"
    assert Decimal(str(cells[1][9])) == Decimal("1000.00")


def test_trash_restore_and_history(client, login, plan):
    login("coordinateur")
    client.post(reverse("actions_coordination:delete", args=[plan.action.pk]))
    assert not Action.objects.exists()
    assert "Atelier" in client.get(reverse("actions_coordination:trash")).content.decode()
    client.post(reverse("actions_coordination:restore", args=[plan.action.pk]))
    assert Action.objects.exists()
    history = client.get(reverse("actions_coordination:history", args=[plan.action.pk]))
    assert history.status_code == 200
