"""The local file storage, without half-written files: a file whose writing fails (disk
full, quota) is removed before the error goes on, so that nothing is left truncated and
the form can be sent again (the page then says the disk is full, see
`core.views.server_error`)."""

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
