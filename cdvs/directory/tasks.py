"""Background work of the directory, run by the worker (`manage.py db_worker`)."""

from django_tasks import task

from cdvs.accounts.models import User
from cdvs.core.french import count, plural
from cdvs.core.geocoding import GeocodingError
from cdvs.core.imports import execute

from .imports import apply_plans, plan_import
from .models import DirectoryImport, Place
from .services import geocode_places as geocode


@task()
def run_import(import_id: int):
    """Check every row of an import again, then apply it all or nothing."""
    record = DirectoryImport.objects.select_related("created_by", "territory").get(pk=import_id)
    record = execute(
        record,
        prepare=lambda rec, progress: plan_import(rec, progress),
        apply=lambda plans, progress: apply_plans(plans, record, progress),
    )
    return {"status": record.status, "created": record.created_count, "errors": len(record.errors)}


@task()
def geocode_places(place_ids: list[int], user_id: int | None = None, import_id: int | None = None):
    """Geocode places through the BAN's CSV endpoint (e.g. the places of an import);
    the counts are added to the import's report when it is given."""
    user = User.objects.filter(pk=user_id).first() if user_id else None
    places = list(Place.objects.filter(pk__in=place_ids, lat__isnull=True))
    record = DirectoryImport.objects.filter(pk=import_id).first() if import_id else None
    try:
        counts = geocode(places, user=user)
    except GeocodingError as exc:
        if record is not None:
            record.report = [*record.report, f"Géocodage impossible, rien n'a été modifié : {exc}"]
            record.save(update_fields=["report"])
        raise
    if record is not None:
        record.report = [
            *record.report,
            f"Géocodage (Base Adresse Nationale) : {count(counts['found'], 'lieu', 'lieux')} "
            f"{plural(counts['found'], 'placé')}, dont "
            f"{counts['to_review']} à vérifier ; {count(counts['not_found'], 'adresse')} "
            f"non {plural(counts['not_found'], 'trouvée')}.",
        ]
        record.save(update_fields=["report"])
    return counts
