"""Documents: upload, versions, download headers, preview, extraction by the worker,
trash and history; what each role sees through the list, the detail and the files."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cdvs.library import tasks
from cdvs.library.models import Document, DocumentVersion, Extraction
from cdvs.testing import ROLES, SEES, make_docx, make_odt, make_pdf, make_png, upload_file

pytestmark = pytest.mark.django_db


def _get(client, url):
    """GET a file URL, reading the streamed file to its end."""
    response = client.get(url)
    if response.streaming:
        # reading to the end closes the file (and fires request_finished, as a server does)
        response.content_bytes = b"".join(response.streaming_content)
    return response


def _upload(client, name="Compte-rendu.pdf", content=None, **fields):
    data = {
        "title": fields.pop("title", "Diagnostic du quartier"),
        "description": "Une description",
        "visibility": fields.pop("visibility", "partenaires"),
        "file": upload_file(name, content if content is not None else make_pdf(["Égalité"])),
        **fields,
    }
    return client.post(reverse("library:upload"), data)


def test_carrier_uploads_a_pdf_stored_under_a_random_name(client, login, world, enjeu):
    login("porteur")
    response = _upload(
        client,
        name="Mon rapport <script>.pdf",
        enjeux=[enjeu.pk],
        territories=[world.territories["qpv_arm"].pk],
        organisation=world.organisations["asso_arm"].pk,
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    version = document.current_version
    assert version.number == 1
    assert version.content_type == "application/pdf"
    assert version.extraction == Extraction.PENDING
    assert "rapport" not in version.file.name and "script" not in version.file.name
    assert version.file.name.startswith("library/") and version.file.name.endswith(".pdf")
    assert len(version.sha256) == 64
    assert document.territory == world.territories["qpv_arm"]  # its organisation's place
    assert list(document.enjeux.all()) == [enjeu]
    # extraction is queued for the worker, not done in the request
    task = DBTaskResult.objects.get()
    assert task.task_path == "cdvs.library.tasks.extract_version_text"
    assert document.history.first().history_user == world.users["porteur"]


def test_disguised_and_oversized_uploads_change_nothing(client, login, settings):
    login("membre")
    response = _upload(client, name="rapport.pdf", content=b"<html><script>alert(1)</script>")
    assert response.status_code == 200
    body = response.content.decode()
    assert "n&#x27;est pas d&#x27;un type accepté" in body
    settings.LIBRARY_MAX_UPLOAD_SIZE = 500
    response = _upload(client, content=make_pdf(["x"]) + b"\x00" * 1000)
    assert "la taille maximale est de 500" in response.content.decode()
    assert Document.all_objects.count() == 0 and DocumentVersion.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_carrier_cannot_choose_coordination_visibility(client, login):
    login("porteur")
    response = _upload(client, visibility="coordination")
    assert response.status_code == 200
    assert Document.objects.count() == 0


def test_extraction_of_pdf_odt_docx(client, login):
    login("coordinateur")
    for name, content, expected in [
        ("a.pdf", make_pdf(["Réussite éducative", "page deux"]), "Réussite éducative"),
        ("b.odt", make_odt(["Titre", "Santé mentale des jeunes"]), "Santé mentale des jeunes"),
        ("c.docx", make_docx(["Emploi et insertion"]), "Emploi et insertion"),
    ]:
        _upload(client, name=name, content=content, title=name)
        document = Document.objects.get(title=name)
        version = tasks.extract_version(document.current_version_id)
        assert version.extraction == Extraction.DONE
        assert expected in version.text
        document.refresh_from_db()
        assert expected in document.text


def test_broken_pdf_is_marked_failed_and_shown(client, login):
    login("coordinateur")
    _upload(client, content=b"%PDF-1.4\n garbage without xref")
    document = Document.objects.get()
    version = tasks.extract_version(document.current_version_id)
    assert version.extraction == Extraction.FAILED
    assert version.extraction_error
    page = client.get(document.get_absolute_url()).content.decode()
    assert "échec de l&#x27;extraction" in page


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_extracts_the_text(client, settings, tmp_path):
    from cdvs.testing import World

    world = World.build()
    client.force_login(world.users["membre"])
    _upload(client, content=make_pdf(["Texte lu par le worker"]))
    document = Document.objects.get()
    assert document.current_version.extraction == Extraction.PENDING
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    document.refresh_from_db()
    assert document.current_version.extraction == Extraction.DONE
    assert "Texte lu par le worker" in document.text
    page = client.get(document.get_absolute_url()).content.decode()
    assert "texte extrait" in page


def test_new_version_keeps_the_old_ones_downloadable(client, login, world):
    login("membre")
    _upload(client, organisation=world.organisations["asso_arm"].pk)
    document = Document.objects.get()
    first = document.current_version
    response = client.post(
        reverse("library:new_version", args=[document.pk]),
        {"file": upload_file("v2.docx", make_docx(["Version deux"])), "comment": "Chiffres 2025"},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.current_version.number == 2
    assert document.kind == "texte"
    old = _get(client, reverse("library:download", args=[document.pk, first.pk]))
    assert old.status_code == 200
    assert old.content_bytes.startswith(b"%PDF-")
    page = client.get(document.get_absolute_url()).content.decode()
    assert "Toutes les versions" in page and "Chiffres 2025" in page
    # a carrier of another organisation may not add a version
    login("coordinateur_lille")
    assert client.get(reverse("library:new_version", args=[document.pk])).status_code == 403


def test_download_headers_are_safe(client, login):
    login("coordinateur")
    _upload(client, name="Rapport final.pdf")
    document = Document.objects.get()
    version = document.current_version
    response = _get(client, reverse("library:download", args=[document.pk, version.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="Rapport final.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    preview = _get(client, reverse("library:preview", args=[document.pk, version.pk]))
    assert preview["Content-Disposition"].startswith("inline;")
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in preview["Content-Security-Policy"]
    # a version of another document is not reachable through this one
    _upload(client, name="autre.pdf", title="Autre")
    other = Document.objects.get(title="Autre")
    assert client.get(reverse("library:download", args=[other.pk, version.pk])).status_code == 404


def test_preview_only_for_pdf_and_images(client, login):
    login("coordinateur")
    _upload(client, name="photo.png", content=make_png(), title="Photo")
    _upload(client, name="note.docx", content=make_docx(["x"]), title="Note")
    photo = Document.objects.get(title="Photo")
    note = Document.objects.get(title="Note")
    assert photo.current_version.extraction == Extraction.NONE
    response = _get(client, reverse("library:preview", args=[photo.pk, photo.current_version_id]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    page = client.get(photo.get_absolute_url()).content.decode()
    assert 'alt="Aperçu : Photo"' in page
    assert (
        client.get(reverse("library:preview", args=[note.pk, note.current_version_id])).status_code
        == 404
    )


def test_media_files_have_no_public_url(client, login, settings):
    login("coordinateur")
    _upload(client, visibility="coordination")
    version = DocumentVersion.objects.get()
    client.logout()
    for prefix in ("/media/", "/", settings.MEDIA_URL or "/media/"):
        assert client.get(prefix + version.file.name).status_code == 404


@pytest.fixture
def three_documents(client, login, world):
    login("coordinateur")
    for visibility in ("public", "partenaires", "coordination"):
        _upload(client, title=f"Document {visibility}", visibility=visibility)
    client.logout()
    return {d.visibility: d for d in Document.objects.all()}


@pytest.mark.parametrize("role", ROLES)
def test_no_leak_through_list_detail_files_and_api(client, login, three_documents, role):
    login(role)
    listing = client.get(reverse("library:documents")).content.decode()
    api = {d["title"] for d in client.get("/api/documents").json()}
    for visibility, document in three_documents.items():
        version = document.current_version
        visible = visibility in SEES[role]
        assert (document.title in listing) is visible, (role, visibility)
        assert (document.title in api) is visible
        for url in (
            document.get_absolute_url(),
            reverse("library:download", args=[document.pk, version.pk]),
            reverse("library:preview", args=[document.pk, version.pk]),
        ):
            status = _get(client, url).status_code
            if visible:
                assert status == 200, (role, url)
            else:
                assert status == (302 if role == "anonyme" else 403), (role, url)
        api_status = client.get(f"/api/documents/{document.pk}").status_code
        assert api_status == (200 if visible else 404)


def test_filters_and_constant_queries_on_the_list(client, login, world, enjeu):
    login("coordinateur")
    for i in range(3):
        _upload(client, title=f"Doc {i}", enjeux=[enjeu.pk])
    _upload(client, name="n.docx", content=make_docx(["x"]), title="Note de texte")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("library:documents")).status_code == 200
        return len(ctx)

    before = count()
    for i in range(6):
        _upload(
            client,
            title=f"Encore {i}",
            enjeux=[enjeu.pk],
            territories=[world.territories["armentieres"].pk, world.territories["qpv_arm"].pk],
        )
    assert count() == before
    page = client.get(reverse("library:documents"), {"type": "texte"}).content.decode()
    assert "Note de texte" in page and "Doc 0" not in page
    page = client.get(reverse("library:documents"), {"enjeu": enjeu.pk}).content.decode()
    assert "Doc 0" in page and "Note de texte" not in page
    territory = world.territories["qpv_arm"].pk
    page = client.get(reverse("library:documents"), {"territoire": territory}).content.decode()
    assert "Encore 1" in page and "Doc 0" not in page
    assert f'<option value="{territory}" selected>' in page  # the filter stays chosen


def test_trash_restore_history_and_export_for_coordinators(client, login, world):
    login("porteur")
    _upload(client, organisation=world.organisations["asso_arm"].pk, title="À jeter")
    document = Document.objects.get()
    login("coordinateur_lille")  # not their commune
    assert (
        client.post(reverse("library_coordination:delete", args=[document.pk])).status_code == 403
    )
    login("coordinateur")
    response = client.post(reverse("library_coordination:delete", args=[document.pk]))
    assert response.status_code == 302
    assert Document.objects.count() == 0
    assert client.get(document.get_absolute_url()).status_code == 404
    trash = client.get(reverse("library_coordination:trash")).content.decode()
    assert "À jeter" in trash
    login("coordinateur_lille")
    assert "À jeter" not in client.get(reverse("library_coordination:trash")).content.decode()
    login("coordinateur")
    client.post(reverse("library_coordination:restore", args=[document.pk]))
    assert Document.objects.filter(pk=document.pk).exists()
    history = client.get(
        reverse("library_coordination:history", args=[document.pk])
    ).content.decode()
    assert "Mis à la corbeille" in history and "Restauré" in history
    export = client.get(reverse("library_coordination:export", args=["csv"]))
    assert export.status_code == 200
    assert "À jeter" in export.content.decode("utf-8-sig")
    login("membre")
    assert client.get(reverse("library_coordination:export", args=["csv"])).status_code == 403


def test_published_minutes_become_a_document(client, login, world):
    from datetime import date

    from cdvs.meetings import services as meeting_services
    from cdvs.meetings.models import Meeting, MeetingSeries, Minutes

    series = MeetingSeries.objects.create(
        name="Point d'actu", commune=world.territories["armentieres"], period="aucune",
        period_start=date(2025, 1, 1), period_end=date(2025, 12, 31), visibility="partenaires",
    )  # fmt: skip
    day = date(2025, 3, 3)
    meeting = Meeting.objects.create(
        series=series, title="Point d'actu de mars", day=day, window_start=day,
        window_end=day, sort_date=day, visibility="partenaires",
    )  # fmt: skip
    Minutes.objects.create(meeting=meeting, body="Tour de table sur la **santé**.")
    assert not Document.all_objects.exists()  # not published yet
    meeting_services.publish_minutes(meeting, world.users["coordinateur"], notify=False)
    document = Document.objects.get()
    assert document.meeting == meeting and document.kind == "compte_rendu"
    assert document.series == series and document.visibility == "partenaires"
    assert document.territory == world.territories["armentieres"]
    assert "santé" in document.text
    login("membre")
    page = client.get(document.get_absolute_url()).content.decode()
    assert reverse("meetings:detail", args=[meeting.pk]) in page
    login("anonyme")
    assert document.title not in client.get(reverse("library:documents")).content.decode()
    # the meeting made confidential, then put in the trash: its document follows
    meeting.visibility = "coordination"
    meeting.save()
    document.refresh_from_db()
    assert document.visibility == "coordination"
    meeting.soft_delete()
    assert not Document.objects.exists()
    meeting.restore()
    assert Document.objects.filter(pk=document.pk).exists()
