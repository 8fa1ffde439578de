"""The documents and actualités pages pass axe-core without serious or critical
violation (same browser helpers as the core accessibility test)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cdvs.core.tests.browser import requires_chromium
from cdvs.core.tests.test_accessibility import audit, coordinator_cookie, load_reference_data

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def test_library_pages_have_no_serious_axe_violation(live_server, client):
    from django.contrib.auth import get_user_model

    from cdvs.contract.models import Enjeu
    from cdvs.library import services, tasks
    from cdvs.library.forms import DocumentForm, NewsForm
    from cdvs.library.models import Document, News, NewsStatus
    from cdvs.testing import make_pdf, make_png

    load_reference_data()
    cookie = coordinator_cookie(client, live_server)
    user = get_user_model().objects.get(email="coordination@example.org")
    enjeu = Enjeu.objects.order_by("number").first()
    for title, name, content in [
        ("Diagnostic du quartier", "diagnostic.pdf", make_pdf(["Diagnostic", "Emploi"])),
        ("Affiche de la fête", "affiche.png", make_png(40, 30)),
    ]:
        form = DocumentForm(
            {"title": title, "visibility": "partenaires", "organisation": cookie["organisation"],
             "enjeux": [enjeu.pk]},
            {"file": SimpleUploadedFile(name, content)},
            user=user,
        )  # fmt: skip
        assert form.is_valid(), form.errors
        document = services.create_document(form, user)
        tasks.extract_version(document.current_version_id)
    pdf = Document.objects.get(title="Diagnostic du quartier")
    image = Document.objects.get(title="Affiche de la fête")
    form = NewsForm(
        {"title": "Fête de quartier", "body": "Samedi **14 juin**.", "visibility": "public",
         "organisation": cookie["organisation"], "enjeux": [enjeu.pk]},
        user=user,
    )  # fmt: skip
    assert form.is_valid(), form.errors
    news = services.post_news(form, user)
    News.objects.create(title="À relire", body="Texte", author=user, status=NewsStatus.PENDING)
    pages = {
        "documents-liste": reverse("library:documents"),
        "documents-pdf": pdf.get_absolute_url(),
        "documents-image": image.get_absolute_url(),
        "documents-deposer": reverse("library:upload"),
        "documents-version": reverse("library:new_version", args=[pdf.pk]),
        "documents-modifier": reverse("library:edit", args=[pdf.pk]),
        "documents-corbeille": reverse("library_coordination:trash"),
        "documents-historique": reverse("library_coordination:history", args=[pdf.pk]),
        "actualites-liste": reverse("news:index"),
        "actualites-detail": news.get_absolute_url(),
        "actualites-publier": reverse("news:create"),
        "actualites-moderation": reverse("library_coordination:moderation"),
        "actualites-reglage": reverse("library_coordination:moderation_settings"),
        "actualites-lettre": reverse("news:digest"),
        "actualites-desabonnement": reverse(
            "news:unsubscribe", args=[services.unsubscribe_token(user)]
        ),
    }
    failures = audit(live_server, pages, cookies=[cookie])
    assert not failures, "\n\n".join(failures)
