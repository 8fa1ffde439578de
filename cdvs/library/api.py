"""Read-only API of the documents and actualités. What a caller sees follows the same
visibility as the pages (public for anonymous callers; a logged-in session sees more).
Files are never served here: `download` is the page address that checks permission."""

from datetime import datetime

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema

from cdvs.api.errors import LIST, ONE
from cdvs.api.types import Code, Id
from cdvs.contract.models import Enjeu
from cdvs.core.bounds import ApiInt
from cdvs.territories.models import Territory

from .models import Document, FileKind, News

router = Router()
news_router = Router()
LIMIT = 2000


class VersionOut(Schema):
    number: int
    content_type: str
    size: int
    uploaded_at: datetime
    extraction: str
    download: str


class DocumentOut(Schema):
    id: int
    title: str
    description: str
    kind: str
    visibility: str
    series_id: int | None
    meeting_id: int | None
    organisation: str | None
    enjeux: list[int]
    territories: list[str]
    created_at: datetime
    updated_at: datetime
    current_version: VersionOut | None
    url: str


class NewsOut(Schema):
    id: int
    title: str
    body_html: str
    visibility: str
    organisation: str | None
    enjeux: list[int]
    territories: list[str]
    published_at: datetime | None
    url: str


def _tags():
    return (
        Prefetch("enjeux", queryset=Enjeu.objects.only("pk", "number")),
        Prefetch("territories", queryset=Territory.objects.only("pk", "code", "kind")),
    )


def _version(d):
    v = d.current_version
    if v is None:
        return None
    return {
        "number": v.number,
        "content_type": v.content_type,
        "size": v.size,
        "uploaded_at": v.uploaded_at,
        "extraction": v.extraction,
        "download": reverse("library:download", args=[d.pk, v.pk]),
    }


def _document(d):
    return {
        "id": d.pk,
        "title": d.title,
        "description": d.description,
        "kind": d.kind,
        "visibility": d.visibility,
        "series_id": d.series_id,
        "meeting_id": d.meeting_id,
        "organisation": d.organisation.name if d.organisation_id else None,
        "enjeux": [e.number for e in d.enjeux.all()],
        "territories": [f"{t.kind}:{t.code}" for t in d.territories.all()],
        "created_at": d.created_at,
        "updated_at": d.updated_at,
        "current_version": _version(d),
        "url": d.get_absolute_url(),
    }


def _documents(request):
    return (
        Document.objects.visible_to(request.user)
        .select_related("current_version", "organisation")
        .prefetch_related(*_tags())
    )


@router.get("", response={200: list[DocumentOut], **LIST}, url_name="documents")
def list_documents(request, type: Code | None = None, enjeu: ApiInt | None = None):
    """Documents, newest first; `type` (pdf, texte, tableur, presentation, image,
    compte_rendu) and `enjeu` (its number) filter them."""
    queryset = _documents(request)
    if type in FileKind.values:
        queryset = queryset.filter(kind=type)
    if enjeu:
        queryset = queryset.filter(enjeux__number=enjeu).distinct()
    return [_document(d) for d in queryset.order_by("-created_at", "-pk")[:LIMIT]]


@router.get("/{pk}", response={200: DocumentOut, **ONE}, url_name="document")
def document_detail(request, pk: Id):
    return _document(get_object_or_404(_documents(request), pk=pk))


def _news(n):
    return {
        "id": n.pk,
        "title": n.title,
        "body_html": n.body_html,
        "visibility": n.visibility,
        "organisation": n.organisation.name if n.organisation_id else None,
        "enjeux": [e.number for e in n.enjeux.all()],
        "territories": [f"{t.kind}:{t.code}" for t in n.territories.all()],
        "published_at": n.published_at,
        "url": n.get_absolute_url(),
    }


def _published_news(request):
    # the API serves published items only (never those waiting for moderation)
    return (
        News.objects.published()
        .visible_to(request.user)
        .select_related("organisation")
        .prefetch_related(*_tags())
    )


@news_router.get("", response=list[NewsOut], url_name="news_list")
def list_news(request):
    return [_news(n) for n in _published_news(request).order_by("-published_at", "-pk")[:LIMIT]]


@news_router.get("/{pk}", response={200: NewsOut, **ONE}, url_name="news")
def news_detail(request, pk: Id):
    return _news(get_object_or_404(_published_news(request), pk=pk))
