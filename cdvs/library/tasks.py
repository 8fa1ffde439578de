"""Background work of the library: text extraction of uploaded files. Emails (the
weekly digest) leave through the project's single `send_email` task."""

from django_tasks import task


@task()
def extract_version_text(version_id: int):
    """Read the text of one stored version (PDF, ODF, OOXML) and keep it for search."""
    from .services import extract_version

    version = extract_version(version_id)
    if version is None:
        return {"version": version_id, "extraction": "absente"}
    return {"version": version_id, "extraction": version.extraction, "chars": len(version.text)}
