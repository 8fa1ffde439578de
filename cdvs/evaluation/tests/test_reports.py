"""The annual report is frozen: changed figures later leave it identical."""

import html
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from cdvs.actions.models import Action
from cdvs.evaluation.models import Measurement, Report
from cdvs.testing import plain

pytestmark = pytest.mark.django_db


def _content(response):
    """The page without its CSRF token (new on each request)."""
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode())


def test_report_is_frozen(client, login, seeded):
    login("coordinateur")
    response = client.post(reverse("evaluation_coordination:reports"), {"year": 2025})
    report = Report.objects.get()
    assert response["Location"] == report.get_absolute_url()
    client.get(report.get_absolute_url())  # shows (and consumes) the success message
    page = _content(client.get(report.get_absolute_url()))
    assert "46,4\u00a0%" in page and "+ 11,3 pts" in page
    odt = client.get(reverse("evaluation:report_odt", args=[report.pk])).content
    Measurement.objects.filter(value=Decimal("46.4")).update(value=Decimal("50"))
    assert _content(client.get(report.get_absolute_url())) == page
    again = client.get(reverse("evaluation:report_odt", args=[report.pk])).content
    content = zipfile.ZipFile(io.BytesIO(again)).read("content.xml").decode()
    assert "46,4" in content and "50\u00a0%" not in content
    first = zipfile.ZipFile(io.BytesIO(odt)).read("content.xml").decode()
    # the same text (odfpy orders its namespace declarations as it likes)
    assert re.sub("<[^>]+>", "|", first) == re.sub("<[^>]+>", "|", content)


def _text(docx_bytes):
    return zipfile.ZipFile(io.BytesIO(docx_bytes)).read("word/document.xml").decode()


def test_docx_is_frozen_byte_for_byte(client, login, seeded, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+01:00", tick=False)
    login("coordinateur")
    client.post(reverse("evaluation_coordination:reports"), {"kind": "annuel", "year": 2025,
                "perspectives": "Renforcer le droit commun."})  # fmt: skip
    report = Report.objects.get()
    url = reverse("evaluation:report_docx", args=[report.pk])
    first = client.get(url)
    assert first["Content-Type"].endswith("wordprocessingml.document")
    text = _text(first.content)
    assert "46,4" in text and "Renforcer le droit commun." in text
    assert "décret n° 2015-1118" in text.lower()
    time_machine.move_to("2027-05-04 17:00:00+02:00", tick=False)
    Measurement.objects.filter(value=Decimal("46.4")).update(value=Decimal("50"))
    again = client.get(url).content
    assert again == first.content  # dates inside and of the archive: the generation's
    core = zipfile.ZipFile(io.BytesIO(again)).read("docProps/core.xml").decode()
    assert "2026-03-02T09:00:00" in core
    odt_url = reverse("evaluation:report_odt", args=[report.pk])
    assert client.get(odt_url).content == client.get(odt_url).content


def test_annual_report_follows_the_decree(client, login, seeded):
    login("coordinateur")
    client.post(reverse("evaluation_coordination:reports"), {"kind": "annuel", "year": 2025})
    report = Report.objects.get()
    headings = [s["heading"] for s in report.snapshot["sections"]]
    assert headings == [
        "Les orientations du contrat",
        "L'évolution de la situation dans les quartiers prioritaires",
        "Les actions menées en 2025 au bénéfice des habitants",
        "Les questions évaluatives",
        "L'évaluation collective : les groupes de travail thématiques",
        "Les perspectives et les améliorations nécessaires",
        "Le renouvellement urbain",
        "La dotation de solidarité urbaine",
        "Les avis des conseils citoyens et des conseils municipaux",
    ]
    page = html.unescape(plain(client.get(report.get_absolute_url()).content.decode()))
    assert "Non renseigné lors de la génération du rapport." in page


def test_milestone_2027_with_its_flagship_projects(client, login, seeded, action):
    login("coordinateur")
    url = reverse("evaluation_coordination:reports")
    response = client.post(url, {"kind": "etape", "year": 2027, "flagships": [action.pk]})
    report = Report.objects.get()
    assert report.title == "Point d'étape 2027 du contrat de ville et des solidarités"
    page = html.unescape(plain(client.get(report.get_absolute_url()).content.decode()))
    assert "Un point d'étape sera réalisé en 2027." in page
    assert "Analyser la capacité des politiques publiques de droit commun" in page
    assert "Projet phare : Atelier" in page
    assert response.status_code == 302
    docx = client.get(reverse("evaluation:report_docx", args=[report.pk]))
    assert 'filename="point-etape-2027-' in docx["Content-Disposition"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"year": 9999}, "inférieure ou égale à 2100"),
        ({"year": -1}, "supérieure ou égale à 1990"),
        ({"year": 2**63}, "inférieure ou égale à 2100"),
        ({"year": 2025, "kind": "autre"}, "Sélectionnez un choix valide"),
        ({"year": 2025, "perspectives": "x" * 20_001}, "au plus 20"),
        ({"year": 2025, "flagships": [2**63]}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_report_input_saves_nothing(client, login, seeded, data, message):
    login("coordinateur")
    response = client.post(reverse("evaluation_coordination:reports"), {"kind": "annuel", **data})
    assert response.status_code == 200
    assert message in html.unescape(plain(response.content.decode()))
    assert not Report.objects.exists()


def test_more_than_three_flagships_refused(client, login, seeded, action):
    login("coordinateur")
    others = [
        Action.objects.create(contract=action.contract, title=f"A{i}", porteur=action.porteur)
        for i in range(3)
    ]
    response = client.post(reverse("evaluation_coordination:reports"), {
        "kind": "etape", "year": 2027, "flagships": [action.pk] + [a.pk for a in others]})  # fmt: skip
    assert "Choisissez au plus trois projets phares." in html.unescape(
        plain(response.content.decode())
    )
    assert not Report.objects.exists()
