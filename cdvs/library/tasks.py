"""Background work of the library: text extraction of uploaded files. Emails (the
weekly digest) leave through the project's single `send_email` task. The services queue
the extraction in their own transaction: this module sits below them and imports only
the models, the file reader and the search index."""

import logging

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cdvs.search.registry import refresh_objects

from .extraction import ExtractionError, extract
from .models import Document, DocumentVersion, Extraction

logger = logging.getLogger(__name__)


@task()
def extract_version_text(version_id: int):
    """Read the text of one stored version (PDF, ODF, OOXML) and keep it for search."""
    version = extract_version(version_id)
    if version is None:
        return {"version": version_id, "extraction": "absente"}
    return {"version": version_id, "extraction": version.extraction, "chars": len(version.text)}


def extract_version(version_id: int) -> DocumentVersion | None:
    """Run in the worker: read the file from the storage, keep its text."""
    version = DocumentVersion.objects.filter(pk=version_id).first()
    if version is None or version.extraction != Extraction.PENDING:
        return version
    try:
        with version.file.open("rb") as handle:
            text = extract(handle, version.content_type)
    except ExtractionError as exc:
        version.extraction = Extraction.FAILED
        version.extraction_error = str(exc)[:255]
        text = ""
    except Exception as exc:  # a broken file must not leave the version « en attente »
        logger.exception("Extraction du texte impossible (version %s)", version_id)
        version.extraction = Extraction.FAILED
        version.extraction_error = f"Erreur inattendue ({exc.__class__.__name__})."
        text = ""
    else:
        version.extraction = Extraction.DONE
        version.extraction_error = ""
    version.text = text
    version.extracted_at = timezone.now()
    with transaction.atomic():
        version.save(update_fields=["extraction", "extraction_error", "text", "extracted_at"])
        # the searchable text follows the current version (no history row for it)
        updated = Document.all_objects.filter(
            pk=version.document_id, current_version=version
        ).update(text=text)
    if updated:
        _refresh_search(version.document_id)
    return version


def _refresh_search(document_id: int) -> None:
    """The extracted text reaches the search index (written without a save signal)."""
    if apps.is_installed("cdvs.search"):
        refresh_objects(Document, [document_id])
