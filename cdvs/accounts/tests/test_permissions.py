import pytest
from django.contrib.auth.models import AnonymousUser

from cdvs.accounts import permissions as p
from cdvs.accounts.models import Invitation, Membership
from cdvs.directory.models import Organisation


def test_roles_and_visibility(world):
    u = world.users
    assert p.role_of(AnonymousUser()) == p.ANONYMOUS
    assert p.role_of(u["sans_role"]) == p.ANONYMOUS
    assert p.role_of(u["porteur"]) == p.CARRIER
    assert p.role_of(u["membre"]) == p.MEMBER
    assert p.role_of(u["coordinateur"]) == p.COORDINATOR
    assert p.role_of(u["administrateur"]) == p.ADMIN
    assert p.visible_levels(u["porteur"]) == ["public", "partenaires"]
    assert p.can_view(u["coordinateur"], "coordination")
    assert not p.can_view(None, "partenaires")


def test_highest_role_wins_and_inactive_or_staff_gain_nothing(world):
    member = world.users["membre"]
    Membership.objects.create(
        user=member, organisation=world.organisations["no_territory"], role="porteur"
    )
    p.forget(member)
    assert p.role_of(member) == p.MEMBER
    member.is_active = False
    assert p.role_of(member) == p.ANONYMOUS
    staff = world.users["sans_role"]
    staff.is_staff = True
    assert p.role_of(staff) == p.ANONYMOUS
    assert not p.can(staff, "admin.site")


def test_membership_of_a_deleted_organisation_gives_nothing(world):
    coordinator = world.users["coordinateur"]
    world.organisations["pv_arm"].soft_delete()
    p.forget(coordinator)
    assert p.role_of(coordinator) == p.ANONYMOUS
    assert p.coordinated_territory_ids(coordinator) == set()


def test_coordinator_scope_is_their_territory_and_everything_inside(world):
    t = world.territories
    scope = p.coordinated_territory_ids(world.users["coordinateur"])
    # Armentières, its QPV and PAC, and the Lille QPV which spans Armentières too
    assert scope == {t[k].id for k in ("armentieres", "qpv_arm", "pac_arm", "qpv_lille")}
    assert p.coordinated_territory_ids(world.users["membre"]) == set()


def test_epci_coordinator_covers_every_commune(world):
    epci_service = Organisation.objects.create(
        name="MEL", kind="service_epci", territory=world.territories["mel"]
    )
    user = world.users["sans_role"]
    Membership.objects.create(user=user, organisation=epci_service, role="coordinateur")
    p.forget(user)
    assert p.coordinated_territory_ids(user) == {t.id for t in world.territories.values()}
    assert all(p.can(user, "accounts.invite", o) for o in world.organisations.values())


def test_unknown_permission_and_bad_rules():
    with pytest.raises(ValueError, match="Permission inconnue"):
        p.can(None, "nimporte.quoi")
    with pytest.raises(ValueError):
        p.Rule(p.MEMBER, p.TERRITORY)
    with pytest.raises(ValueError):
        p.Rule("chef")


def test_bare_role_rules_keep_working(world, monkeypatch):
    monkeypatch.setitem(p.RULES, "test.coordinate", p.COORDINATOR)
    monkeypatch.setitem(p.RULES, "test.read", p.MEMBER)
    lille = world.organisations["asso_lille"]
    assert not p.can(world.users["coordinateur"], "test.coordinate", lille)
    assert p.can(world.users["coordinateur_lille"], "test.coordinate", lille)
    assert p.can(world.users["membre"], "test.read", lille)


@pytest.mark.parametrize("perm", ["accounts.invite", "accounts.view_members", "directory.view"])
def test_filter_allowed_agrees_with_can(world, perm):
    organisations = Organisation.objects.all()
    for user in world.users.values():
        allowed = set(p.filter_allowed(user, perm, organisations))
        expected = {o for o in organisations if p.can(user, perm, o)}
        assert allowed == expected, (user, perm)
    invitation_orgs = ("asso_arm", "asso_lille", "no_territory")
    for key in invitation_orgs:
        Invitation.objects.create(
            email=f"{key}@example.org", organisation=world.organisations[key], role="membre"
        )
    for user in world.users.values():
        allowed = set(p.filter_allowed(user, perm, Invitation.objects.all()))
        expected = {i for i in Invitation.objects.all() if p.can(user, perm, i)}
        assert allowed == expected, (user, perm)


def test_members_list_is_for_the_organisation_and_its_coordinators(world):
    u, o = world.users, world.organisations
    asso = o["asso_arm"]
    assert p.can(u["porteur"], "accounts.view_members", asso)
    assert p.can(u["membre"], "accounts.view_members", asso)
    assert p.can(u["coordinateur"], "accounts.view_members", asso)
    assert p.can(u["administrateur"], "accounts.view_members", asso)
    assert not p.can(u["coordinateur_lille"], "accounts.view_members", asso)
    assert not p.can(u["membre"], "accounts.view_members", o["asso_lille"])
    assert not p.can(u["sans_role"], "accounts.view_members", asso)
    assert not p.can(None, "accounts.view_members", asso)


def test_require_raises_permission_denied(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        p.require(world.users["membre"], "accounts.invite")
