"""Every permission of the product is decided here, and nowhere else.

Roles, from the least to the most trusted: anonymous visitor, porteur de projet, membre
d'un partenaire, coordinateur (service Politique de la Ville of a commune or of the
EPCI), administrateur. Content carries a visibility: public, partenaires, coordination.
"""

from enum import IntEnum

from django.core.exceptions import PermissionDenied
from django.db import models

ANONYMOUS = "anonyme"
CARRIER = "porteur"
MEMBER = "membre"
COORDINATOR = "coordinateur"
ADMIN = "administrateur"

ROLE_RANK = {ANONYMOUS: 0, CARRIER: 1, MEMBER: 2, COORDINATOR: 3, ADMIN: 4}
ROLES = list(ROLE_RANK)


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    PARTNERS = "partenaires", "Partenaires"
    COORDINATION = "coordination", "Coordination"


class _Tier(IntEnum):
    PUBLIC = 0
    PARTNERS = 1
    COORDINATION = 2


_VISIBILITY_TIER = {
    Visibility.PUBLIC: _Tier.PUBLIC,
    Visibility.PARTNERS: _Tier.PARTNERS,
    Visibility.COORDINATION: _Tier.COORDINATION,
}
_ROLE_TIER = {
    ANONYMOUS: _Tier.PUBLIC,
    CARRIER: _Tier.PARTNERS,
    MEMBER: _Tier.PARTNERS,
    COORDINATOR: _Tier.COORDINATION,
    ADMIN: _Tier.COORDINATION,
}

# permission -> lowest role that holds it (object scope is checked by `can` afterwards)
RULES = {
    "contract.view": ANONYMOUS,
    "contract.edit": COORDINATOR,
    "contract.history": COORDINATOR,
    "contract.trash": COORDINATOR,
    "territory.view": ANONYMOUS,
    "territory.edit_perimeter": COORDINATOR,
    "territory.history": COORDINATOR,
    "accounts.invite": COORDINATOR,
    "accounts.view_members": MEMBER,
    "partners.view": CARRIER,
    "admin.site": ADMIN,
}


def role_of(user) -> str:
    """The highest role a user holds (cached on the user object for the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_cdvs_role", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        role = ADMIN
    else:
        roles = set(user.memberships.values_list("role", flat=True))
        # a logged-in person without any membership sees what the public sees
        role = max(roles, key=ROLE_RANK.__getitem__, default=ANONYMOUS)
    user._cdvs_role = role
    return role


def coordinated_territory_ids(user) -> set[int]:
    """Territories a coordinator is responsible for: the territory of each organisation
    where they coordinate, plus everything inside it (communes of an EPCI, QPV and PAC
    of a commune)."""
    if role_of(user) == ADMIN:
        return set()
    cached = getattr(user, "_cdvs_scope", None)
    if cached is not None:
        return cached
    from cdvs.territories.models import Territory

    roots = set(
        user.memberships.filter(
            role=COORDINATOR, organisation__territory__isnull=False
        ).values_list("organisation__territory_id", flat=True)
    )
    scope = set(roots)
    frontier = set(roots)
    while frontier:
        children = set(
            Territory.objects.filter(parent_id__in=frontier).values_list("id", flat=True)
        ) | set(Territory.objects.filter(communes__id__in=frontier).values_list("id", flat=True))
        frontier = children - scope
        scope |= children
    user._cdvs_scope = scope
    return scope


def visible_levels(user) -> list[str]:
    tier = _ROLE_TIER[role_of(user)]
    return [v for v, t in _VISIBILITY_TIER.items() if t <= tier]


def can_view(user, visibility: str) -> bool:
    return visibility in visible_levels(user)


def can(user, perm: str, obj=None) -> bool:
    """May `user` do `perm` (on `obj` when given)?"""
    try:
        needed = RULES[perm]
    except KeyError:
        raise ValueError(f"Permission inconnue : {perm}") from None
    role = role_of(user)
    if ROLE_RANK[role] < ROLE_RANK[needed]:
        return False
    if role == ADMIN or obj is None or needed != COORDINATOR:
        return True
    territory = scope_territory(obj)
    if territory is None:
        return True
    return territory.id in coordinated_territory_ids(user)


def scope_territory(obj):
    """The territory an object belongs to, for coordinator scope; None when it is
    contract-wide (then any coordinator of the contract may act)."""
    getter = getattr(obj, "scope_territory", None)
    if getter is not None:
        return getter() if callable(getter) else getter
    return None


def require(user, perm: str, obj=None) -> None:
    if not can(user, perm, obj):
        raise PermissionDenied("Vous n'avez pas les droits nécessaires pour cette action.")
