"""Imports: reading CSV / ODS / XLSX (encodings, malformed files), column mapping,
preview with row-by-row errors in French, all or nothing through the real worker,
manual edits kept, data·inclusion files; no personal data for those who may not see it."""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cdvs.core.exports import to_ods, to_xlsx
from cdvs.core.imports import ImportFileError, ImportStatus, execute, guess_mapping, read_table
from cdvs.directory import imports
from cdvs.directory.models import Contact, DirectoryImport, Organisation, Place, Service
from cdvs.directory.validators import luhn_ok
from cdvs.testing import plain

HEADERS = ["Nom de la structure", "Type", "Code postal", "Commune", "N° SIRET",
           "Nom du lieu", "Latitude du lieu", "Longitude du lieu",
           "Nom du contact", "Courriel", "Téléphone", "Consentement"]  # fmt: skip


def valid_siret(prefix="7328293200007"):
    return next(prefix + d for d in "0123456789" if luhn_ok(prefix + d))


def csv_bytes(rows, encoding="utf-8", headers=HEADERS):
    lines = [";".join(headers)] + [";".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


GOOD = [
    ["Maison des Jeunes", "Association", "59280", "Armentières", valid_siret(),
     "Local jeunes", "50,69", "2,87", "Sam Animateur", "sam@example.net", "03 20 11 22 33", "oui"],
    ["Maison des Jeunes", "Association", "59280", "Armentières", valid_siret(),
     "Antenne du Bizet", "50,70", "2,95", "", "", "", ""],
    ["Épicerie solidaire", "Centre social", "59280", "Armentières", "",
     "", "", "", "", "", "", ""],
]  # fmt: skip


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'"))


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


# ------------------------------------------------------------------ reading files


def test_csv_utf8_and_cp1252_are_read_and_the_encoding_is_said():
    table = read_table(b"\xef\xbb\xbf" + csv_bytes(GOOD), "f.csv")
    assert table.encoding_label == "UTF-8" and table.headers[0] == "Nom de la structure"
    assert [n for n, _ in table.rows] == [2, 3, 4] and table.rows[2][1][0] == "Épicerie solidaire"
    table = read_table(csv_bytes(GOOD, "cp1252"), "f.csv")
    assert table.encoding_label == "Windows-1252 (cp1252)"
    assert table.rows[2][1][0] == "Épicerie solidaire"
    comma = read_table("Nom,Commune\n« Café », Lille\n".encode(), "f.csv")
    assert comma.rows[0][1] == ["« Café »", "Lille"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b'Nom;Commune\n"Association;Lille\n', "f.csv", "mal formé à la ligne"),
        (b"Nom;Commune\nA;B;C;D\n", "f.csv", r"plus de valeurs \(4\) que de colonnes"),
        (b"\x00\x01\x02binaire", "f.csv", "octets nuls"),
        (b"", "f.csv", "vide"),
        (b"\n\n", "f.csv", "vide"),
        (b"pas un classeur", "f.xlsx", "XLSX est illisible"),
        (b"pas un classeur", "f.ods", "ODS est illisible"),
        (b"Nom\n", "f.pdf", "Format de fichier non pris en charge"),
        (
            "Nom\n\u20ac\x81".encode("utf-8")[:-2] + b"\x81\x8d",
            "f.csv",
            "Encodage du fichier non reconnu",
        ),
    ],
)
def test_malformed_files_are_refused_in_french(content, name, message):
    with pytest.raises(ImportFileError, match=message):
        read_table(content, name)


def test_xlsx_and_ods_are_read_like_csv():
    rows = [["Maison des Jeunes", "59280", 73282932000074, 12.5, date(2025, 3, 1)]]
    headers = ["Nom", "Code postal", "SIRET", "Âge", "Date"]
    for fmt, content in (
        ("xlsx", to_xlsx("Feuille", headers, rows)),
        ("ods", to_ods("Feuille", headers, rows)),
    ):
        table = read_table(content, f"f.{fmt}")
        assert table.headers == headers, fmt
        assert table.rows == [
            (2, ["Maison des Jeunes", "59280", "73282932000074", "12.5", "2025-03-01"])
        ], fmt


def test_french_headers_are_guessed():
    mapping = guess_mapping(HEADERS + ["Colonne inconnue"], imports.COLUMNS)
    assert mapping["name"] == 0 and mapping["kind"] == 1 and mapping["postcode"] == 2
    assert mapping["siret"] == 4 and mapping["place_name"] == 5 and mapping["place_lat"] == 6
    assert mapping["contact_name"] == 8 and mapping["contact_email"] == 9
    assert mapping["contact_phone"] == 10 and mapping["contact_consent"] == 11
    assert mapping["description"] is None and 12 not in mapping.values()


# ------------------------------------------------------------------ the pages and the worker


def upload(client, content, name="organisations.csv", kind="tableur", territory=None):
    return client.post(
        reverse("directory_coordination:imports"),
        {"kind": kind, "file": SimpleUploadedFile(name, content), "territory": territory or ""},
    )


@pytest.mark.django_db(transaction=True)
def test_import_through_mapping_preview_and_the_worker(client, world, media, qpv_square):
    coordinator = world.users["coordinateur"]
    client.force_login(coordinator)
    armentieres = world.territories["armentieres"]
    response = upload(client, csv_bytes(GOOD, "cp1252"), territory=armentieres.pk)
    record = DirectoryImport.objects.get()
    assert response["Location"] == reverse(
        "directory_coordination:import_mapping", args=[record.pk]
    )
    assert record.encoding == "cp1252" and record.total_rows == 3
    page = text(client.get(response["Location"]))
    assert "Windows-1252 (cp1252)" in page
    assert (
        '<option value="0" selected>Nom de la structure (ex. : Maison des Jeunes)</option>' in page
    )
    form = {
        c.key: "" if record.mapping.get(c.key) is None else str(record.mapping[c.key])
        for c in imports.COLUMNS
    }
    response = client.post(reverse("directory_coordination:import_mapping", args=[record.pk]), form)
    preview_url = reverse("directory_coordination:import_preview", args=[record.pk])
    assert response["Location"] == preview_url
    page = text(client.get(preview_url))
    assert "Aucune erreur" in page and "Fiches créées : 2" in page
    assert "Lieux : 2 — contacts : 1" in page and "Maison des Jeunes" in page
    assert not Organisation.objects.filter(name="Maison des Jeunes").exists()

    response = client.post(preview_url)
    assert response["Location"] == record.get_absolute_url()
    record.refresh_from_db()
    assert record.status == ImportStatus.QUEUED
    page = text(client.get(record.get_absolute_url()))
    assert "En attente du traitement" in page and "js/import-progress.js" in page
    progress = client.get(
        reverse("directory_coordination:import_progress", args=[record.pk])
    ).json()
    assert progress["finished"] is False and progress["percent"] == 0

    run_worker()

    record.refresh_from_db()
    assert record.status == ImportStatus.DONE, record.errors
    assert (record.created_count, record.updated_count) == (2, 0)
    assert record.created_by == coordinator and record.finished_at is not None
    org = Organisation.objects.get(name="Maison des Jeunes")
    assert org.territory == armentieres and org.siret == valid_siret()
    assert org.seed_values["siret"] == valid_siret()
    assert org.history.first().history_change_reason == record.change_reason
    assert org.history.first().history_user == coordinator
    assert Organisation.objects.search("maison jeune").filter(pk=org.pk).exists()
    local, antenna = org.places.order_by("name").reverse()
    assert local.name == "Local jeunes" and local.territory == qpv_square
    assert antenna.classification == "hors"
    contact = Contact.objects.get(organisation=org)
    assert contact.phone == "03 20 11 22 33" and contact.consent_at is not None
    assert Organisation.objects.get(name="Épicerie solidaire").kind == "centre_social"
    progress = client.get(
        reverse("directory_coordination:import_progress", args=[record.pk])
    ).json()
    assert progress == progress | {"finished": True, "percent": 100, "created": 2}
    page = text(client.get(record.get_absolute_url()))
    assert "Fiches créées : 2" in page and "Lieux d'accueil ajoutés : 2." in page


def test_row_errors_are_listed_in_french_and_nothing_can_be_applied(client, world, media):
    bad = [
        GOOD[0],
        GOOD[0],  # duplicate
        ["", "Association", "59280", "Armentières", "", "", "", "", "", "", "", ""],
        ["Asso SIRET", "Association", "5928", "Armentières", "73282932000075", "", "", "", "", "", "", ""],
        ["Asso contact", "Club", "59280", "Armentières", "", "", "", "",
         "Lou", "lou@", "12345", "non"],
        ["Asso loin", "Association", "59280", "Armentières", "", "Londres", "51,6", "-0,12", "", "", "", ""],
    ]  # fmt: skip
    client.force_login(world.users["coordinateur"])
    upload(client, csv_bytes(bad), territory=world.territories["armentieres"].pk)
    record = DirectoryImport.objects.get()
    record.status = ImportStatus.READY
    record.save()
    page = text(client.get(reverse("directory_coordination:import_preview", args=[record.pk])))
    expected = [
        "Ligne 3 : ligne en double (identique à la ligne 2).",
        "Ligne 4, Nom : le nom de l'organisation est obligatoire.",
        "Ligne 5, Code postal : « 5928 » : le code postal comporte 5 chiffres.",
        "Ligne 5, SIRET : « 73282932000075 » : Ce numéro SIRET n'existe pas : sa clé de contrôle est fausse",
        "Ligne 6, Type : type d'organisation inconnu : « Club »",
        "Ligne 6, Courriel du contact : adresse électronique invalide : « lou@ ».",
        "Ligne 6, Téléphone du contact : « 12345 » : numéro de téléphone invalide",
        "Ligne 6, Consentement du contact : le consentement de la personne est obligatoire",
        "Ligne 7, Latitude du lieu : Ces coordonnées sont hors de France",
    ]
    for message in expected:
        assert message in page, message
    assert "Erreurs à corriger (9)" in page and "Importer 6 lignes" not in page
    before = Organisation.objects.count()
    client.post(reverse("directory_coordination:import_preview", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == ImportStatus.READY and Organisation.objects.count() == before


def test_a_failure_while_writing_changes_nothing(world, media, monkeypatch):
    from django.core.files.base import ContentFile

    record = DirectoryImport(kind="tableur", file_name="f.csv", created_by=world.users["administrateur"],
                             mapping=guess_mapping(HEADERS, imports.COLUMNS), total_rows=3)  # fmt: skip
    record.file.save("f.csv", ContentFile(csv_bytes(GOOD)), save=False)
    record.save()

    def broken(plans, record, progress=None):
        imports.apply_plans(plans, record, progress)
        raise RuntimeError("disque plein")

    before = Organisation.objects.count()
    with pytest.raises(RuntimeError):
        execute(
            record,
            prepare=imports.plan_import,
            apply=lambda p, progress: broken(p, record, progress),
        )
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and "rien n'a été modifié" in record.errors[0]
    assert Organisation.objects.count() == before and not Place.objects.exists()


def test_reimport_keeps_manual_edits_and_says_so(world, media, monkeypatch):
    from django.core.files.base import ContentFile

    told = []
    monkeypatch.setattr(
        "cdvs.directory.imports.refresh_objects", lambda model, pks: told.append((model, list(pks)))
    )

    def run(rows):
        record = DirectoryImport(kind="tableur", file_name="f.csv", created_by=world.users["administrateur"],
                                 mapping=guess_mapping(["Identifiant", "Nom", "Commune", "Description"], imports.COLUMNS),
                                 total_rows=len(rows))  # fmt: skip
        record.file.save(
            "f.csv",
            ContentFile(csv_bytes(rows, headers=["Identifiant", "Nom", "Commune", "Description"])),
            save=False,
        )
        record.save()
        return execute(record, prepare=imports.plan_import,
                       apply=lambda plans, progress: imports.apply_plans(plans, record, progress))  # fmt: skip

    first = run([["mj-1", "Maison des Jeunes", "Armentières", "Accueil des jeunes"]])
    assert first.created_count == 1
    org = Organisation.objects.get(key="mj-1")
    assert told == [(Organisation, [org.pk])]  # bulk writes: the search index is told
    org.description = "Texte revu par l'association"
    org.save()
    second = run([["mj-1", "Maison des Jeunes", "Lille", "Accueil des 11-25 ans"]])
    assert second.status == ImportStatus.DONE and second.updated_count == 1
    org.refresh_from_db()
    assert org.description == "Texte revu par l'association"  # the edit is kept
    assert org.city == "Lille"  # untouched in the application: follows the file
    assert Organisation.objects.search("lille").filter(pk=org.pk).exists()  # index follows
    assert org.history.first().history_change_reason == second.change_reason
    assert any("« Description » modifié dans l'application" in line for line in second.report)


def test_import_pages_are_for_coordinators_and_leak_nothing(client, world, media):
    client.force_login(world.users["coordinateur"])
    upload(client, csv_bytes(GOOD), territory=world.territories["armentieres"].pk)
    record = DirectoryImport.objects.get()
    urls = [
        reverse("directory_coordination:imports"),
        reverse("directory_coordination:import_mapping", args=[record.pk]),
        reverse("directory_coordination:import_preview", args=[record.pk]),
        record.get_absolute_url(),
        reverse("directory_coordination:import_progress", args=[record.pk]),
    ]
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/compte/connexion/" in response["Location"], url
    for role in ("sans_role", "porteur", "membre"):
        client.force_login(world.users[role])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 403, (role, url)
            assert "sam@example.net" not in text(response) and "Sam Animateur" not in text(response)
    client.force_login(world.users["coordinateur_lille"])
    assert client.get(urls[2]).status_code == 403
    assert "organisations.csv" not in text(client.get(urls[0]))


def test_upload_errors_are_shown_and_nothing_is_recorded(client, world, media):
    client.force_login(world.users["coordinateur"])
    response = upload(client, b'Nom\n"ouvert\n', territory=world.territories["armentieres"].pk)
    assert response.status_code == 200 and "mal formé à la ligne" in text(response)
    response = upload(
        client,
        b"{}",
        name="f.csv",
        kind="data_inclusion",
        territory=world.territories["armentieres"].pk,
    )
    assert "fichier .json" in text(response)
    response = upload(client, csv_bytes(GOOD), territory=world.territories["lille"].pk)
    assert "Sélectionnez un choix valide" in text(response)  # not a territory of theirs
    assert not DirectoryImport.objects.exists()


# ------------------------------------------------------------------ data·inclusion


def di_file():
    from data_inclusion.schema.v1 import Thematique

    today = date.today().isoformat()
    thematique = next(t.value for t in Thematique if t.value.startswith("numerique--"))
    return json.dumps({
        "structures": [
            {"source": "dora", "id": "dora--centre-42", "nom": "Centre social Le Tournesol",
             "date_maj": today, "siret": valid_siret(), "commune": "Armentières",
             "code_postal": "59280", "adresse": "10 rue de Lille", "latitude": 50.69,
             "longitude": 2.87, "site_web": "https://tournesol.example.org/",
             "description": "Accueil, animations et accompagnement des familles."},
        ],
        "services": [
            {"source": "dora", "id": "dora--service-7", "structure_id": "dora--centre-42",
             "nom": "Aide aux démarches administratives", "date_maj": today,
             "description": "Un accompagnement pour vos démarches en ligne.",
             "thematiques": [thematique],
             "publics": ["familles"]},
        ],
    }).encode()  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_data_inclusion_import_runs_through_the_worker(client, world, media):
    from data_inclusion.schema.v1 import Thematique

    thematique = next(t.value for t in Thematique if t.value.startswith("numerique--"))
    content = di_file().replace(
        b"numerique--accompagner-les-demarches-de-sante", thematique.encode()
    )
    client.force_login(world.users["administrateur"])
    response = upload(client, content, name="structures.json", kind="data_inclusion")
    record = DirectoryImport.objects.get()
    assert response["Location"] == reverse(
        "directory_coordination:import_preview", args=[record.pk]
    )
    page = text(client.get(response["Location"]))
    assert "Aucune erreur" in page and "services : 1" in page
    client.post(response["Location"])
    run_worker()
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE, record.errors
    org = Organisation.objects.get(key="di-dora-centre-42")
    assert (
        org.name == "Centre social Le Tournesol" and org.website == "https://tournesol.example.org/"
    )
    service = Service.objects.get()
    assert service.organisation == org and service.thematiques == [thematique]
    assert service.publics == ["familles"] and service.key == "di-dora-service-7"
    label = next(t.label for t in Thematique if t.value == thematique)
    client.logout()
    page = text(client.get(org.get_absolute_url()))
    assert "Services proposés" in page and "Aide aux démarches administratives" in page
    assert label in page and "Publics : Familles" in page


def test_invalid_data_inclusion_items_are_refused_in_french(client, world, media):
    data = json.loads(di_file())
    data["structures"][0].update(nom="AB", code_postal="5928", date_maj="hier")
    data["services"][0]["structure_id"] = "dora--inconnue"
    client.force_login(world.users["administrateur"])
    upload(client, json.dumps(data).encode(), name="di.json", kind="data_inclusion")
    record = DirectoryImport.objects.get()
    page = text(client.get(reverse("directory_coordination:import_preview", args=[record.pk])))
    assert "Structure n° 1, champ « nom » : texte trop court." in page
    assert "Structure n° 1, champ « code_postal » : texte trop court." in page
    assert "Structure n° 1, champ « date_maj » : date invalide (AAAA-MM-JJ)." in page
    assert "structure « dora--inconnue » introuvable" in page
    response = upload(client, b"[1, 2", name="di.json", kind="data_inclusion")
    assert "Fichier JSON mal formé" in text(response)


def test_imported_places_are_geocoded_in_one_batch(
    client, world, media, immediate_tasks, qpv_square
):
    from pathlib import Path

    import httpx
    import respx

    rows = [
        [
            "Maison des Jeunes",
            "Association",
            "59280",
            "Armentières",
            "",
            "Local jeunes",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    ]
    headers = [*HEADERS, "Adresse du lieu", "Commune du lieu", "Code postal du lieu"]
    rows[0] += ["10 rue de Lille", "Armentières", "59280"]
    client.force_login(world.users["coordinateur"])
    upload(client, csv_bytes(rows, headers=headers), territory=world.territories["armentieres"].pk)
    record = DirectoryImport.objects.get()
    record.status = ImportStatus.READY
    record.save()
    client.post(reverse("directory_coordination:import_preview", args=[record.pk]))  # runs inline
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE, record.errors
    page = text(client.get(record.get_absolute_url()))
    assert "1 lieu importé sans coordonnées" in page
    batch = (Path(__file__).parent / "fixtures" / "ban" / "batch_result.csv").read_bytes().decode()
    one_row = "\r\n".join(batch.split("\r\n")[:2]) + "\r\n"
    with respx.mock:
        route = respx.post("https://api-adresse.data.gouv.fr/search/csv/").mock(
            return_value=httpx.Response(200, content=one_row.encode())
        )
        response = client.post(reverse("directory_coordination:import_geocode", args=[record.pk]))
    assert response.status_code == 302 and route.call_count == 1
    place = Place.objects.get(name="Local jeunes")
    assert place.citycode == "59017" and place.territory == qpv_square
    record.refresh_from_db()
    assert "1\xa0lieu placé, dont 0 à vérifier" in record.report[-1]
    assert "sans coordonnées" not in text(client.get(record.get_absolute_url()))


def test_status_says_which_phase_the_worker_is_in():
    record = DirectoryImport(status=ImportStatus.RUNNING, total_rows=10, processed_rows=3)
    assert record.phase_label() == "Import en cours : vérification des lignes"
    assert record.percent() == 15
    record.processed_rows = 10
    assert record.phase_label() == "Import en cours : écriture, en une seule fois (tout ou rien)"
    record.status = ImportStatus.DONE
    assert record.phase_label() == "Import terminé" and record.percent() == 100


def test_import_list_runs_a_constant_number_of_queries(
    client, world, media, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            DirectoryImport.objects.create(
                kind="tableur", file_name=f"f{i}.csv", territory=world.territories["armentieres"],
                created_by=world.users["coordinateur"], status="termine",
            )  # fmt: skip

    client.force_login(world.users["coordinateur"])
    url = reverse("directory_coordination:imports")
    add(2)
    with django_assert_max_num_queries(30) as few:
        assert "f1.csv" in text(client.get(url))
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_rows_are_checked_by_the_forms_of_a_manual_edit(world):
    """A row is read into the fiche, place and contact forms: what they refuse by hand
    (here a role longer than the contact form allows, a fiche latitude outside the
    fiche form's bounds) the import refuses, with the column's name."""
    headers = ["Nom", "Latitude", "Longitude", "Nom du contact", "Fonction du contact",
               "Consentement"]  # fmt: skip
    rows = [["Asso", "16,2", "2,87", "Lou", "x" * 201, "oui"]]
    table = read_table(csv_bytes(rows, headers=headers), "f.csv")
    plans, errors = imports.plan_table(
        table, guess_mapping(headers, imports.COLUMNS), world.users["administrateur"]
    )
    assert plans == [] and [str(e) for e in errors] == [
        "Ligne 2, Latitude : Assurez-vous que cette valeur est supérieure ou égale à 41.",
        "Ligne 2, Fonction du contact : Assurez-vous que cette valeur comporte au plus 200 "
        "caractères (actuellement 201).",
    ]
    rows = [["Asso", "50,69", "2,87", "Lou", "Animatrice", "oui"]]
    plans, errors = imports.plan_table(
        read_table(csv_bytes(rows, headers=headers), "f.csv"),
        guess_mapping(headers, imports.COLUMNS),
        world.users["administrateur"],
    )
    assert errors == [] and plans[0].values == {"name": "Asso", "lat": 50.69, "lon": 2.87}
    assert plans[0].contacts[0].role == "Animatrice"


def test_the_steps_of_an_import_are_methods_of_the_record(world, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    record = DirectoryImport(
        kind="tableur", file_name="f.csv", created_by=world.users["administrateur"]
    )
    record.take_table(read_table(csv_bytes(GOOD), "f.csv"), imports.COLUMNS)
    record.store(SimpleUploadedFile("f.csv", csv_bytes(GOOD)))
    assert record.status == ImportStatus.UPLOADED and record.total_rows == 3
    assert record.may_map and not record.may_launch and record.mapping["name"] == 0
    record.set_mapping(record.mapping)
    assert DirectoryImport.objects.get().status == ImportStatus.READY and record.may_launch
    queued = []

    class Task:
        enqueue = staticmethod(queued.append)

    record.launch(Task)
    assert queued == [record.pk] and DirectoryImport.objects.get().status == ImportStatus.QUEUED
    assert not record.may_cancel and record.cancel() is False and DirectoryImport.objects.exists()
    record.status = ImportStatus.READY
    assert record.cancel() is True and not DirectoryImport.objects.exists()


def test_a_second_data_inclusion_import_updates_services_with_their_history(world, media):
    from django.core.files.base import ContentFile

    def run(content):
        record = DirectoryImport(kind="data_inclusion", file_name="di.json", file_format="json",
                                 created_by=world.users["administrateur"], total_rows=2)  # fmt: skip
        record.file.save("di.json", ContentFile(content), save=False)
        record.save()
        return execute(record, prepare=imports.plan_import,
                       apply=lambda plans, progress: imports.apply_plans(plans, record, progress))  # fmt: skip

    assert run(di_file()).status == ImportStatus.DONE
    data = json.loads(di_file())
    data["services"][0]["description"] = "Un accompagnement revu."
    second = run(json.dumps(data).encode())
    assert second.status == ImportStatus.DONE, second.errors
    service = Service.objects.get()
    assert service.description == "Un accompagnement revu."
    assert service.seed_values["description"] == "Un accompagnement revu."
    last = service.history.first()
    assert last.history_type == "~" and last.history_change_reason == second.change_reason
    assert last.history_user == world.users["administrateur"]
    assert "services mis à jour : 1." in second.report[-1]
