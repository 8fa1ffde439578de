"""Background work of the directory, run by the worker (`manage.py db_worker`)."""

from django_tasks import task

from cdvs.core.imports import execute


@task()
def run_import(import_id: int):
    """Check every row of an import again, then apply it all or nothing."""
    from .imports import apply_plans, plan_import
    from .models import DirectoryImport

    record = DirectoryImport.objects.select_related("created_by", "territory").get(pk=import_id)
    record = execute(
        record,
        prepare=lambda rec, progress: plan_import(rec, progress),
        apply=lambda plans, progress: apply_plans(plans, record, progress),
    )
    return {"status": record.status, "created": record.created_count, "errors": len(record.errors)}


@task()
def geocode_places(place_ids: list[int], user_id: int | None = None):
    """Geocode places through the BAN's CSV endpoint (after an import)."""
    from cdvs.accounts.models import User

    from .models import Place
    from .services import geocode_places as geocode

    user = User.objects.filter(pk=user_id).first() if user_id else None
    places = list(Place.objects.filter(pk__in=place_ids, lat__isnull=True))
    return geocode(places, user=user)
