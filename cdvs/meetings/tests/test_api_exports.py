import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from odf.opendocument import load as load_ods
from odf.table import TableRow
from openpyxl import load_workbook

from cdvs.core.exports import render_table
from cdvs.meetings.models import AgendaItem, Attendance, NextStep

pytestmark = pytest.mark.usefixtures("frozen")


def test_api_follows_visibility(client, agenda, login):
    data = client.get("/api/agenda/reunions").json()
    assert {m["series_id"] for m in data} == {agenda.conseil.pk}
    assert all(m["date_to_set"] for m in data)
    login("membre")
    data = client.get("/api/agenda/reunions", {"instance": agenda.point.pk}).json()
    assert data[0]["day"] == "2025-01-06" and data[0]["start"].startswith("2025-01-06T13:00:00")
    series = client.get("/api/agenda/instances").json()
    point = next(s for s in series if s["id"] == agenda.point.pk)
    assert point["rule"].startswith(
        "En janvier, mars, mai, juillet, septembre et novembre, le premier lundi ouvré"
    )
    assert "test-gpo" not in {s["key"] for s in series}


def test_api_never_serves_confidential_items(client, agenda, login):
    login("coordinateur")
    gpo = agenda.meeting(agenda.gpo, "2025-03")
    AgendaItem.objects.create(meeting=gpo, title="Voirie")
    AgendaItem.objects.create(meeting=gpo, title="Secret", confidential=True)
    data = client.get(f"/api/agenda/reunions/{gpo.pk}").json()
    assert [i["title"] for i in data["agenda"]] == ["Voirie"]


def test_api_next_steps(client, agenda, login):
    point = agenda.meeting(agenda.point, "2025-01")
    NextStep.objects.create(meeting=point, what="Relancer", due_date=date(2025, 1, 10))
    assert client.get("/api/agenda/suites-a-donner").json() == []
    login("porteur")
    data = client.get("/api/agenda/suites-a-donner").json()
    assert data[0]["what"] == "Relancer" and data[0]["late"] is True


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
@pytest.mark.parametrize("table", ["reunions", "presences", "suites"])
def test_exports(client, agenda, login, table, fmt):
    point = agenda.meeting(agenda.point, "2025-01")
    Attendance.objects.create(
        meeting=point, name="Camille", email="camille@example.org", status="present"
    )
    NextStep.objects.create(meeting=point, what="=Relancer", due_date=date(2025, 1, 10))
    login("coordinateur")
    response = client.get(reverse("meetings:export", args=[table, fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    elif fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    else:
        doc = load_ods(io.BytesIO(response.content))
        rows = [[str(c) for c in r.childNodes] for r in doc.getElementsByType(TableRow)]
    assert len(rows) > 1
    flat = " ".join(str(c) for r in rows for c in r)
    if table == "presences":
        assert "camille@example.org" in flat
    if table == "suites":
        assert "'=Relancer" in flat  # never a formula
    if table == "reunions":
        assert "Point d'actu des acteurs QPV" in flat


def test_exports_are_for_coordinators(client, agenda, login):
    login("membre")
    assert client.get(reverse("meetings:export", args=["presences", "csv"])).status_code == 403
    login("coordinateur_lille")
    response = client.get(reverse("meetings:export", args=["reunions", "csv"]))
    assert response.content.decode("utf-8-sig").strip().count("\n") == 0  # header only
    login("coordinateur")
    assert client.get(reverse("meetings:export", args=["reunions", "pdf"])).status_code == 404


def test_export_helper_types():
    data = render_table("csv", "T", ["a", "b", "c"], [[date(2025, 3, 3), True, None]])
    assert data.decode("utf-8-sig").splitlines()[1] == "2025-03-03;oui;"
