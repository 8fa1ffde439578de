"""The local file storage, without half-written files: a file whose writing fails (disk
full, quota) is removed before the error goes on, so that nothing is left truncated and
the form can be sent again (the page then says the disk is full, see
`core.views.server_error`).

`default_storage(environ)`: the setting of the uploaded files' storage, read from the
environment by the settings (`CDVS_STORAGE=s3`: django-storages' S3 backend, else this
local storage); the S3 test runs it against a local S3 server."""

import contextlib
import os

from django.core.files.storage import FileSystemStorage


class SafeFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        existed = self.exists(name)
        try:
            return super()._save(name, content)
        except OSError:
            if not existed:
                with contextlib.suppress(OSError):
                    os.remove(self.path(name))
            raise


def default_storage(environ) -> dict:
    """``STORAGES["default"]`` for this environment (README « Déploiement »)."""
    if environ.get("CDVS_STORAGE", "local") != "s3":
        return {"BACKEND": "cdvs.core.storage.SafeFileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": environ.get("AWS_ACCESS_KEY_ID"),
            "secret_key": environ.get("AWS_SECRET_ACCESS_KEY"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
