"""Helpers of the tests (and of the benchmarks), never imported by the product.

- `world`: `World.build()`, the small world of territories, organisations and one
  person per role (`ROLES`) every app's tests share, `make_user`, `PASSWORD`;
- `files`: real PDF, ODT, DOCX and PNG files made in memory, `upload_file`;
- `factories`: one object of an app in one call (`make_call`, `make_meeting`, ...).

The fixtures built on them (`world`, `login`, `immediate_tasks`, `frozen`, `media`)
live in cdvs/conftest.py, for every app.
"""

from .factories import make_call, make_meeting, publish_minutes
from .files import make_docx, make_odt, make_pdf, make_png, upload_file
from .pages import plain
from .world import PASSWORD, ROLES, ROLES_EXCEPT_LILLE, SEES, World, make_user

__all__ = [
    "PASSWORD",
    "ROLES",
    "ROLES_EXCEPT_LILLE",
    "SEES",
    "World",
    "make_call",
    "make_docx",
    "make_meeting",
    "make_odt",
    "make_pdf",
    "make_png",
    "make_user",
    "plain",
    "publish_minutes",
    "upload_file",
]
