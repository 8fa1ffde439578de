"""A small world of territories, organisations and one person per role, for the tests
of every app (the `world` fixture of cdvs/conftest.py builds it).

    from cdvs.testing import World
    world = World.build()          # inside a test with database access
    client.force_login(world.users["coordinateur"])
"""

from dataclasses import dataclass, field

from cdvs.accounts import permissions
from cdvs.accounts.models import Membership, Role, User
from cdvs.directory.models import Organisation, OrganisationKind
from cdvs.territories.models import Kind, Territory

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (test accounts only)
# the people of the World, in the order tests walk them
ROLES = [
    "anonyme",
    "sans_role",
    "porteur",
    "membre",
    "coordinateur",
    "coordinateur_lille",
    "administrateur",
]
# the same without the coordinator of another commune
ROLES_EXCEPT_LILLE = [r for r in ROLES if r != "coordinateur_lille"]
# the visibility levels each of them reads
SEES = {
    "anonyme": {"public"},
    "sans_role": {"public"},
    "porteur": {"public", "partenaires"},
    "membre": {"public", "partenaires"},
    "coordinateur": {"public", "partenaires", "coordination"},
    "coordinateur_lille": {"public", "partenaires", "coordination"},
    "administrateur": {"public", "partenaires", "coordination"},
}


def make_user(email: str, *, role: str | None = None, organisation=None, **extra) -> User:
    """A person (password `PASSWORD`), member of `organisation` with `role` if given;
    role "administrateur" makes a superuser."""
    if role == permissions.ADMIN:
        return User.objects.create_superuser(email=email, password=PASSWORD, **extra)
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    if role and role != permissions.ANONYMOUS:
        Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@dataclass
class World:
    """EPCI > Armentières (QPV, PAC) and Lille (a QPV of Lille spanning Armentières too);
    the PV service of Armentières, an association there, one in Lille, one without
    territory; users: one per role (coordinator and carrier in Armentières, member
    in the Armentières association) plus a coordinator of Lille and a logged-in person
    without any membership ("sans_role")."""

    territories: dict = field(default_factory=dict)
    organisations: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    @classmethod
    def build(cls) -> "World":
        w = cls()
        t = w.territories
        t["mel"] = Territory.objects.create(
            kind=Kind.EPCI, code="200093201", name="Métropole Européenne de Lille"
        )
        t["armentieres"] = Territory.objects.create(
            kind=Kind.COMMUNE, code="59017", name="Armentières", parent=t["mel"]
        )
        t["lille"] = Territory.objects.create(
            kind=Kind.COMMUNE, code="59350", name="Lille", parent=t["mel"]
        )
        t["qpv_arm"] = Territory.objects.create(
            kind=Kind.QPV, code="QN05901M", name="Route Nationale", parent=t["armentieres"]
        )
        t["pac_arm"] = Territory.objects.create(
            kind=Kind.PAC, code="PAC-SALENGRO", name="Salengro", parent=t["armentieres"]
        )
        t["qpv_lille"] = Territory.objects.create(
            kind=Kind.QPV, code="QN05999M", name="Quartier de Lille", parent=t["lille"]
        )
        t["qpv_lille"].communes.add(t["lille"], t["armentieres"])

        o = w.organisations
        o["pv_arm"] = Organisation.objects.create(
            name="Service Politique de la Ville d'Armentières",
            kind=OrganisationKind.CITY_SERVICE,
            territory=t["armentieres"],
        )
        o["pv_lille"] = Organisation.objects.create(
            name="Service Politique de la Ville de Lille",
            kind=OrganisationKind.CITY_SERVICE,
            territory=t["lille"],
        )
        o["asso_arm"] = Organisation.objects.create(
            name="Centre social du Bizet",
            kind=OrganisationKind.SOCIAL_CENTRE,
            territory=t["qpv_arm"],
        )
        o["asso_lille"] = Organisation.objects.create(
            name="Association lilloise", kind=OrganisationKind.ASSOCIATION, territory=t["lille"]
        )
        o["no_territory"] = Organisation.objects.create(
            name="Caisse d'allocations familiales", kind=OrganisationKind.COMMON_LAW
        )

        u = w.users
        u[permissions.ANONYMOUS] = None
        u["sans_role"] = make_user("sans.role@example.org")
        u[permissions.CARRIER] = make_user(
            "porteur@example.org", role=Role.CARRIER, organisation=o["asso_arm"]
        )
        u[permissions.MEMBER] = make_user(
            "membre@example.org", role=Role.MEMBER, organisation=o["asso_arm"]
        )
        u[permissions.COORDINATOR] = make_user(
            "coordination@armentieres.example.org",
            role=Role.COORDINATOR,
            organisation=o["pv_arm"],
            first_name="Camille",
            last_name="Coordinatrice",
        )
        u["coordinateur_lille"] = make_user(
            "coordination@lille.example.org", role=Role.COORDINATOR, organisation=o["pv_lille"]
        )
        u[permissions.ADMIN] = make_user("admin@example.org", role=permissions.ADMIN)
        return w
