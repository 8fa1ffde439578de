"""Calls in the unified search: found by their words, only by those who may see them,
gone once in the trash."""

import pytest
from django.apps import apps

from cdvs.testing import make_call

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not apps.is_installed("cdvs.search"), reason="recherche absente"),
]

SEES = {
    "anonyme": {"public"},
    "sans_role": {"public"},
    "porteur": {"public", "partenaires"},
    "coordinateur": {"public", "partenaires", "coordination"},
}


@pytest.mark.parametrize("role", list(SEES))
def test_search_finds_only_visible_calls(world, frozen, role):
    from cdvs.search.services import search

    for visibility in ("public", "partenaires", "coordination"):
        make_call(f"Appel parentalité {visibility}", visibility=visibility,
                  description="Soutien aux familles monoparentales")  # fmt: skip
    results = search(world.users[role], "familles monoparentales", kind="appel")
    found = {h.title.rsplit(" ", 1)[-1] for h in results.hits}
    assert found == SEES[role]


def test_deleted_call_leaves_the_search(world, frozen):
    from cdvs.search.services import search

    call = make_call("Appel numérique inclusif")
    assert [h.title for h in search(None, "numérique", kind="appel").hits] == [call.title]
    call.soft_delete()
    assert search(None, "numérique", kind="appel").hits == []
