"""Import of calls from CSV / ODS / XLSX: preview, French errors row by row, all or
nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cdvs.calls.models import CallForProjects
from cdvs.testing import plain

pytestmark = pytest.mark.django_db

HEADER = "Intitulé;Financeur;Date d'ouverture;Date de clôture;Montant maximum;Enjeux;Territoires;Nature;Colonne inconnue\n"
GOOD = (
    HEADER
    + "Quartiers d'été;État;01/05/2025;15/06/2025;5 000 €;1;Armentières;crédits spécifiques;x\n"
    + "Fonds jeunes;MEL;2025-02-01;;1 710,50;1, 2;Route Nationale;droit commun;y\n"
)


def _upload(client, content: bytes, name="appels.csv", visibility="public"):
    return client.post(
        reverse("calls_coordination:import"),
        {"file": SimpleUploadedFile(name, content), "visibility": visibility},
    )


@pytest.fixture
def coordinator(client, world, enjeux):
    client.force_login(world.users["coordinateur"])
    return client


def test_preview_then_import_all(coordinator, enjeux, world):
    response = _upload(coordinator, GOOD.encode("utf-8"))
    result = response.context["result"]
    assert result.errors == []
    assert [r.values["title"] for r in result.rows] == ["Quartiers d'été", "Fonds jeunes"]
    assert result.ignored == ["Colonne inconnue"]
    assert not CallForProjects.objects.exists()  # a preview writes nothing
    token = response.context["token"]
    response = coordinator.post(reverse("calls_coordination:import"), {"confirm": token})
    assert response.status_code == 302
    first, second = CallForProjects.objects.order_by("pk")
    assert first.nature == "credits_specifiques"
    assert str(first.amount_max) == "5000.00"
    assert list(first.territories.all()) == [world.territories["armentieres"]]
    assert second.closes_on is None and str(second.amount_max) == "1710.50"
    assert sorted(e.number for e in second.enjeux.all()) == [1, 2]
    assert second.history.get().history_change_reason == "Import d'un fichier"


def test_windows_1252_csv_is_read(coordinator):
    response = _upload(coordinator, GOOD.encode("cp1252"))
    assert response.context["result"].errors == []
    assert response.context["result"].encoding.startswith("Windows-1252")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("A;État;15/06/2025;01/05/2025;;;;;", "Date de clôture : La date de clôture doit suivre"),
        ("A;État;31/02/2025;;;;;;", "date illisible « 31/02/2025 »"),
        ("A;État;01/05/2025;;-5;;;;", "montant négatif « -5 »"),
        ("A;État;01/05/2025;;beaucoup;;;;", "montant illisible « beaucoup »"),
        ("A;État;01/05/2025;;;9;;;", "enjeu inconnu « 9 »"),
        ("A;État;01/05/2025;;;;Atlantis;;", "territoire inconnu « Atlantis »"),
        ("A;État;01/05/2025;;;;;gratuit;", "« droit commun » ou « crédits spécifiques »"),
        (";État;01/05/2025;;;;;;", "Ligne 3, Intitulé : valeur obligatoire manquante."),
    ],
)
def test_row_errors_in_french_and_nothing_imported(coordinator, row, message):
    content = (HEADER + "Bon;MEL;01/01/2025;;;;;;\n" + row + "\n").encode("utf-8")
    response = _upload(coordinator, content)
    errors = [str(e) for e in response.context["result"].errors]
    assert any(message in e for e in errors), errors
    assert "token" not in response.context
    assert message.split("«")[0].strip() in _text(response)
    assert not CallForProjects.objects.exists()


def _text(response):
    return plain(response.content.decode().replace("&#x27;", "'"))


def test_broken_files_get_a_french_message(coordinator):
    response = _upload(coordinator, b"PK\x03\x04garbage", name="appels.ods")
    assert "illisible ou endommagé" in _text(response)
    response = _upload(coordinator, b"\x00\x01\x02", name="appels.csv")
    assert "n'est pas un fichier texte CSV" in _text(response)
    response = _upload(coordinator, b"Titre\nx\n", name="appels.pdf")
    assert "Format de fichier non pris en charge" in _text(response)
    response = _upload(coordinator, b"Nom;Autre\nx;y\n")
    assert "colonne obligatoire absente" in _text(response)
    assert not CallForProjects.objects.exists()


def test_ods_and_xlsx(coordinator):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P
    from openpyxl import Workbook

    rows = [
        ["Intitulé", "Financeur", "Ouverture", "Clôture"],
        ["ODS", "CAF", "01/03/2025", "30/04/2025"],
    ]
    doc = OpenDocumentSpreadsheet()
    table = Table(name="Appels")
    for values in rows:
        tr = TableRow()
        for v in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=v))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    response = _upload(coordinator, out.getvalue(), name="appels.ods")
    assert response.context["result"].errors == []
    coordinator.post(reverse("calls_coordination:import"), {"confirm": response.context["token"]})
    book = Workbook()
    book.active.append(["Titre", "Financeur", "Début", "Date limite"])
    book.active.append(["XLSX", "Région", "2025-03-01", "2025-04-30"])
    out = io.BytesIO()
    book.save(out)
    response = _upload(coordinator, out.getvalue(), name="appels.xlsx")
    assert response.context["result"].errors == []
    coordinator.post(reverse("calls_coordination:import"), {"confirm": response.context["token"]})
    assert sorted(CallForProjects.objects.values_list("title", flat=True)) == ["ODS", "XLSX"]


def test_tampered_confirmation_imports_nothing(coordinator):
    response = _upload(coordinator, GOOD.encode("utf-8"))
    token = response.context["token"]
    response = coordinator.post(
        reverse("calls_coordination:import"), {"confirm": token[:-3] + "abc"}
    )
    assert response.status_code == 302
    assert not CallForProjects.objects.exists()


def test_only_coordinators_import(client, world):
    client.force_login(world.users["membre"])
    assert _upload(client, GOOD.encode()).status_code == 403
    assert not CallForProjects.objects.exists()


def test_a_40_digit_amount_is_a_french_row_error(coordinator):
    """Issue 11: a 40-digit amount answered 500 (decimal.InvalidOperation); the row goes
    through the call form, whose bound on digits answers in French."""
    row = "A;État;01/05/2025;;" + "9" * 40 + ";;;;"
    response = _upload(coordinator, (HEADER + row + "\n").encode("utf-8"))
    assert response.status_code == 200
    errors = [str(e) for e in response.context["result"].errors]
    assert errors == [
        "Ligne 2, Montant maximum : Assurez-vous qu’il n’y a pas plus de 14 chiffres au total."
    ]
    assert "token" not in response.context and not CallForProjects.objects.exists()


def test_rows_are_checked_by_the_call_form_of_a_manual_edit(coordinator):
    """What the form refuses by hand, the import refuses: HTML in the description."""
    header = "Intitulé;Financeur;Date d'ouverture;Description\n"
    content = (header + "A;État;01/05/2025;<script>x</script>\n").encode("utf-8")
    errors = [str(e) for e in _upload(coordinator, content).context["result"].errors]
    assert errors == [
        "Ligne 2, Description : Le HTML n'est pas accepté : écrivez la mise en forme en Markdown."
    ]
