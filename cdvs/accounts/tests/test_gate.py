"""The one gate of the pages (`gate`, `gate_visible`, `refuse`, `login_if_needed`) and
the one declaration of the roles."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from cdvs.accounts import permissions as p
from cdvs.accounts.models import Membership
from cdvs.calls.models import CallForProjects


def Item(visibility):  # noqa: N802 (any `Visible` model, unsaved)
    return CallForProjects(visibility=visibility)


def test_gate_sends_anonymous_to_login_and_others_to_403(world):
    member = world.users["membre"]
    with pytest.raises(p.LoginRequired):
        p.gate(AnonymousUser(), "library.upload")
    with pytest.raises(PermissionDenied) as refused:
        p.gate(member, "library.moderate", message="Non.")
    assert not isinstance(refused.value, p.LoginRequired) and str(refused.value) == "Non."
    p.gate(member, "library.upload")  # allowed: nothing raised
    with pytest.raises(p.LoginRequired):
        p.gate_visible(None, Item("partenaires"), "Caché.")
    with pytest.raises(PermissionDenied) as refused:
        p.gate_visible(member, Item("coordination"), "Caché.")
    assert not isinstance(refused.value, p.LoginRequired)
    p.gate_visible(AnonymousUser(), Item("public"), "Caché.")


def test_login_if_needed_redirects_only_a_login_required():
    @p.login_if_needed
    def view(request, visibility):
        """The view's own docstring."""
        p.gate_visible(request.user, Item(visibility), "Caché.")
        return HttpResponse("ok")

    assert view.__name__ == "view" and view.__doc__ == "The view's own docstring."
    request = RequestFactory().get("/documents/3/?x=1")
    request.user = AnonymousUser()
    assert view(request, "public").content == b"ok"
    response = view(request, "partenaires")
    assert response.status_code == 302
    assert response["Location"] == "/compte/connexion/?next=/documents/3/%3Fx%3D1"


def test_roles_are_declared_once():
    assert Membership._meta.get_field("role").choices == p.Role.choices
    assert p.ROLES == [p.ANONYMOUS, p.CARRIER, p.MEMBER, p.COORDINATOR, p.ADMIN]
    assert all(type(role) is str for role in p.ROLES)
    for role in p.Role:
        assert p.ROLE_LABELS[role.value] == role.label
