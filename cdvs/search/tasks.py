"""Background work of the search index: recompute entries whose body is heavy (e.g.
the text extracted from a document) without keeping the user waiting."""

from django_tasks import task

from . import index, registry


@task()
def refresh_entries(kind: str, pks: list[int]):
    return {"kind": kind, "indexed": index.refresh(registry.source(kind), pks)}
