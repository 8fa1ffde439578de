"""What the library makes searchable (through the one search mechanism, cdvs.search):
documents (title, description and the text the worker extracted from their current
version) and published actualités, for the readers their visibility allows.

Published minutes are documents too, but the meetings app already indexes them (with
the meeting): they are left out here so that a search never shows them twice. An
actualité waiting for moderation (or refused) is not searchable."""

from django.utils.html import strip_tags

from cdvs.search.registry import Entry, SearchSource, register

from .models import Document, News


def document_entry(document: Document) -> Entry | None:
    if document.is_minutes:
        return None
    return Entry(
        title=document.title,
        body="\n\n".join(p for p in (document.description, document.text) if p),
        url=document.get_absolute_url(),
        date=document.created_at.date(),
        visibility=document.visibility,
        scope_territory_id=document.territory_id,
        organisation_id=document.organisation_id,
        territory_ids=[t.pk for t in document.territories.all()],
        enjeux=[e.number for e in document.enjeux.all()],
    )


def news_entry(news: News) -> Entry | None:
    if not news.is_published:
        return None
    return Entry(
        title=news.title,
        body=strip_tags(news.body_html),
        url=news.get_absolute_url(),
        date=(news.published_at or news.created_at).date(),
        visibility=news.visibility,
        scope_territory_id=news.territory_id,
        organisation_id=news.organisation_id,
        territory_ids=[t.pk for t in news.territories.all()],
        enjeux=[e.number for e in news.enjeux.all()],
    )


register(
    SearchSource(
        kind="document",
        label="Documents",
        queryset=lambda: Document.objects.prefetch_related("territories", "enjeux"),
        to_entry=document_entry,
    )
)

register(
    SearchSource(
        kind="actualite",
        label="Actualités",
        queryset=lambda: News.objects.prefetch_related("territories", "enjeux"),
        to_entry=news_entry,
    )
)
