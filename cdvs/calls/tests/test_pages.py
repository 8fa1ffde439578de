"""The public list and detail pages, exports, attachments and the coordination pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cdvs.calls.models import CallAttachment, CallForProjects
from cdvs.testing import ROLES_EXCEPT_LILLE as ROLES
from cdvs.testing import SEES, make_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(world, frozen):
    return {
        v: make_call(f"Appel {v}", visibility=v, amount_max=Decimal("1710"))
        for v in ("public", "partenaires", "coordination")
    }


def _login(client, world, role):
    if world.users[role] is not None:
        client.force_login(world.users[role])


@pytest.mark.parametrize("role", ROLES)
def test_list_detail_export_show_only_what_the_role_may_see(client, world, three, role):
    _login(client, world, role)
    body = client.get(reverse("calls:list"), {"statut": "tous"}).content.decode()
    csv = client.get(reverse("calls:export", args=["csv"])).content.decode("utf-8-sig")
    for visibility, call in three.items():
        visible = visibility in SEES[role]
        assert (f"Appel {visibility}<" in body) is visible, visibility
        assert (f"Appel {visibility};" in csv) is visible, visibility
        response = client.get(reverse("calls:detail", args=[call.pk]))
        if visible:
            assert response.status_code == 200
        else:
            assert response.status_code == (302 if role == "anonyme" else 403)
            assert f"Appel {visibility}" not in response.content.decode()


def test_list_shows_french_amounts_status_and_dates(client, three):
    body = client.get(reverse("calls:list")).content.decode()
    assert "jusqu&#x27;à 1\u202f710\u00a0€" in body or "jusqu'à 1\u202f710\u00a0€" in body
    assert "Ouvert" in body
    assert "lundi 31 mars 2025" in body
    assert "dans 75 jours" in body


def test_filters(client, world, frozen):
    from cdvs.contract.models import Contract, Enjeu

    contract = Contract.objects.create(
        name="C", epci=world.territories["mel"], start_year=2024, end_year=2030
    )
    e1 = Enjeu.objects.create(contract=contract, number=1, title="Emploi")
    t = world.territories
    make_call("Emploi QPV", enjeux=[e1], territories=[t["qpv_arm"]], publics=["jeunes"])
    make_call("Lille seulement", territories=[t["lille"]], nature="credits_specifiques")
    make_call("Partout", funder_name="CAF du Nord")
    make_call("Bientôt clos", closes_on=date(2025, 1, 20))
    make_call("Fini", opens_on=date(2024, 1, 1), closes_on=date(2024, 2, 1))

    def titles(**params):
        response = client.get(reverse("calls:list"), params)
        return sorted(c.title for c in response.context["calls"])

    assert titles(enjeu=e1.pk) == ["Emploi QPV"]
    # Armentières: its QPV's call and the contract-wide ones, not Lille's
    assert titles(territoire=t["armentieres"].pk) == ["Bientôt clos", "Emploi QPV", "Partout"]
    assert titles(territoire=t["lille"].pk) == ["Bientôt clos", "Lille seulement", "Partout"]
    assert titles(nature="credits_specifiques") == ["Lille seulement"]
    assert titles(financeur="caf") == ["Partout"]
    assert titles(public="jeunes") == ["Emploi QPV"]
    assert titles(statut="cloture_proche") == ["Bientôt clos"]
    assert titles(statut="clos") == ["Fini"]
    assert "Fini" not in titles()
    assert titles(q="emploi qpv") == ["Emploi QPV"]
    assert titles(statut="nimporte") == titles()  # unknown values are ignored


def test_list_runs_a_constant_number_of_queries(client, world, enjeux, frozen):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("calls:list"), {"statut": "tous"}).status_code == 200
        return len(ctx)

    make_call("un", enjeux=[enjeux[1]])
    count()  # the filter form is rendered once per query and vocabulary, then cached
    few = count()
    for i in range(15):
        make_call(
            f"appel {i}", enjeux=[enjeux[1], enjeux[2]], territories=[world.territories["lille"]]
        )
    assert count() == few


def test_attachment_checked_and_served_as_download(client, world, frozen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call = make_call("Avec pièce")
    client.force_login(world.users["coordinateur"])
    url = reverse("calls_coordination:attachments", args=[call.pk])
    disguised = SimpleUploadedFile("reglement.pdf", b"<html><script>1</script></html>")
    response = client.post(url, {"file": disguised})
    assert response.status_code == 200
    assert "Type de fichier non accepté" in response.content.decode()
    assert not CallAttachment.objects.exists()
    pdf = SimpleUploadedFile("Règlement 2025.pdf", b"%PDF-1.4\n%%EOF\n")
    assert client.post(url, {"file": pdf}).status_code == 302
    item = CallAttachment.objects.get()
    assert item.content_type == "application/pdf"
    client.logout()
    response = client.get(reverse("calls:attachment", args=[call.pk, item.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    response.close()


def test_attachment_of_a_partners_call_is_not_public(client, world, frozen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from cdvs.calls import services

    call = make_call("Partenaires", visibility="partenaires")
    item = services.add_attachment(call, b"%PDF-1.4", "application/pdf", "a.pdf", None)
    url = reverse("calls:attachment", args=[call.pk, item.pk])
    assert client.get(url).status_code == 302
    client.force_login(world.users["sans_role"])
    assert client.get(url).status_code == 403
    client.force_login(world.users["porteur"])
    response = client.get(url)
    assert response.status_code == 200
    response.close()


def test_oversize_attachment_is_refused(client, world, frozen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from cdvs.calls import files

    call = make_call("Gros fichier")
    client.force_login(world.users["coordinateur"])
    big = SimpleUploadedFile("gros.pdf", b"%PDF-" + b"0" * (files.MAX_SIZE + 1))
    response = client.post(reverse("calls_coordination:attachments", args=[call.pk]), {"file": big})
    assert "dépasse la taille maximale" in response.content.decode()
    assert not CallAttachment.objects.exists()


def test_delete_restore_and_history(client, world, frozen):
    call = make_call("À jeter")
    client.force_login(world.users["coordinateur"])
    assert client.post(reverse("calls_coordination:delete", args=[call.pk])).status_code == 302
    assert not CallForProjects.objects.filter(pk=call.pk).exists()
    assert client.get(reverse("calls:detail", args=[call.pk])).status_code == 404
    trash = client.get(reverse("calls_coordination:trash")).content.decode()
    assert "À jeter" in trash
    assert client.post(reverse("calls_coordination:restore", args=[call.pk])).status_code == 302
    assert CallForProjects.objects.filter(pk=call.pk).exists()
    response = client.post(
        reverse("calls_coordination:edit", args=[call.pk]),
        {
            "title": "Renommé",
            "funder_name": "État",
            "nature": "droit_commun",
            "opens_on": "2025-01-01",
            "closes_on": "2025-03-31",
            "visibility": "public",
        },
    )
    assert response.status_code == 302
    history = client.get(reverse("calls_coordination:history", args=[call.pk])).content.decode()
    assert "Mis à la corbeille" in history and "Restauré" in history
    assert "À jeter" in history and "Renommé" in history


def test_detail_renders_markdown_safely(client, frozen):
    call = make_call("Markdown", description="**Important** [lien](javascript:alert(1))")
    body = client.get(reverse("calls:detail", args=[call.pk])).content.decode()
    assert "<strong>Important</strong>" in body
    assert 'href="javascript' not in body


def test_recurring_call_shows_its_current_and_next_sessions(client, frozen):
    call = make_call(
        "Annuel", opens_on=date(2023, 2, 1), closes_on=date(2023, 3, 31), recurrence="annuelle"
    )
    body = client.get(reverse("calls:detail", args=[call.pk])).content.decode()
    assert "samedi 1er février 2025" in body  # current session
    assert "1er février 2026" in body  # next one
    assert "À venir" in body


def test_list_order_follows_the_current_sessions(client, frozen, time_machine):
    from cdvs.calls.models import refresh_sort_dates

    make_call("Avril", opens_on=date(2025, 1, 1), closes_on=date(2025, 4, 1))
    make_call("Annuel", opens_on=date(2023, 1, 1), closes_on=date(2023, 3, 1),
              recurrence="annuelle")  # fmt: skip
    make_call("Fil de l'eau", closes_on=None)

    def titles():
        return [c.title for c in client.get(reverse("calls:list")).context["calls"]]

    assert titles() == ["Annuel", "Avril", "Fil de l'eau"]
    time_machine.move_to("2025-03-10 09:00:00+01:00", tick=False)
    assert refresh_sort_dates() == 1  # the daily run moves it to its 2026 session
    assert titles() == ["Avril", "Annuel", "Fil de l'eau"]


@pytest.mark.parametrize(
    ("fmt", "magic"), [("ods", b"PK\x03\x04"), ("xlsx", b"PK\x03\x04"), ("csv", b"\xef\xbb\xbf")]
)
def test_exports_in_every_format(client, frozen, fmt, magic):
    make_call("Exporté", amount_max=Decimal("1710"))
    response = client.get(reverse("calls:export", args=[fmt]))
    assert response.status_code == 200
    assert response.content.startswith(magic)
    assert response["Content-Disposition"] == f'attachment; filename="appels-a-projets.{fmt}"'
    assert client.get(reverse("calls:export", args=["pdf"])).status_code == 404


def test_api_list_runs_a_constant_number_of_queries(client, world, enjeux, frozen):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/appels?statut=tous").status_code == 200
        return len(ctx)

    make_call("un", enjeux=[enjeux[1]], territories=[world.territories["lille"]])
    few = count()
    for i in range(10):
        make_call(
            f"appel {i}", enjeux=[enjeux[1], enjeux[2]], territories=[world.territories["qpv_arm"]]
        )
    assert count() == few
