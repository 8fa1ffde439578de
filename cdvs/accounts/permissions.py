"""Every permission of the product is decided here, and nowhere else.

Roles, from the least to the most trusted: anonymous visitor, porteur de projet, membre
d'un partenaire, coordinateur (service Politique de la Ville of a commune or of the
EPCI), administrateur. Content carries a visibility: public, partenaires, coordination.

A rule names the lowest role that holds a permission and how far it reaches on an
object:

- ``ANY``: the role is enough (e.g. reading public pages);
- ``TERRITORY``: a coordinator acts only on objects whose territory is in their scope
  (the territory of each organisation they coordinate, and everything inside it); an
  object without territory is contract-wide and any coordinator may act on it;
- ``ORGANISATION``: the people of the object's organisation holding at least the role,
  plus the coordinators whose scope covers it (e.g. the members list of a partner).

Administrators (``is_superuser``) may do everything. `can()` answers for one object;
`filter_allowed()` answers the same question for a whole queryset, in one query, for
list pages. Both read the object's place through small hooks on the model:
``scope_territory()`` / ``scope_organisation()`` for one object, the class attributes
``scope_territory_path`` / ``scope_organisation_path`` (ORM lookups) for a queryset.
"""

import functools
from dataclasses import dataclass
from enum import IntEnum

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from cdvs.territories.models import Territory


class Role(models.TextChoices):
    """The roles held through a membership of an organisation (`Membership.role`)."""

    COORDINATOR = "coordinateur", "Coordinateur ou coordinatrice"
    MEMBER = "membre", "Membre d'un partenaire"
    CARRIER = "porteur", "Porteur de projet"


# every role, memberships' ones plus the anonymous visitor and the administrator
ANONYMOUS = "anonyme"
CARRIER = Role.CARRIER.value
MEMBER = Role.MEMBER.value
COORDINATOR = Role.COORDINATOR.value
ADMIN = "administrateur"

ROLE_RANK = {ANONYMOUS: 0, CARRIER: 1, MEMBER: 2, COORDINATOR: 3, ADMIN: 4}
ROLES = list(ROLE_RANK)
ROLE_LABELS = {
    ANONYMOUS: "Aucun rôle (accès public)",
    **{role: Role(role).label for role in (CARRIER, MEMBER, COORDINATOR)},
    ADMIN: "Administrateur ou administratrice",
}

ANY = "any"
TERRITORY = "territory"
ORGANISATION = "organisation"


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


@dataclass(frozen=True)
class Rule:
    role: str
    scope: str = ANY

    def __post_init__(self):
        if self.role not in ROLE_RANK:
            raise ValueError(f"Rôle inconnu : {self.role}")
        if self.scope not in (ANY, TERRITORY, ORGANISATION):
            raise ValueError(f"Portée inconnue : {self.scope}")
        if self.scope == TERRITORY and self.role != COORDINATOR:
            raise ValueError("Une règle limitée au territoire vise les coordinateurs.")


# permission -> who holds it. A bare role string is accepted too: a coordinator-only
# permission is then limited to the coordinator's territory, any other is not scoped.
RULES = {
    "contract.view": Rule(ANONYMOUS),
    "contract.edit": Rule(COORDINATOR, TERRITORY),
    "contract.history": Rule(COORDINATOR, TERRITORY),
    "contract.trash": Rule(COORDINATOR, TERRITORY),
    # load a volet communal from its file (cdvs.contract.volet): the volet's commune
    "contract.load_volet": Rule(COORDINATOR, TERRITORY),
    "territory.view": Rule(ANONYMOUS),
    "territory.edit_perimeter": Rule(COORDINATOR, TERRITORY),
    "territory.history": Rule(COORDINATOR, TERRITORY),
    "directory.view": Rule(ANONYMOUS),
    # contacts of the directory: personal data, for logged-in partners only
    "directory.view_contacts": Rule(CARRIER),
    # an organisation's own people (and its coordinators) keep its fiche up to date
    "directory.edit": Rule(CARRIER, ORGANISATION),
    # create one fiche (attached to one of the coordinator's territories)
    "directory.create": Rule(COORDINATOR, TERRITORY),
    # stale and orphaned fiches
    "directory.coordinate": Rule(COORDINATOR, TERRITORY),
    # imports of organisations, places, contacts and services (the import's territory)
    "directory.import": Rule(COORDINATOR, TERRITORY),
    # invite into an organisation, list / revoke / resend its pending invitations
    "accounts.invite": Rule(COORDINATOR, TERRITORY),
    # personal data: who belongs to an organisation, with their email
    "accounts.view_members": Rule(CARRIER, ORGANISATION),
    "partners.view": Rule(CARRIER),
    # meetings: who sees a meeting follows its visibility; these rules say who acts
    "meetings.view": Rule(ANONYMOUS),
    "meetings.manage": Rule(COORDINATOR, TERRITORY),
    "meetings.propose_item": Rule(CARRIER),
    "meetings.view_attendance": Rule(CARRIER),
    "meetings.view_confidential": Rule(COORDINATOR, TERRITORY),
    "meetings.private_feed": Rule(CARRIER),
    "meetings.export": Rule(COORDINATOR, TERRITORY),
    # library (documents and actualités): who sees an item follows its visibility
    # (`visible_levels`); these rules say who acts
    "library.view": Rule(ANONYMOUS),
    "library.upload": Rule(CARRIER),
    # an item's organisation keeps it up to date (new version, tags), with its coordinators
    "library.edit": Rule(CARRIER, ORGANISATION),
    # trash, restore, history, export, moderation of the actualités
    "library.moderate": Rule(COORDINATOR, TERRITORY),
    "library.post_news": Rule(CARRIER),
    "library.digest": Rule(CARRIER),
    # calls for projects: who sees a call follows its visibility; coordinators manage
    # them (those of the call's territory de gestion, any of them for a contract-wide call)
    "calls.view": Rule(ANONYMOUS),
    "calls.manage": Rule(COORDINATOR, TERRITORY),
    "calls.import": Rule(COORDINATOR, TERRITORY),
    # plan d'actions: partners read the actions; the porteur's people and the
    # coordinators of the action's commune edit them; coordinators create them, move
    # their status, and alone write and read the funding amounts under instruction
    "actions.view": Rule(CARRIER),
    "actions.edit": Rule(CARRIER, ORGANISATION),
    "actions.manage": Rule(COORDINATOR, TERRITORY),
    "actions.fund": Rule(COORDINATOR, TERRITORY),
    "actions.view_instruction": Rule(COORDINATOR, TERRITORY),
    # programmation annuelle: the coordination instructs (the funders' opinions); the
    # partners read a programmation once arrêtée (`actions.programmation.readable`)
    "actions.instruct": Rule(COORDINATOR, TERRITORY),
    # engagements de droit commun: partners read them (`actions.view`); the coordinators
    # (the groupe de suivi de la mobilisation du droit commun) enter them from the annex
    # of the deliberation and record their reviews
    "actions.engagements": Rule(COORDINATOR, TERRITORY),
    # projets phares: the coordinators choose them (three a contract), follow their
    # milestones and write their reporting for each comité de pilotage
    "actions.flagships": Rule(COORDINATOR, TERRITORY),
    # participation of the residents: everyone reads the budget participatif's public
    # ideas and figures and deposits an idea; the coordinators of the campaign's
    # territory moderate, enter results, record support actions, councils, requests
    "participation.view": Rule(ANONYMOUS),
    "participation.manage": Rule(COORDINATOR, TERRITORY),
    # evaluation: the diagnostic, indicators and targets are public; coordinators of a
    # measurement's territory add, import and follow measurements
    "evaluation.view": Rule(ANONYMOUS),
    "evaluation.manage": Rule(COORDINATOR, TERRITORY),
    # bilans of the carriers: the porteur's people write their action's bilan, the
    # coordinators of its commune read and follow them
    "evaluation.edit_bilan": Rule(CARRIER, ORGANISATION),
    "evaluation.view_bilans": Rule(COORDINATOR, TERRITORY),
    # the search box: everyone; what each reader finds follows `filter_searchable`
    "search.view": Rule(ANONYMOUS),
    # coordination content (documents, actualités, calls, meetings) wherever it is read
    # (pages, downloads, API, exports, search, feeds): coordinators of its territory
    # (`can_read`, `filter_readable`)
    "content.view_coordination": Rule(COORDINATOR, TERRITORY),
    "admin.site": Rule(ADMIN),
}


def rule_for(perm: str) -> Rule:
    try:
        rule = RULES[perm]
    except KeyError:
        raise ValueError(f"Permission inconnue : {perm}") from None
    if isinstance(rule, str):
        rule = Rule(rule, TERRITORY if rule == COORDINATOR else ANY)
    return rule


def _is_person(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _memberships(user) -> dict[int, str]:
    """organisation id -> role, for the live organisations of the user (cached)."""
    cached = getattr(user, "_cdvs_memberships", None)
    if cached is None:
        cached = dict(
            user.memberships.filter(organisation__deleted_at__isnull=True).values_list(
                "organisation_id", "role"
            )
        )
        user._cdvs_memberships = cached
    return cached


def prime_memberships(user, memberships: dict[int, str]) -> None:
    """Hand `user` its memberships (organisation id -> role) read in bulk for many
    people at once (alerts, digests), so that `role_of` and `visible_levels` answer
    without a query per person."""
    user._cdvs_memberships = dict(memberships)


def role_of(user) -> str:
    """The highest role a user holds (cached on the user object for the request)."""
    if not _is_person(user):
        return ANONYMOUS
    if user.is_superuser:
        return ADMIN
    # a logged-in person without any membership sees what the public sees
    return max(_memberships(user).values(), key=ROLE_RANK.__getitem__, default=ANONYMOUS)


def forget(user) -> None:
    """Drop what was cached on `user` (after their memberships changed)."""
    for attr in ("_cdvs_memberships", "_cdvs_scope"):
        if hasattr(user, attr):
            delattr(user, attr)


def has_rank(role: str, needed: str) -> bool:
    return ROLE_RANK[role] >= ROLE_RANK[needed]


def coordinated_territory_ids(user) -> set[int]:
    """Territories a coordinator is responsible for: the territory of each organisation
    where they coordinate, plus everything inside it (communes of an EPCI, QPV and PAC
    of a commune, QPV spanning several communes)."""
    if role_of(user) != COORDINATOR:
        return set()
    cached = getattr(user, "_cdvs_scope", None)
    if cached is not None:
        return cached

    roots = set(
        user.memberships.filter(
            role=COORDINATOR,
            organisation__deleted_at__isnull=True,
            organisation__territory__isnull=False,
        ).values_list("organisation__territory_id", flat=True)
    )
    scope = roots | Territory.objects.descendants(roots)
    user._cdvs_scope = scope
    return scope


def visible_levels(user) -> list[str]:
    tier = _ROLE_TIER[role_of(user)]
    return [v for v, t in _VISIBILITY_TIER.items() if t <= tier]


def can_view(user, visibility: str) -> bool:
    """May `user`'s role read content of `visibility`? Only the role: for a given object,
    ask `can_read` (coordination content is also limited to the coordinator's scope)."""
    return visibility in visible_levels(user)


def can_read(user, obj) -> bool:
    """May `user` read `obj` (a document, an actualité, a call, a meeting…), by its
    ``visibility``: public and partenaires content by role; coordination content only
    where ``content.view_coordination`` holds, that is for the coordinators whose scope
    covers the object's territory (any coordinator when it is contract-wide) and the
    administrators. The same answer as `filter_readable` and `filter_searchable`."""
    visibility = obj.visibility
    if visibility != Visibility.COORDINATION:
        return can_view(user, visibility)
    return can_view(user, visibility) and can(user, "content.view_coordination", obj)


def readable_condition(user, model, through: str = "") -> Q:
    """The condition of `filter_readable` on rows of `model`, to combine with others;
    `through` is the lookup from the queried model to `model` (e.g. ``"meeting"`` for
    the next steps of the meetings one may read)."""
    prefix = f"{through}__" if through else ""
    levels = visible_levels(user)
    allowed = Q(**{f"{prefix}visibility__in": [v for v in levels if v != Visibility.COORDINATION]})
    if Visibility.COORDINATION in levels:
        rule = rule_for("content.view_coordination")
        role = role_of(user)
        coordination = Q(**{f"{prefix}visibility": Visibility.COORDINATION})
        if role == ADMIN or rule.scope == ANY:
            allowed |= coordination
        elif has_rank(role, rule.role):
            path = prefix + model.scope_territory_path
            allowed |= coordination & (
                Q(**{f"{path}__isnull": True})
                | Q(**{f"{path}__in": coordinated_territory_ids(user)})
            )
    return allowed


def readable_key(user) -> str:
    """A short text naming what `filter_readable` gives `user` (their levels and, for
    a coordinator, their territories): the part of a cache key that keeps one reader's
    answer from being served to another."""
    key = "|".join(visible_levels(user))
    if role_of(user) == COORDINATOR:
        key += ":" + ",".join(map(str, sorted(coordinated_territory_ids(user))))
    return key


def filter_readable(user, queryset):
    """The rows of `queryset` (a model with ``visibility`` and ``scope_territory_path``)
    that `user` may read, in one query: the same answer as `can_read` row by row."""
    return queryset.filter(readable_condition(user, queryset.model))


def scope_territory(obj):
    """The territory an object belongs to, for coordinator scope; None when it is
    contract-wide (then any coordinator of the contract may act)."""
    getter = getattr(obj, "scope_territory", None)
    if getter is not None:
        return getter() if callable(getter) else getter
    return None


def scope_organisation(obj):
    """The organisation an object belongs to, for rules of ORGANISATION scope."""
    getter = getattr(obj, "scope_organisation", None)
    if getter is not None:
        return getter() if callable(getter) else getter
    return None


def can(user, perm: str, obj=None) -> bool:
    """May `user` do `perm` (on `obj` when given)?"""
    rule = rule_for(perm)
    role = role_of(user)
    if not has_rank(role, rule.role):
        return False
    if role == ADMIN or rule.scope == ANY or obj is None:
        return True
    if rule.scope == ORGANISATION:
        organisation = scope_organisation(obj)
        own_role = _memberships(user).get(organisation.pk) if organisation is not None else None
        if own_role is not None and has_rank(own_role, rule.role):
            return True
        if role != COORDINATOR:
            return False
    territory = scope_territory(obj)
    return territory is None or territory.id in coordinated_territory_ids(user)


def filter_allowed(user, perm: str, queryset):
    """The objects of `queryset` on which `user` may do `perm` (same answer as `can`)."""
    rule = rule_for(perm)
    role = role_of(user)
    if not has_rank(role, rule.role):
        return queryset.none()
    if role == ADMIN or rule.scope == ANY:
        return queryset
    model = queryset.model
    allowed = Q(pk__in=[])
    if role == COORDINATOR:
        path = model.scope_territory_path
        allowed |= Q(**{f"{path}__isnull": True}) | Q(
            **{f"{path}__in": coordinated_territory_ids(user)}
        )
    if rule.scope == ORGANISATION:
        own = [
            org_id
            for org_id, own_role in _memberships(user).items()
            if has_rank(own_role, rule.role)
        ]
        allowed |= Q(**{f"{model.scope_organisation_path}__in": own})
    return queryset.filter(allowed)


DENIED = "Vous n'avez pas les droits nécessaires pour cette action."


def require(user, perm: str, obj=None) -> None:
    """403 unless `user` may do `perm` (services, forms, API: no login page there)."""
    if not can(user, perm, obj):
        raise PermissionDenied(DENIED)


# the gate of the pages: an anonymous visitor refused is sent to the login page, anyone
# else gets a 403. Raise with `gate` / `gate_visible` / `refuse`, anywhere under a view
# wrapped by `login_if_needed`.


class LoginRequired(PermissionDenied):
    """Refused to an anonymous visitor: `login_if_needed` answers with the login page
    (a view without it answers 403)."""


def refuse(user, message: str = DENIED):
    """Stop the request: the login page for an anonymous visitor, 403 for anyone else."""
    if user is None or not user.is_authenticated:
        raise LoginRequired(message)
    raise PermissionDenied(message)


def gate(user, perm: str, obj=None, message: str = DENIED) -> None:
    """`require` for a page: `refuse` unless `user` may do `perm` (on `obj`)."""
    if not can(user, perm, obj):
        refuse(user, message)


def gate_visible(user, item, message: str) -> None:
    """`refuse` unless `user` may read `item` (a `cdvs.accounts.visibility.Visible`)."""
    if not item.is_visible_to(user):
        refuse(user, message)


def login_if_needed(view):
    """Turns a `LoginRequired` raised by `view` into a redirection to the login page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except LoginRequired:
            # as Django's own login_required does: auth.views needs the User model
            from django.contrib.auth.views import redirect_to_login  # lazy: User imports us

            return redirect_to_login(request.get_full_path())

    return wrapper


def filter_searchable(user, queryset):
    """The entries of a search index `queryset` that `user` may find, in one query.

    The rows carry a ``visibility`` and a coordination territory (the model's
    ``scope_territory_path``): public rows for everyone, partenaires rows for the
    partners (porteurs, membres, coordinators), coordination rows only for the
    coordinators whose territory covers the row (any coordinator for a contract-wide
    row) and the administrators: what they may read (`filter_readable`)."""
    return filter_readable(user, queryset)
