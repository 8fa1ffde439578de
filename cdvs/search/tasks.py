"""Background work of the search index: recompute entries whose body is heavy (e.g.
the text extracted from a document) without keeping the user waiting."""

from django_tasks import task


@task()
def refresh_entries(kind: str, pks: list[int]):
    from . import index, registry

    return {"kind": kind, "indexed": index.refresh(registry.source(kind), pks)}
