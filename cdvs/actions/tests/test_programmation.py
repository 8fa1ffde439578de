"""The yearly programmation: a carrier's request (budget + funding asked, or the Dauphin
file), the funders' opinions, the comité de co-instruction's decision line by line, the
year's table and totals, visible to the partners once arrêtée."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cdvs.actions import programmation as table_of
from cdvs.actions import services
from cdvs.actions.models import Action, FundingLine, Opinion, Request, Status
from cdvs.testing import make_pdf, make_png, plain, upload_file

D = Decimal
ASKED = [
    {"funder_kind": "etat_pv", "funder_name": "", "nature": "specifique", "requested": D("1000")},
    {"funder_kind": "commune", "funder_name": "", "nature": "specifique",
     "requested": D("500.50")},
]  # fmt: skip


def deposit(programmation, plan, world, lines=ASKED):
    porteur = world.users["porteur"]
    services.save_budget(plan.action, 2025, {"64": D("1800.50"), "74-etat": D("1000"),
                                             "74-commune": D("500.50"), "87": D("300")},
                         porteur)  # fmt: skip
    return services.submit_request(programmation, plan.action, [dict(x) for x in lines], porteur,
                                   on=date(2025, 2, 1))  # fmt: skip


def test_the_programmation_is_a_call_of_its_year(programmation):
    call = programmation.call
    assert call.title == "Programmation politique de la ville 2025 — Armentières"
    assert call.nature == "credits_specifiques" and call.commune.name == "Armentières"
    assert (call.opens_on, call.closes_on) == (date(2025, 1, 1), date(2025, 2, 28))


def test_programmation_year_outside_the_contract(plan, world):
    with pytest.raises(ValidationError) as info:
        services.create_programmation(plan.contract, 2031, None, date(2031, 1, 1),
                                      date(2031, 2, 1), world.users["coordinateur"])  # fmt: skip
    assert "entre 2024 et 2030" in info.value.messages[0]


def test_request_opinions_decision(programmation, plan, world):
    coordinator = world.users["coordinateur"]
    request = deposit(programmation, plan, world)
    plan.action.refresh_from_db()
    assert plan.action.status == Status.SUBMITTED
    assert FundingLine.objects.filter(action=plan.action, year=2025).count() == 2
    services.give_opinion(request, {"funder_kind": "etat_pv", "funder_name": "",
                                    "verdict": "favorable", "proposed": D("900")},
                          coordinator)  # fmt: skip
    services.give_opinion(request, {"funder_kind": "etat_pv", "funder_name": "",
                                    "verdict": "reserve", "proposed": D("800"),
                                    "comment": "Public à préciser"}, coordinator)  # fmt: skip
    opinion = Opinion.objects.get()
    assert (opinion.verdict, opinion.proposed) == ("reserve", D("800"))
    state = FundingLine.objects.get(funder_kind="etat_pv")
    assert state.proposed == D("800")
    commune = FundingLine.objects.get(funder_kind="commune")
    decisions = {state: {"granted": D("800"), "decision_reference": "SG-2025-12"},
                 commune: {"granted": D("500.50")}}  # fmt: skip
    services.record_decisions(request, decisions, date(2025, 3, 10), coordinator,
                              programmation.meeting)  # fmt: skip
    plan.action.refresh_from_db()
    assert plan.action.status == Status.PROGRAMMED
    change = plan.action.status_changes.last()
    assert change.reason == "Décision du comité de co-instruction du 10/03/2025"
    state.refresh_from_db()
    assert (state.granted, state.decided_on, state.decision_reference) == (
        D("800"), date(2025, 3, 10), "SG-2025-12")  # fmt: skip
    request.refresh_from_db()
    assert request.meeting == programmation.meeting
    data = table_of.table(programmation, coordinator)
    assert data["total"]["granted"] == D("1300.50")
    assert data["funders"] == [
        ("Commune", {"requested": D("500.50"), "proposed": D("0.00"), "granted": D("500.50"),
                     "paid": D("0.00")}),
        ("État — crédits politique de la ville", {"requested": D("1000"), "proposed": D("800"),
                                                   "granted": D("800"), "paid": D("0.00")}),
    ]  # fmt: skip
    assert [label for label, _ in data["enjeux"]] == ["Enjeu 1 : Cohésion sociale"]
    assert [(label, t["granted"]) for label, t in data["territories"]] == [
        (world.territories["qpv_arm"].name, D("1300.50"))
    ]


def test_nothing_granted_is_non_retenue(programmation, plan, world):
    request = deposit(programmation, plan, world)
    decisions = {line: {"granted": D("0")} for line in services.request_lines(request)}
    services.record_decisions(request, decisions, date(2025, 3, 10), world.users["coordinateur"])
    plan.action.refresh_from_db()
    assert plan.action.status == Status.REJECTED


def test_bad_decisions_refused_nothing_saved(programmation, plan, world):
    coordinator = world.users["coordinateur"]
    request = deposit(programmation, plan, world)
    lines = list(services.request_lines(request))

    def decide(values, on=date(2025, 3, 10), meeting=None):
        with pytest.raises(ValidationError) as info:
            services.record_decisions(request, values, on, coordinator, meeting)
        return " ".join(info.value.messages)

    above = {lines[0]: {"granted": D("1000.01")}, lines[1]: {"granted": D("1")}}
    assert "indiquez le motif" in decide(above)
    assert "négatif" in decide({lines[0]: {"granted": D("-1")}, lines[1]: {"granted": D("1")}})
    assert "2 chiffres" in decide(
        {lines[0]: {"granted": D("1.001")}, lines[1]: {"granted": D("1")}}
    )
    assert "chaque ligne" in decide({lines[0]: {"granted": D("1")}})
    assert "précéder le dépôt" in decide(
        {ln: {"granted": D("1")} for ln in lines}, date(2025, 1, 1)
    )
    other = programmation.meeting.series
    other.key = "autre-instance"
    other.save()
    assert "comité de co-instruction" in decide({ln: {"granted": D("1")} for ln in lines},
                                                  meeting=programmation.meeting)  # fmt: skip
    assert not FundingLine.objects.filter(granted__isnull=False).exists()
    request.refresh_from_db()
    plan.action.refresh_from_db()
    assert request.decided_on is None and plan.action.status == Status.SUBMITTED
    with pytest.raises(PermissionDenied):
        services.record_decisions(request, {ln: {"granted": D("1")} for ln in lines},
                                  date(2025, 3, 10), world.users["porteur"])  # fmt: skip


def test_bad_requests_refused_nothing_saved(programmation, plan, world):
    porteur = world.users["porteur"]

    def submit(lines, action=plan.action, user=porteur):
        with pytest.raises((ValidationError, PermissionDenied)) as info:
            services.submit_request(programmation, action, lines, user)
        return " ".join(getattr(info.value, "messages", [str(info.value)]))

    assert "Saisissez d'abord le budget 2025" in submit([dict(ASKED[0])])
    services.save_budget(plan.action, 2025, {"64": D("1000"), "74-etat": D("1000")}, porteur)
    assert "ne correspondent pas" in submit([dict(ASKED[0], requested=D("999.99"))])
    assert "négatif" in submit([dict(ASKED[0], requested=D("-1000"))])
    assert "au moins un financement" in submit([])
    other = Action.objects.create(
        contract=plan.contract, title="Autre", porteur=world.organisations["asso_lille"],
        commune=world.territories["lille"],
    )  # fmt: skip
    submit([dict(ASKED[0])], action=other)
    assert not Request.objects.exists() and not FundingLine.objects.exists()
    plan.action.refresh_from_db()
    assert plan.action.status == Status.DRAFT


def test_request_with_the_dauphin_pdf(client, login, programmation, plan, world, media):
    login("porteur")
    url = reverse("actions_coordination:request_create", args=[programmation.pk])
    base = {"action": plan.action.pk, "dauphin_reference": "DA-0042",
            "lignes-TOTAL_FORMS": 4, "lignes-INITIAL_FORMS": 0,
            "lignes-0-funder_kind": "etat_pv", "lignes-0-nature": "specifique",
            "lignes-0-requested": "1200,00"}  # fmt: skip
    for n in range(1, 4):
        base[f"lignes-{n}-nature"] = "specifique"
    fake = upload_file("dauphin.pdf", make_png(), "application/pdf")
    response = client.post(url, {**base, "dauphin_file": fake})
    assert "n&#x27;est pas d&#x27;un type accepté" in response.content.decode() or (
        "extension" in response.content.decode()
    )
    assert not Request.objects.exists()
    pdf = upload_file("dauphin.pdf", make_pdf(["Dossier Dauphin"]), "application/pdf")
    response = client.post(url, {**base, "dauphin_file": pdf})
    assert response.status_code == 302, response.content.decode()[:3000]
    request = Request.objects.get()
    assert request.dauphin_reference == "DA-0042" and request.dauphin_file
    assert FundingLine.objects.get().requested == D("1200.00")
    download = client.get(reverse("actions_coordination:request_file", args=[request.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_partners_see_it_once_decided(client, login, programmation, plan, world):
    request = deposit(programmation, plan, world)
    url = reverse("actions:programmation", args=[programmation.pk])
    login("membre")
    assert client.get(url).status_code == 403
    login("coordinateur")
    page = client.get(url).content.decode()
    assert "500,50" in page and "Atelier" in page
    with pytest.raises(ValidationError):
        services.close_programmation(programmation, date(2025, 3, 1), world.users["coordinateur"])
    lines = list(services.request_lines(request))
    services.record_decisions(request, {ln: {"granted": ln.requested} for ln in lines},
                              date(2025, 3, 10), world.users["coordinateur"])  # fmt: skip
    response = client.post(reverse("actions_coordination:programmation_close",
                                   args=[programmation.pk]))  # fmt: skip
    assert response.status_code == 302
    login("membre")
    page = client.get(url).content.decode()
    assert "1\u202f500,50" in page
    assert client.get(reverse("actions_coordination:request", args=[request.pk])).status_code == 403


def test_instruction_pages(client, login, programmation, plan, world):
    request = deposit(programmation, plan, world)
    login("coordinateur")
    page = client.get(reverse("actions_coordination:request", args=[request.pk])).content.decode()
    assert "74 – Subventions d&#x27;exploitation : État" in plain(page)
    response = client.post(reverse("actions_coordination:opinion", args=[request.pk]),
                           {"funder_kind": "commune", "verdict": "defavorable",
                            "proposed": "10.123"})  # fmt: skip
    assert "2 chiffres après la virgule" in response.content.decode()
    response = client.post(reverse("actions_coordination:opinion", args=[request.pk]),
                           {"funder_kind": "commune", "verdict": "favorable",
                            "proposed": "400"})  # fmt: skip
    assert response.status_code == 302
    lines = list(services.request_lines(request))
    url = reverse("actions_coordination:decision", args=[request.pk])
    values = {"decided_on": "2025-03-10", "meeting": programmation.meeting.pk}
    for line in lines:
        values[f"granted_{line.pk}"] = str(line.requested + 1)
    assert "indiquez le motif" in client.post(url, values).content.decode()
    for line in lines:
        values[f"granted_{line.pk}"] = str(line.requested)
    assert client.post(url, values).status_code == 302
    plan.action.refresh_from_db()
    assert plan.action.status == Status.PROGRAMMED
    page = client.get(plan.action.get_absolute_url()).content.decode()
    assert "Demande déposée à la programmation 2025" in page
    assert "Décision du comité de co-instruction 2025 (Comité 2025)" in page
    login("coordinateur_lille")
    assert client.get(reverse("actions_coordination:request", args=[request.pk])).status_code == 403


def test_table_constant_queries_and_exports(client, login, programmation, plan, world):
    deposit(programmation, plan, world)
    login("coordinateur")
    url = reverse("actions:programmation", args=[programmation.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(6):
        action = Action.objects.create(contract=plan.contract, title=f"Action {n}",
                                       porteur=plan.action.porteur,
                                       commune=plan.action.commune)  # fmt: skip
        action.objectives.set([plan.objective])
        action.territories.set([world.territories["qpv_arm"]])
        FundingLine.objects.create(action=action, year=2025, funder_kind="mel",
                                   nature="droit_commun", requested=D("10.01"))  # fmt: skip
        Request.objects.create(programmation=programmation, action=action,
                               submitted_on=date(2025, 2, 1))  # fmt: skip
    assert count() == few
    from cdvs.actions import views

    size, views.PROGRAMMATION_PAGE_SIZE = views.PROGRAMMATION_PAGE_SIZE, 3
    try:
        page = client.get(url, {"page": 3}).content.decode()
    finally:
        views.PROGRAMMATION_PAGE_SIZE = size
    assert "Page 3 sur 3" in page and "7 demandes" in page and "1\u202f560,56" in page
    response = client.get(reverse("actions:programmation_export", args=[programmation.pk, "csv"]))
    content = b"".join(response.streaming_content)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 2 + 6
    column = rows[0].index("Demandé (€)")
    assert sum(D(r[column]) for r in rows[1:]) == D("1560.56")
    for fmt in ("ods", "xlsx"):
        response = client.get(reverse("actions:programmation_export", args=[programmation.pk, fmt]))
        assert response.status_code == 200
