"""Documents: the list anyone can read (what they see follows each document's
visibility), the detail with its versions and preview, the upload and edit forms of
partners, and the file download that checks the permission before streaming."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import Truncator
from django.views.decorators.http import require_GET

from cdvs.accounts.permissions import (
    can,
    gate_visible,
    login_if_needed,
    require,
)
from cdvs.contract.models import enjeu_labels
from cdvs.core.exports import FORMAT_LABELS
from cdvs.territories.models import Territory

from . import services
from .filters import DocumentFilters
from .forms import DocumentForm, EditDocumentForm, VersionForm
from .models import Document, DocumentVersion, FileKind, meeting_series

PAGE_SIZE = 30


def _bound(request):
    """(data, files) of a submitted form, (None, None) before submission."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def filtered_documents(request, queryset):
    """The documents of `queryset` the list's filters keep, and the values chosen."""
    filters = DocumentFilters(request.GET)
    return filters.filter(queryset), filters.values


def filter_choices(user, chosen: dict, *, series=True):
    """(value, label) pairs of the filters of the documents and news lists, and the
    value chosen for each filter ("" when none)."""
    choices = {
        "selected": {k: chosen.get(k, "") for k in ("enjeu", "territoire", "instance", "type")},
        "enjeu_options": [
            (e.pk, f"Enjeu {e.number} : {Truncator(e.title).chars(60)}") for e in enjeu_labels()
        ],
        "territory_options": Territory.objects.choices(with_kind=True),
        "kinds": FileKind.choices,
    }
    if series:
        choices["series_options"] = [
            (s.pk, s.label)
            for s in meeting_series()
            .objects.visible_to(user)
            .order_by("position", "name")
            .only("pk", "name", "short_name")
        ]
    return choices


def document_rows(queryset):
    return queryset.select_related("current_version", "series", "organisation").prefetch_related(
        Prefetch("enjeux", queryset=enjeu_labels()),
        Prefetch("territories", queryset=Territory.objects.only("pk", "name", "kind")),
    )


def documents(request):
    queryset, chosen = filtered_documents(request, Document.objects.visible_to(request.user))
    page = Paginator(document_rows(queryset).distinct(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = "&".join(f"{k}={quote(str(v))}" for k, v in chosen.items())
    return render(
        request,
        "library/documents.html",
        {
            "page": page,
            "chosen": chosen,
            "q": chosen.get("q", ""),
            "query": query,
            "can_upload": can(request.user, "library.upload"),
            "can_moderate": can(request.user, "library.moderate"),
            "export_formats": FORMAT_LABELS,
            **filter_choices(request.user, chosen),
        },
    )


def visible_document(request, pk) -> Document:
    document = get_object_or_404(
        Document.objects.select_related(
            "current_version", "series", "organisation", "meeting", "created_by"
        ),
        pk=pk,
    )
    gate_visible(request.user, document, "Ce contenu n'est pas visible avec votre rôle.")
    return document


@login_if_needed
def detail(request, pk):
    document = visible_document(request, pk)
    versions = list(document.versions.select_related("uploaded_by"))
    return render(
        request,
        "library/detail.html",
        {
            "document": document,
            "current": document.current_version,
            "versions": versions,
            "enjeux": list(document.enjeux.order_by("number")),
            "territories": list(document.territories.all()),
            "can_edit": not document.is_minutes and can(request.user, "library.edit", document),
            "can_moderate": can(request.user, "library.moderate", document),
        },
    )


@login_required
def upload(request):
    require(request.user, "library.upload")
    form = DocumentForm(*_bound(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        document = services.create_document(form, request.user)
        messages.success(
            request,
            f"« {document.title} » est déposé. Son texte sera extrait dans quelques instants "
            "pour la recherche.",
        )
        return redirect(document)
    return render(
        request,
        "library/form.html",
        {"form": form, "title": "Déposer un document", "multipart": True, "back": "/documents/"},
    )


def _editable(request, pk) -> Document:
    document = visible_document(request, pk)
    if document.is_minutes:
        raise PermissionDenied("Un compte-rendu de réunion se modifie dans l'agenda.")
    require(request.user, "library.edit", document)
    return document


@login_required
@login_if_needed
def edit(request, pk):
    document = _editable(request, pk)
    form = EditDocumentForm(
        request.POST if request.method == "POST" else None, instance=document, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        services.update_document(form, request.user)
        messages.success(request, "Document mis à jour.")
        return redirect(document)
    return render(
        request,
        "library/form.html",
        {
            "form": form,
            "title": f"Modifier : {document.title}",
            "back": document.get_absolute_url(),
        },
    )


@login_required
@login_if_needed
def new_version(request, pk):
    document = _editable(request, pk)
    form = VersionForm(*_bound(request))
    if request.method == "POST" and form.is_valid():
        version = services.add_version(document, form, request.user)
        messages.success(
            request,
            f"Version {version.number} déposée ; les versions précédentes restent disponibles.",
        )
        return redirect(document)
    return render(
        request,
        "library/form.html",
        {
            "form": form,
            "title": f"Nouvelle version : {document.title}",
            "multipart": True,
            "back": document.get_absolute_url(),
        },
    )


# files: never served by a public URL; each request checks the permission first

FILE_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def _file_response(version: DocumentVersion, inline: bool):
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=not inline,
        filename=version.download_name(),
        content_type=version.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if inline:
        # shown in the document page's frame (same origin only)
        response["Content-Security-Policy"] = f"{FILE_CSP}; frame-ancestors 'self'"
        response["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response["Content-Security-Policy"] = f"{FILE_CSP}; frame-ancestors 'none'"
    return response


def _version(request, pk, vpk) -> DocumentVersion:
    document = visible_document(request, pk)
    version = get_object_or_404(DocumentVersion.objects.select_related("document"), pk=vpk)
    if version.document_id != document.pk:
        raise Http404("Version inconnue")
    return version


@require_GET
@login_if_needed
def download(request, pk, vpk):
    return _file_response(_version(request, pk, vpk), inline=False)


@require_GET
@login_if_needed
def preview(request, pk, vpk):
    version = _version(request, pk, vpk)
    if not version.previewable:
        raise Http404("Pas d'aperçu pour ce type de fichier : téléchargez-le.")
    return _file_response(version, inline=True)
