"""The one mechanism for search indexing: each app declares what it makes searchable.

How an app registers its content
================================

Write a module ``search.py`` in the app (it is imported when Django starts, by
`SearchConfig.ready()`), declaring one `SearchSource` per kind of result::

    from cdvs.search.registry import Entry, SearchSource, register

    from .models import News


    def news_entry(news) -> Entry | None:
        if not news.is_published:
            return None                      # not (or no longer) searchable
        return Entry(
            title=news.title,
            body=news.text,                  # plain text; no HTML, no personal data
            url=news.get_absolute_url(),
            date=news.published_at.date(),
            visibility=news.visibility,      # permissions.Visibility value
            scope_territory_id=news.territory_id,
            organisation_id=news.organisation_id,
            territory_ids=[t.pk for t in news.territories.all()],
            enjeux=[e.number for e in news.enjeux.all()],
        )


    register(
        SearchSource(
            kind="actualite",                # stable code, used in URLs (?type=actualite)
            label="Actualités",              # French plural label of the type filter
            queryset=lambda: News.objects.select_related("author").prefetch_related(
                "territories", "enjeux"
            ),
            to_entry=news_entry,
            # when another model changes what an entry shows: model -> objects to redo
            triggers={Tag: lambda tag: tag.news.all()},
        )
    )

What the registry does with it
------------------------------
- ``queryset`` (a callable returning a queryset, or a queryset) lists the objects that
  may be searchable: the live ones (the default manager of `SoftDeletable` already
  hides the trash) with what `to_entry` reads prefetched. An object outside it, or
  for which ``to_entry`` returns None, has no entry.
- On every save and delete of the source's model (``post_save``, ``post_delete``,
  and ``m2m_changed`` of its many-to-many fields), its entry is recomputed from the
  queryset: soft deletion (a save of ``deleted_at``) removes it at once, restoring
  brings it back, an edit shows the new words. ``triggers`` do the same for the
  objects another model's change affects (e.g. the agenda items of a meeting). A
  trigger function receives the changed instance and returns objects or primary keys
  of the source's model. ``bulk_create`` and ``queryset.update()`` send no signal:
  call `refresh_objects(Model, pks)` after them.
- ``python manage.py rebuild_search_index [--kind KIND]`` recomputes everything, in
  batches; the task `cdvs.search.tasks.refresh_entries(kind, pks)` recomputes some
  objects in the worker (for heavy bodies).

What an `Entry` holds
---------------------
``title`` and ``body`` are searched (the title weighs more) and shown as a highlighted
snippet; keep ``body`` plain text (at most `MAX_BODY` characters are indexed). Never
put personal data in it: names, emails or phone numbers of contacts and attendees
(the registry refuses sources on `FORBIDDEN_MODELS`). ``visibility`` decides who
finds it (`cdvs.accounts.permissions.filter_searchable`): ``public`` everyone,
``partenaires`` logged-in partners, ``coordination`` only the coordinators whose
territory covers ``scope_territory_id`` (every coordinator when it is None) and
administrators. ``territory_ids`` and ``enjeux`` (enjeu numbers) feed the filters of
the search page; ``date`` its date range and the order of equally ranked results.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

from .index import Entry as Entry  # apps declare their entries through the registry
from .index import SearchSource, refresh, remove

# personal data: never a source of the search index
FORBIDDEN_MODELS = {"directory.contact", "accounts.user", "meetings.attendance"}


_sources: dict[str, SearchSource] = {}
_by_model: dict[type, list[SearchSource]] = {}
_triggers: dict[type, list[tuple[SearchSource, Callable]]] = {}
_state = threading.local()


def register(source: SearchSource) -> SearchSource:
    """Declare a searchable kind (call it from the app's `search.py`)."""
    model = source.model
    if model._meta.label_lower in FORBIDDEN_MODELS:
        raise ValueError(f"{model._meta.label} contient des données personnelles : jamais indexé.")
    existing = _sources.get(source.kind)
    if existing is not None and existing.model is not model:
        raise ValueError(f"Type de résultat déjà déclaré : {source.kind}")
    _sources[source.kind] = source
    _by_model.setdefault(model, [])
    _by_model[model] = [s for s in _by_model[model] if s.kind != source.kind] + [source]
    _connect(model)
    for trigger_model, fn in source.triggers.items():
        bucket = [t for t in _triggers.get(trigger_model, []) if t[0].kind != source.kind]
        _triggers[trigger_model] = bucket + [(source, fn)]
        _connect(trigger_model)
    return source


def source(kind: str) -> SearchSource:
    return _sources[kind]


def labels() -> dict[str, str]:
    return {s.kind: s.label for s in _sources.values()}


@contextmanager
def suspended():
    """Skip the indexing on save inside the block (bulk loads: rebuild afterwards)."""
    previous = getattr(_state, "suspended", False)
    _state.suspended = True
    try:
        yield
    finally:
        _state.suspended = previous


def _active() -> bool:
    return not getattr(_state, "suspended", False)


# ------------------------------------------------------------------ signals


def _connect(model):
    uid = f"cdvs.search:{model._meta.label_lower}"
    post_save.connect(_on_save, sender=model, dispatch_uid=uid + ":save", weak=False)
    post_delete.connect(_on_delete, sender=model, dispatch_uid=uid + ":delete", weak=False)
    for m2m in model._meta.many_to_many:
        through = m2m.remote_field.through
        m2m_changed.connect(
            _on_m2m, sender=through, dispatch_uid=f"{uid}:m2m:{m2m.name}", weak=False
        )


def _on_save(sender, instance, raw=False, **kwargs):
    if raw or not _active():
        return
    _changed(sender, instance)


def _on_delete(sender, instance, **kwargs):
    if not _active():
        return
    for src in _by_model.get(sender, []):
        remove(src.kind, [instance.pk])
    _changed(sender, instance, deleted=True)


def _on_m2m(sender, instance, action, reverse, model, pk_set, **kwargs):
    if not action.startswith("post_") or not _active():
        return
    if not reverse:
        _changed(type(instance), instance)
    elif pk_set:
        # e.g. territory.served_by.add(org): the organisations changed
        for obj in model._default_manager.filter(pk__in=pk_set):
            _changed(model, obj)


def _changed(model, instance, deleted=False):
    if not deleted:
        for src in _by_model.get(model, []):
            refresh(src, [instance.pk])
    for src, fn in _triggers.get(model, []):
        affected = fn(instance)
        if affected is None:
            continue
        pks = [a.pk if isinstance(a, models.Model) else a for a in affected]
        if pks:
            refresh(src, pks)


def refresh_objects(model, pks: Iterable[int]) -> None:
    """Recompute the entries of objects written without signals (``bulk_create``,
    ``queryset.update()``): call it right after such a write."""
    if not _active():
        return
    pks = [int(pk) for pk in pks]
    for src in _by_model.get(model, []):
        refresh(src, pks)
    for src, fn in _triggers.get(model, []):
        affected = [
            a.pk if isinstance(a, models.Model) else a
            for obj in model._default_manager.filter(pk__in=pks)
            for a in (fn(obj) or [])
        ]
        if affected:
            refresh(src, affected)
