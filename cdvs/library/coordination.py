"""Coordination pages of the library: trash and restore, history of a document, export
of the documents list, moderation of the actualités."""

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cdvs.accounts.permissions import filter_allowed, require
from cdvs.core.exports import export_response
from cdvs.core.history import history_page
from cdvs.core.trash import confirm_trash, restore_from_trash
from cdvs.territories.models import Kind, Territory

from . import services
from .forms import ModerationForm
from .models import Document, News, NewsModeration, NewsStatus
from .news.views import news_rows
from .views import document_rows, filtered_documents


def _document(request, pk, *, deleted=False) -> Document:
    manager = Document.all_objects if deleted else Document.objects
    document = get_object_or_404(manager.select_related("territory"), pk=pk)
    require(request.user, "library.moderate", document)
    return document


def _news(request, pk, *, deleted=False) -> News:
    manager = News.all_objects if deleted else News.objects
    news = get_object_or_404(manager.select_related("territory"), pk=pk)
    require(request.user, "library.moderate", news)
    return news


@login_required
def delete(request, pk):
    document = _document(request, pk)
    return confirm_trash(
        request,
        document,
        heading=f"Mettre à la corbeille : {document}",
        explanation="Vous pourrez restaurer le document depuis la corbeille ; rien n'est effacé.",
        back=document.get_absolute_url(),
        then="library:documents",
        done=f"« {document} » a été mis à la corbeille ; vous pouvez le restaurer.",
    )


@login_required
@require_POST
def restore(request, pk):
    document = _document(request, pk, deleted=True)
    return restore_from_trash(
        request, document, then="library_coordination:trash", done=f"« {document} » a été restauré."
    )


@login_required
def delete_news(request, pk):
    news = _news(request, pk)
    return confirm_trash(
        request,
        news,
        heading=f"Mettre à la corbeille : {news}",
        explanation="Vous pourrez restaurer l'actualité depuis la corbeille ; rien n'est effacé.",
        back=news.get_absolute_url(),
        then="news:index",
        done=f"« {news} » a été mise à la corbeille ; vous pouvez la restaurer.",
        reason="Mise à la corbeille",
    )


@login_required
@require_POST
def restore_news(request, pk):
    news = _news(request, pk, deleted=True)
    return restore_from_trash(
        request,
        news,
        then="library_coordination:trash",
        done=f"« {news} » a été restaurée.",
        reason="Restaurée",
    )


@login_required
def trash(request):
    require(request.user, "library.moderate")
    documents = filter_allowed(
        request.user, "library.moderate", Document.all_objects.deleted()
    ).select_related("deleted_by")
    news = filter_allowed(
        request.user, "library.moderate", News.all_objects.deleted()
    ).select_related("deleted_by")
    return render(
        request,
        "library/coordination/trash.html",
        {"documents": documents.order_by("-deleted_at"), "news": news.order_by("-deleted_at")},
    )


@login_required
def history(request, pk):
    document = _document(request, pk)
    return history_page(
        request, document, reverse("library:detail", args=[document.pk]), hidden=("text",)
    )


@login_required
def moderation(request):
    require(request.user, "library.moderate")
    pending = news_rows(
        filter_allowed(
            request.user, "library.moderate", News.objects.filter(status=NewsStatus.PENDING)
        )
    ).order_by("created_at")
    return render(
        request,
        "library/coordination/moderation.html",
        {"pending": list(pending), "form": ModerationForm()},
    )


def _effective_moderation(territories) -> dict[int, bool]:
    """territory id -> are its partners' actualités moderated (its own choice, else
    its EPCI's, else the setting CDVS_NEWS_MODERATION), in one query."""
    ids = {t.pk for t in territories} | {t.parent_id for t in territories if t.parent_id}
    chosen = dict(
        NewsModeration.objects.filter(commune_id__in=ids).values_list("commune_id", "moderated")
    )
    default = django_settings.CDVS_NEWS_MODERATION
    return {t.pk: chosen.get(t.pk, chosen.get(t.parent_id, default)) for t in territories}


@login_required
def moderation_settings(request):
    """Each commune (or the EPCI) in the coordinator's scope chooses whether the
    actualités of its partners are read by the coordination before publication."""
    require(request.user, "library.moderate")
    territories = list(
        filter_allowed(
            request.user,
            "library.moderate",
            Territory.objects.filter(kind__in=[Kind.EPCI, Kind.COMMUNE]).defer("geometry"),
        ).order_by("kind", "name")
    )
    effective = _effective_moderation(territories)
    if request.method == "POST":
        chosen = set(request.POST.getlist("moderees"))
        changed = 0
        for territory in territories:
            wanted = str(territory.pk) in chosen
            if wanted != effective[territory.pk]:
                services.set_moderation(territory, wanted, request.user)
                changed += 1
        messages.success(
            request, f"Réglage enregistré ({changed} modification{'s' if changed > 1 else ''})."
        )
        return redirect("library_coordination:moderation_settings")
    rows = [{"territory": t, "moderated": effective[t.pk]} for t in territories]
    return render(request, "library/coordination/moderation_settings.html", {"rows": rows})


@login_required
@require_POST
def moderate(request, pk):
    news = _news(request, pk)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez « publier » ou « refuser ».")
        return redirect("library_coordination:moderation")
    services.moderate_news(
        news, form.cleaned_data["decision"], request.user, form.cleaned_data["note"]
    )
    messages.success(request, f"« {news} » : {news.get_status_display().lower()}.")
    return redirect("library_coordination:moderation")


EXPORT_HEADERS = [
    "Titre",
    "Type",
    "Visibilité",
    "Instance",
    "Organisation",
    "Enjeux",
    "Territoires",
    "Version",
    "Fichier",
    "Taille (octets)",
    "Extraction du texte",
    "Déposé le",
    "Mis à jour le",
]


@login_required
def export(request, fmt):
    require(request.user, "library.moderate")
    queryset, _ = filtered_documents(request, Document.objects.visible_to(request.user))
    rows = []
    for d in document_rows(queryset).distinct().order_by("-created_at", "-pk")[:20000]:
        v = d.current_version
        rows.append(
            [
                d.title,
                d.get_kind_display(),
                d.get_visibility_display(),
                d.series.name if d.series_id else "",
                d.organisation.name if d.organisation_id else "",
                ", ".join(f"Enjeu {e.number}" for e in d.enjeux.all()),
                ", ".join(t.name for t in d.territories.all()),
                v.number if v else None,
                v.download_name() if v else "",
                v.size if v else None,
                v.get_extraction_display() if v else "",
                d.created_at,
                d.updated_at,
            ]
        )
    return export_response("documents", "Documents", EXPORT_HEADERS, rows, fmt)
